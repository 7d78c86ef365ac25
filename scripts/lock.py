"""Regenerate the hashed lock files from pyproject.toml. Run it as ``bash scripts/lock.sh``.

Each lock file pins every package an install needs, with the sha256 of each of its files
on PyPI, for Python 3.11 on any platform (uv's universal resolution keeps the markers). Installs
read them with ``pip install --require-hashes -r FILE`` (scripts/install.sh), so what CI
tests is what a deployment runs.

After changing dependencies or extras in pyproject.toml, run ``bash scripts/lock.sh``:
versions already locked are kept where they still fit, and only what the change needs is
added or moved. ``bash scripts/lock.sh --upgrade`` moves everything to the newest versions
pyproject allows; ``--upgrade-package NAME`` moves one. tests/unit/test_lock.py fails when
pyproject and the lock files disagree.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON_VERSION = (ROOT / ".python-version").read_text().strip()

# lock file -> the extras it installs on top of the dependencies. The first is resolved
# on its own and must be the widest; the others are held to its versions (-c), so every
# package has one version everywhere.
LOCKS: dict[str, tuple[str, ...]] = {
    "requirements-test.txt": ("test",),  # scripts/test.sh, CI
    "requirements-charts.txt": ("charts",),  # a deployment with the PNG trend charts
    "requirements.txt": (),  # a deployment (Heroku-style builds read this one)
}


def uv() -> str:
    here = Path(sys.executable).parent / "uv"
    found = str(here) if here.exists() else shutil.which("uv")
    if not found:
        raise SystemExit("uv not found: run this through `bash scripts/lock.sh`")
    return found


def main(argv: list[str]) -> int:
    widest: str | None = None
    for name, extras in LOCKS.items():
        cmd = [uv(), "pip", "compile", "pyproject.toml", "--quiet", "--universal",
               "--python-version", PYTHON_VERSION, "--generate-hashes",
               "--custom-compile-command", "bash scripts/lock.sh", "--output-file", name]
        cmd += [f"--extra={extra}" for extra in extras]
        if widest is None:
            cmd += argv  # --upgrade / --upgrade-package X: the others follow the widest
        else:
            cmd += ["--constraint", widest]
        print("locking", name, "(extras: " + (", ".join(extras) or "none") + ")")
        subprocess.run(cmd, cwd=ROOT, check=True)
        widest = widest or name
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
