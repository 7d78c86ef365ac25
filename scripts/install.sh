#!/usr/bin/env bash
# The one way this project gets installed, used by scripts/test.sh (so by CI) and by the
# Dockerfile: first the hashed lock file (exact versions, every file checked against its
# sha256, nothing resolved), then the project itself with --no-deps. What CI tests is
# therefore what an image runs.
#
#   scripts/install.sh [--python PY] [--lock FILE] [--editable] [--no-project]
#
# --python   the interpreter of the venv to install into (default: python3)
# --lock     requirements.txt (default), requirements-charts.txt or requirements-test.txt
# --editable install the project in place (development, tests)
# --no-project  the locked dependencies only (a Docker layer that survives code changes)
set -euo pipefail
cd "$(dirname "$0")/.."

py=python3 lock=requirements.txt editable="" project=1
while [ $# -gt 0 ]; do
  case "$1" in
    --python) py=$2; shift 2 ;;
    --lock) lock=$2; shift 2 ;;
    --editable) editable=-e; shift ;;
    --no-project) project=""; shift ;;
    *) echo "scripts/install.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

"$py" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$lock"
if [ -n "$project" ]; then
  "$py" -m pip install --quiet --disable-pip-version-check --no-deps $editable .
  "$py" -m pip check --disable-pip-version-check >/dev/null
fi
