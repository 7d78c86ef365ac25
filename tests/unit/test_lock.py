"""pyproject.toml and the hashed lock files agree: re-lock (`bash scripts/lock.sh`) when not.

Every requirement of pyproject (dependencies and each lock's extras, self-references
followed) is pinned in the lock within its range, every pin carries hashes, a package has
one version across the lock files, and no lock pins a package nothing needs any more.
"""

from __future__ import annotations

import importlib.util
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = canonicalize_name(PYPROJECT["project"]["name"])


def _locks() -> dict[str, tuple[str, ...]]:
    spec = importlib.util.spec_from_file_location("lock_script", ROOT / "scripts" / "lock.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.LOCKS)


LOCKS = _locks()
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


class Pin:
    def __init__(self, version: str, marker: str | None) -> None:
        self.version = Version(version)
        self.marker = Marker(marker) if marker else None
        self.hashes: list[str] = []

    def applies(self) -> bool:
        """The pin is for this interpreter and platform (pins forked by marker are not)."""
        return self.marker is None or self.marker.evaluate({"extra": ""})


def pins(lock: str) -> dict[NormalizedName, list[Pin]]:
    found: dict[NormalizedName, list[Pin]] = {}
    current: Pin | None = None
    for line in (ROOT / lock).read_text().splitlines():
        match = PIN.match(line)
        if match:
            current = Pin(match[2], match[3])
            found.setdefault(canonicalize_name(match[1]), []).append(current)
        elif line.strip().startswith("--hash=sha256:"):
            assert current is not None, f"{lock}: a hash before any pin: {line}"
            current.hashes.append(line.strip())
        elif line.strip() and not line.lstrip().startswith("#"):
            raise AssertionError(f"{lock}: not a pinned requirement: {line!r}")
    return found


def wanted(extras: tuple[str, ...]) -> list[Requirement]:
    """pyproject's requirements for an install with these extras, self-references followed."""
    optional = PYPROJECT["project"].get("optional-dependencies", {})
    out, todo, seen = [], [Requirement(r) for r in PYPROJECT["project"]["dependencies"]], set()
    todo += [Requirement(r) for extra in extras for r in optional[extra]]
    seen.update(extras)
    while todo:
        req = todo.pop(0)
        if canonicalize_name(req.name) == PROJECT:
            for extra in sorted(req.extras - seen):
                seen.add(extra)
                todo += [Requirement(r) for r in optional[extra]]
            continue
        out.append(req)
    return out


def test_each_lock_file_is_made_by_the_lock_script() -> None:
    on_disk = {p.name for p in ROOT.glob("requirements*.txt")}
    assert on_disk == set(LOCKS), "scripts/lock.py LOCKS and the requirements*.txt files differ"
    optional = PYPROJECT["project"].get("optional-dependencies", {})
    for extras in LOCKS.values():
        assert set(extras) <= set(optional)
    for lock in LOCKS:
        assert "bash scripts/lock.sh" in (ROOT / lock).read_text().splitlines()[1]


@pytest.mark.parametrize("lock", list(LOCKS))
def test_every_pyproject_requirement_is_pinned_within_its_range(lock: str) -> None:
    locked = pins(lock)
    for req in wanted(LOCKS[lock]):
        name = canonicalize_name(req.name)
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        assert name in locked, f"{req} is in pyproject.toml but not in {lock}: re-lock"
        for pin in locked[name]:
            assert req.specifier.contains(pin.version, prereleases=True), (
                f"{lock} pins {name}=={pin.version}, outside pyproject's {req}: re-lock")


@pytest.mark.parametrize("lock", list(LOCKS))
def test_every_pin_is_hashed(lock: str) -> None:
    for name, found in pins(lock).items():
        for pin in found:
            assert pin.hashes, f"{lock}: {name}=={pin.version} has no --hash"


def test_a_package_has_one_version_in_every_lock() -> None:
    widest = next(iter(LOCKS))
    reference = {name: sorted(str(p.version) for p in found)
                 for name, found in pins(widest).items()}
    for lock in LOCKS:
        for name, found in pins(lock).items():
            assert name in reference, f"{lock} pins {name}, which {widest} does not"
            versions = sorted(str(p.version) for p in found)
            assert set(versions) <= set(reference[name]), (
                f"{name}: {lock} has {versions}, {widest} has {reference[name]}")


def _needed(requirements: list[Requirement]) -> set[NormalizedName]:
    """The packages these requirements pull in here, from the installed packages' metadata."""
    needed: set[NormalizedName] = set()
    todo = [(req, frozenset({""})) for req in requirements]
    done: set[tuple[NormalizedName, frozenset[str]]] = set()
    while todo:
        req, context = todo.pop()
        if req.marker is not None and not any(req.marker.evaluate({"extra": e})
                                              for e in context):
            continue
        name = canonicalize_name(req.name)
        extras = frozenset(req.extras) | {""}
        if (name, extras) in done:
            continue
        done.add((name, extras))
        needed.add(name)
        todo += [(Requirement(dep), extras) for dep in metadata.requires(name) or []]
    return needed


@pytest.mark.parametrize("lock", list(LOCKS))
def test_nothing_missing_or_stale_in_the_lock(lock: str) -> None:
    """Compared with what pyproject's requirements need today: a pin nothing needs any more
    (a dependency removed without re-locking) would be installed and tested all the same,
    and hide an import left behind."""
    locked = {name: [p for p in found if p.applies()] for name, found in pins(lock).items()}
    locked = {name: found for name, found in locked.items() if found}
    for name, found in locked.items():
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            installed = None
        if installed not in {p.version for p in found}:
            pytest.skip(f"this venv is not installed from the lock ({name}: {installed}, "
                        f"lock: {[str(p.version) for p in found]}): run scripts/install.sh")
    needed = _needed(wanted(LOCKS[lock]))
    missing, stale = sorted(needed - set(locked)), sorted(set(locked) - needed)
    assert not missing, f"needed but not pinned in {lock}: {missing}: re-lock"
    assert not stale, f"pinned in {lock} but needed by nothing: {stale}: re-lock"


def test_lock_targets_the_projects_python() -> None:
    version = (ROOT / ".python-version").read_text().strip()
    assert re.fullmatch(r"3\.\d+", version)
    assert PYPROJECT["project"]["requires-python"] == f">={version}"
