#!/usr/bin/env bash
# Regenerates the hashed lock files (requirements*.txt) from pyproject.toml; run it after
# changing dependencies. Extra arguments go to the resolver: --upgrade moves everything
# to the newest allowed versions, --upgrade-package NAME moves one. See scripts/lock.py.
set -euo pipefail
cd "$(dirname "$0")/.."

# The resolver (uv) lives in a venv of its own, pinned, so the lock files come out the
# same for everyone and the test venv stays exactly what the lock says.
UV_VERSION=0.13.9
PY=${PYTHON:-python3}
if [ ! -x .venv-lock/bin/python ]; then
  "$PY" -m venv .venv-lock
fi
if [ "$(.venv-lock/bin/uv --version 2>/dev/null | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  .venv-lock/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
exec .venv-lock/bin/python scripts/lock.py "$@"
