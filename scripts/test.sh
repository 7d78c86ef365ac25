#!/usr/bin/env bash
# Installs everything the tests need into .venv from the lock file requirements-test.txt
# (and PostgreSQL if missing), then runs the linters, the type checker and the whole test
# suite. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
# From the lock file, as the Dockerfile does: the versions tested are the ones deployed.
bash scripts/install.sh --python .venv/bin/python --lock requirements-test.txt --editable

# A real PostgreSQL for the persistence tests. The tests start their own throwaway
# cluster (as the postgres user when run as root); they only need the server binaries.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  echo "PostgreSQL server not found: installing it (Debian package postgresql)"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  # Debian starts a cluster of its own on install; the tests do not need it.
  $SUDO service postgresql stop >/dev/null 2>&1 || true
fi

echo "== ruff"
.venv/bin/ruff check .
echo "== mypy (triage, strict)"
.venv/bin/mypy triage
echo "== mypy (bot)"
.venv/bin/mypy bot
echo "== pytest"
.venv/bin/python -m pytest -q "$@"
