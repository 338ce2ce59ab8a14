#!/bin/sh
# Creates every missing secret the manifest declares, then runs the application
# in this process's place. `init` failing stops the container with its exit code
# (1 failed, 2 configuration), so an application never starts without its secrets.
#
#   SECRETS_INIT=false   skip `init` (when an init container already ran it)
#   SECRETS_CLI=PATH     the bundled CLI (default /opt/secrets/secrets.cjs)
set -eu

case "${SECRETS_INIT:-true}" in
  false | 0 | no | off) ;;
  *) node "${SECRETS_CLI:-/opt/secrets/secrets.cjs}" init --quiet ;;
esac

exec "$@"
