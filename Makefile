# Arca — developer entry points. `make run` and `make test` work on a fresh machine:
# scripts/setup.sh installs what is missing (idempotent).
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/arca/target
export CARGO_TERM_COLOR ?= never
VENV ?= $(HOME)/.cache/arca/venv
ARCA := $(CARGO_TARGET_DIR)/debug/arca

.PHONY: setup build run stop test test-rust test-compat bench lint fmt deps-check clean-run

setup:
	@bash scripts/setup.sh

# One cargo invocation shape for everything (dev profile, whole workspace), so the
# RocksDB build is compiled once and reused by CI on the same machine.
build: setup
	cargo test --workspace --no-run

run: build
	@bash scripts/run-local.sh "$(ARCA)"

stop:
	@bash scripts/run-local.sh --stop

test: setup deps-check
	@bash scripts/test.sh

bench: build
	@bash scripts/bench.sh "$(ARCA)"

lint: setup
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt:
	cargo fmt --all

deps-check:
	@python3 scripts/deps_check.py

# Cluster tests on real processes: paused leader, health 474, partition (network
# namespaces; root), rolling restart, and failover timing over 20 leader kills.
.PHONY: cluster-test
cluster-test: build
	@bash scripts/cluster-test.sh --full

# Helm chart tests: helm lint, template tests, Kubernetes schema checks, the rendered config
# on the real binary (skipped if it is not built). helm comes from scripts/helm-install.sh.
.PHONY: chart-test
chart-test: setup
	ARCA_BIN="$(ARCA)" "$(VENV)/bin/python" -m pytest -q tests/chart
