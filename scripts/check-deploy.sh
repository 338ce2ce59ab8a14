#!/usr/bin/env bash
# Checks deploy/: hadolint on the Dockerfile, kubernetes-validate --strict on
# every manifest (offline: the schemas ship with it), shellcheck on the shell
# scripts, and the rules of scripts/check-deploy-policy.py (non-root, read-only,
# no privilege, init before the application, no credential in a file).
# The checkers are installed into .tools/lint on first use. Part of `pnpm lint`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/install-test-tools.sh lint
bin="$root/.tools/lint/bin"

dockerfiles=(deploy/Dockerfile)
manifests=(deploy/kubernetes/*.yaml)
scripts=(deploy/docker-entrypoint.sh scripts/*.sh .ci/run)

status=0
"$bin/hadolint" --failure-threshold style "${dockerfiles[@]}" || status=1
"$bin/kubernetes-validate" --strict --quiet "${manifests[@]}" || status=1
"$bin/shellcheck" "${scripts[@]}" || status=1
"$bin/python" scripts/check-deploy-policy.py "${dockerfiles[@]}" "${manifests[@]}" || status=1

if [[ $status -eq 0 ]]; then
  echo "deploy: ${#dockerfiles[@]} Dockerfile, ${#manifests[@]} manifests, ${#scripts[@]} scripts checked" >&2
fi
exit "$status"
