"""The layers of bot/ as the tree shows them: no import cycles, the scheduler depends on
the services (never the reverse), the triage domain knows nothing of Slack or storage, and
no state or job kind is spelled as a bare string outside its enum."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENTRY_POINTS = {"__init__", "app", "cli", "settings", "deps", "errors"}


def modules(package: str) -> dict[str, Path]:
    found = {}
    for path in (ROOT / package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        rel = path.relative_to(ROOT).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        found[name] = path
    return found


def imports(path: Path, known: set[str]) -> set[str]:
    """Every bot/triage module ``path`` imports, at the top or inside a function."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            subs = [f"{node.module}.{a.name}" for a in node.names]
            names = [s for s in subs if s in known] or [node.module]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                out.add(name)
    return out


def graph() -> dict[str, set[str]]:
    mods = {**modules("bot"), **modules("triage")}
    known = set(mods)
    # a module's own ancestor packages run first on any import of it: not a layer edge
    return {name: {dep for dep in imports(path, known)
                   if dep != name and not name.startswith(dep + ".")}
            for name, path in mods.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles() -> None:
    assert cycles(graph()) == []


def test_the_services_never_import_the_scheduler() -> None:
    bad = {(a, b) for a, deps in graph().items() for b in deps
           if a.startswith(("bot.services", "bot.jobs", "bot.views", "bot.db"))
           and b.startswith("bot.scheduling")}
    assert bad == set()


def test_triage_is_pure() -> None:
    for name, path in modules("triage").items():
        text = path.read_text()
        for forbidden in ("slack_sdk", "slack_bolt", "sqlalchemy", "import bot", "from bot",
                          "datetime.now", "time.time"):
            assert forbidden not in text, f"{name} uses {forbidden}"


def test_only_entry_points_at_the_root_of_bot() -> None:
    loose = {p.stem for p in (ROOT / "bot").glob("*.py")} - ENTRY_POINTS
    assert loose == set()


STATES = re.compile(r'"(pending_post|post_failed|snoozed|answered|checkin_post|checkin_nudge|'
                    r'checkin_miss|health_post|health_close|claimed|cancelled)"')


def test_states_and_kinds_are_spelled_only_in_their_enums() -> None:
    found = defaultdict(list)
    for name, path in modules("bot").items():
        if name == "bot.db.states":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if STATES.search(line) and not line.lstrip().startswith("#"):
                found[name].append(n)
    assert dict(found) == {}
