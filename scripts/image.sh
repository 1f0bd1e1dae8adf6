#!/usr/bin/env bash
# `make image`: the Arca server image `arca:<version>` (also tagged `arca:dev`) from the
# built binary, without any registry. Two steps:
#   1. a base image `arca-base:<hash>` imported (`docker import`) from a root filesystem
#      made of the build host's own Debian files: busybox-static (the shell and tools),
#      tini-static (PID 1), the CA bundle of ca-certificates, and the packages owning
#      the shared libraries the binary links. Its tag is a hash of those packages' names and versions, and the tarball
#      is made with sorted names, zero mtimes and numeric owners, so the same host
#      packages give the same layer; it is imported only when that tag is missing.
#   2. docker/Dockerfile built on that base (layout stage, then the final stage).
# Needs docker; installs busybox-static and tini with apt when missing (idempotent).
# Environment: ARCA_BIN (default $CARGO_TARGET_DIR/debug/arca), IMAGE (default arca).
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "image: $*" >&2; }
ARCA_BIN="${ARCA_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/arca/target}/debug/arca}"
IMAGE="${IMAGE:-arca}"
[ -x "$ARCA_BIN" ] || { log "no arca binary at $ARCA_BIN (build it: cargo test --workspace --no-run)"; exit 1; }
command -v docker >/dev/null 2>&1 || { log "docker is required"; exit 1; }
docker info >/dev/null 2>&1 || { log "the docker engine does not answer (is dockerd running?)"; exit 1; }

need_apt=()
[ -x /usr/bin/busybox ] || [ -x /bin/busybox ] || need_apt+=(busybox-static)
[ -x /usr/bin/tini-static ] || need_apt+=(tini)
[ -s /etc/ssl/certs/ca-certificates.crt ] || need_apt+=(ca-certificates)
command -v objcopy >/dev/null 2>&1 || need_apt+=(binutils)
if ((${#need_apt[@]})); then
  log "installing ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# The Debian package that owns a file, trying the path as given and its /usr-merged forms.
owner_of() {
  local p="$1" q
  for q in "$p" "$(readlink -f "$p")" "${p#/usr}" "/usr$p"; do
    dpkg -S "$q" 2>/dev/null | head -1 | cut -d: -f1 && return 0
  done
  return 1
}

busybox_pkg=$(owner_of /bin/busybox || true)
[ "$busybox_pkg" = busybox-static ] || { log "/bin/busybox must come from busybox-static (found: ${busybox_pkg:-none})"; exit 1; }

lib_pkgs=()
while read -r lib; do
  pkg=$(owner_of "$lib") || { log "no Debian package owns $lib (needed by the binary)"; exit 1; }
  lib_pkgs+=("$pkg")
done < <(ldd "$ARCA_BIN" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}')
mapfile -t lib_pkgs < <(printf '%s\n' "${lib_pkgs[@]}" | sort -u)
pkg_versions=$(dpkg-query -W -f '${Package}=${Version}\n' busybox-static tini ca-certificates "${lib_pkgs[@]}" | sort)
base_tag="arca-base:$(printf '%s' "$pkg_versions" | sha256sum | cut -c1-12)"

if docker image inspect "$base_tag" >/dev/null 2>&1; then
  log "base $base_tag exists"
else
  log "making base $base_tag from: $(echo $pkg_versions)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  root="$work/root"
  mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib" "$root/usr/lib64" "$root/etc" "$root/tmp"
  for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done
  # Where a packaged path lands in the /usr-merged root: its directory resolved on this
  # host (so /lib/x/libc.so.6 goes to /usr/lib/x/libc.so.6), its own name kept.
  place() { local src="$1" dir; dir=$(readlink -f "$(dirname "$src")"); mkdir -p "$root$dir"; cp -a "$src" "$root$dir/"; }
  for pkg in "${lib_pkgs[@]}"; do
    while read -r f; do
      [ -f "$f" ] || [ -L "$f" ] || continue
      case "$(basename "$f")" in *.so|*.so.*) ;; *) continue ;; esac
      case "$f" in */gconv/*|/usr/share/*) continue ;; esac
      place "$f"
    done < <(dpkg -L "$pkg")
  done
  cp /bin/busybox "$root/usr/bin/busybox"
  while read -r applet; do
    name=$(basename "$applet")
    case "$applet" in sbin/*|usr/sbin/*) dir=usr/sbin ;; *) dir=usr/bin ;; esac
    [ -e "$root/$dir/$name" ] || ln -s /usr/bin/busybox "$root/$dir/$name"
  done < <(/bin/busybox --list-full)
  cp /usr/bin/tini-static "$root/usr/bin/tini"
  # The CA bundle: TLS to a retry_join leader or a transit seal, and the CLI's client
  # (`vault status` in the readiness probe) loads the platform's roots when it starts.
  mkdir -p "$root/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
  chmod 1777 "$root/tmp"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$root" -cf "$work/base.tar" .
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/sh"]' \
    --message "arca base: $(echo $pkg_versions)" \
    "$work/base.tar" "$base_tag" >/dev/null
fi

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
revision=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
ctx=$(mktemp -d)
trap 'rm -rf "$ctx" "$ctx.log" ${work:+"$work"}' EXIT
# Debug info off (it is most of a debug build's size); the symbol table stays, so a
# panic's backtrace still names functions.
objcopy --strip-debug "$ARCA_BIN" "$ctx/arca"
cp docker/Dockerfile docker/docker-entrypoint.sh "$ctx/"
log "building $IMAGE:$version and $IMAGE:dev on $base_tag"
# The classic builder: it uses the local base image as is (no registry lookups) on every
# Docker version. Its output is shown only if the build fails.
if ! DOCKER_BUILDKIT=0 docker build \
  --build-arg "BASE=$base_tag" --build-arg "VERSION=$version" --build-arg "REVISION=$revision" \
  -t "$IMAGE:$version" -t "$IMAGE:dev" "$ctx" >"$ctx.log" 2>&1; then
  cat "$ctx.log" >&2
  log "docker build failed"
  exit 1
fi
# Remove what this build left behind (only images made from docker/Dockerfile): the
# layout stage's image and the previous arca image the new tags replaced.
docker image prune -f --filter "label=arca.build-stage=layout" >/dev/null
docker image prune -f --filter "label=org.opencontainers.image.title=arca" >/dev/null
size=$(docker image inspect -f '{{.Size}}' "$IMAGE:dev")
log "$IMAGE:$version ($IMAGE:dev) ready: $((size / 1000000)) MB"
