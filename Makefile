# Arca — developer entry points. `make run` and `make test` work on a fresh machine:
# scripts/setup.sh installs what is missing (idempotent).
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/arca/target
export CARGO_TERM_COLOR ?= never
VENV ?= $(HOME)/.cache/arca/venv
ARCA := $(CARGO_TARGET_DIR)/debug/arca

.PHONY: setup build run stop test test-rust test-compat bench lint fmt deps-check clean-run jepsen

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

# Benchmarks measure an optimised build: `cargo build --release --bins` into the same
# target directory (release/ beside debug/; the first one compiles RocksDB at -O3, about
# 30 minutes on 2 cores). BENCH_PROFILE=dev measures the dev build instead (only to compare).
BENCH_PROFILE ?= release
bench: setup
ifeq ($(BENCH_PROFILE),dev)
	cargo test --workspace --no-run
	@bash scripts/bench.sh "$(CARGO_TARGET_DIR)/debug/arca"
else
	cargo build --release --bins
	@bash scripts/bench.sh "$(CARGO_TARGET_DIR)/release/arca"
endif

# The Jepsen-style suite on local 5-node clusters in network namespaces (needs root):
# every nemesis 5 runs x 60 s; JEPSEN_NEMESES, JEPSEN_RUNS, JEPSEN_SECONDS,
# JEPSEN_WORKLOADS and JEPSEN_NODES change it. Reports: jepsen/results/latest/.
jepsen: build
	@bash scripts/jepsen.sh

lint: setup
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt:
	cargo fmt --all

deps-check:
	@python3 scripts/deps_check.py

# The seed walk-through's vault commands through a link named `vault`, on a fresh 3-node
# cluster (also part of `make test`).
.PHONY: seed-e2e
seed-e2e: build
	@bash scripts/seed-e2e.sh "$(ARCA)"

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

# The container image arca:<version> (+ arca:dev) from the built binary, on a base image
# imported from the host's own Debian files (no registry). See docs/container.md.
.PHONY: image drill drill-short drill-clean
image: build
	@bash scripts/image.sh

# Failover drills on three containers running the chart's HA config: kill, pause,
# partition, rolling restart, with a writer running (a few minutes). drill-short is the
# kill drill alone (what `make test` runs).
drill: build
	@bash scripts/drill.sh

drill-short: build
	@bash scripts/drill.sh --short

# Removes what an interrupted drill left (containers labelled arca-drill, its networks and
# volumes), including those of a drill still running.
drill-clean:
	-docker ps -aq --filter label=arca-drill | xargs -r docker rm -f
	-docker network ls -q --filter name=arca-drill- | xargs -r docker network rm
	-docker volume ls -q --filter name=arca-drill- | xargs -r docker volume rm
