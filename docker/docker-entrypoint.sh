#!/bin/sh
# Entrypoint of the Arca image, with the behaviour of Vault's image entrypoint so that
# commands and Helm charts written for `hashicorp/vault` work unchanged:
#
#   server ...         -> arca server -config=/vault/config ... (plus VAULT_LOCAL_CONFIG)
#   vault ... | arca ...  -> run as given
#   -flags / a known arca command (status, operator, kv, ...) -> arca <args>
#   anything else      -> run as given (e.g. `sh`)
#
# Run as root (docker run --user 0), it makes the /vault directories the vault user's
# unless SKIP_CHOWN is set, then drops to that user. SKIP_SETCAP is accepted for
# compatibility: Vault's entrypoint grants the binary CAP_IPC_LOCK for mlock(2), but
# Arca does not lock memory, so there is never a capability to set.
set -e

case "${1:-}" in
  -*) set -- arca "$@" ;;
esac

if [ "${1:-}" = server ]; then
  shift
  # VAULT_LOCAL_CONFIG: a whole config file (HCL or JSON) given in the environment.
  if [ -n "${VAULT_LOCAL_CONFIG:-}" ]; then
    printf '%s\n' "$VAULT_LOCAL_CONFIG" > /vault/config/local.json
  fi
  # In dev mode no config directory is read (a dev server has its own config).
  dev=""
  for a in "$@"; do
    case "$a" in -dev|-dev=true|--dev) dev=1 ;; esac
  done
  if [ -n "$dev" ]; then
    set -- arca server "$@"
  else
    # A -config given by the caller replaces the default directory.
    own_config=""
    for a in "$@"; do
      case "$a" in -config=*|-config|--config=*|--config) own_config=1 ;; esac
    done
    if [ -n "$own_config" ]; then
      set -- arca server "$@"
    else
      set -- arca server -config=/vault/config "$@"
    fi
  fi
elif [ "${1:-}" != vault ] && [ "${1:-}" != arca ] && [ -n "${1:-}" ] \
  && ! command -v "$1" >/dev/null 2>&1 && arca "$1" -h >/dev/null 2>&1; then
  # Not a program in the image but an arca command: `docker run arca status`.
  set -- arca "$@"
fi

if [ "${1:-}" = vault ] || [ "${1:-}" = arca ]; then
  if [ "$(id -u)" = 0 ]; then
    if [ -z "${SKIP_CHOWN:-}" ]; then
      for d in /vault/config /vault/data /vault/logs /vault/file; do
        [ -d "$d" ] || continue
        # A read-only mount (a ConfigMap) cannot be chowned; say so and go on, as Vault does.
        chown -R vault:vault "$d" 2>/dev/null || echo "docker-entrypoint.sh: could not chown $d (may not have appropriate permissions)" >&2
      done
    fi
    # Drop root: busybox su runs "$0" "$@" through sh -c as the vault user, keeping
    # the environment (-p).
    exec su -p -s /bin/sh -c 'exec "$0" "$@"' vault -- "$@"
  fi
fi

exec "$@"
