"""``python -m bench.run --only anchor``: the product against bare Bolt at its best.

Runs ``../shared/bench-anchor/vs_best.py`` (or ``$ENGAGEMENT_SHARED_DIR/bench-anchor``):
bare Bolt's ``AsyncApp`` under ``uvicorn --workers 2 --loop uvloop --http httptools``, with
and without ``process_before_response``, and ``engagement-bot serve`` from this checkout's
venv, in turns against the same fake Web API and load generator. The anchor runs from a
venv of its own (``BENCH_ANCHOR_VENV``, default ``/tmp/anchor-venv``); without the folder or
the venv this prints how to get them and measures nothing. Prints each run and the ratios
(bot / bare, per concurrency and repetition), median over the repetitions.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
APPS = ("bare-uvicorn-w2-pbr", "bare-uvicorn-w2", "bot-serve")


def anchor_dir() -> Path:
    shared = os.environ.get("ENGAGEMENT_SHARED_DIR")
    return (Path(shared) if shared else REPO.parent / "shared") / "bench-anchor"


def anchor_python() -> Path:
    return Path(os.environ.get("BENCH_ANCHOR_VENV", "/tmp/anchor-venv")) / "bin" / "python"


def how_to(folder: Path, python: Path) -> list[str]:
    lines = ["## Anchor: bare Bolt at its best (not run)"]
    if not (folder / "vs_best.py").exists():
        lines.append(f"No {folder}/vs_best.py: the anchor lives in the shared folder beside "
                     "the repository (or set ENGAGEMENT_SHARED_DIR).")
    if not python.exists():
        lines += [f"No anchor venv at {python.parent.parent} (BENCH_ANCHOR_VENV). Make it with:",
                  f"  python3 -m venv {python.parent.parent}",
                  f"  {python.parent}/pip install slack-bolt slack-sdk starlette uvicorn "
                  "uvloop httptools aiohttp"]
    return lines


def ratios(results: list[dict[str, Any]]) -> list[str]:
    by: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for r in results:
        by.setdefault((r["c"], r["app"]), []).append(r)
    lines = ["| c | app | runs | req/s | ack p99 ms | trigger→views.open p50 / p99 ms |",
             "| --: | --- | --: | --- | --- | --- |"]
    concs = sorted({c for c, _ in by})
    for c in concs:
        for app in APPS:
            runs = by.get((c, app), [])
            if not runs:
                continue
            lines.append(
                f"| {c} | {app} | {len(runs)} | "
                + ", ".join(f"{r['throughput_rps']:.0f}" for r in runs) + " | "
                + ", ".join(f"{r['ack_ms']['p99']:.1f}" for r in runs) + " | "
                + ", ".join(f"{r['views_open']['p50_ms']:.1f} / {r['views_open']['p99_ms']:.1f}"
                            for r in runs) + " |")
    lines += ["", "| c | vs | req/s ratio per rep (median) | views.open p99 ratio per rep "
              "(median) |", "| --: | --- | --- | --- |"]
    for c in concs:
        bot = by.get((c, "bot-serve"), [])
        for bare in APPS[:2]:
            base = by.get((c, bare), [])
            pairs = list(zip(base, bot, strict=False))
            if not pairs:
                continue
            rps = [b["throughput_rps"] / a["throughput_rps"] for a, b in pairs]
            p99 = [b["views_open"]["p99_ms"] / a["views_open"]["p99_ms"] for a, b in pairs]
            lines.append(f"| {c} | {bare} | " + ", ".join(f"{x:.2f}x" for x in rps)
                         + f" ({statistics.median(rps):.2f}x) | "
                         + ", ".join(f"{x:.2f}x" for x in p99)
                         + f" ({statistics.median(p99):.2f}x) |")
    return lines


def bench_anchor(quick: bool) -> list[str]:
    folder, python = anchor_dir(), anchor_python()
    if not (folder / "vs_best.py").exists() or not python.exists():
        return how_to(folder, python)
    reps = os.environ.get("BENCH_ANCHOR_REPS", "2" if quick else "4")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "vs_best.json"
        cmd = [str(python), str(folder / "vs_best.py"), "--reps", reps, "--out", str(out),
               "--bot-bin", str(Path(sys.executable).parent)]
        if quick:
            cmd += ["-n", "1000"]
        subprocess.run(cmd, cwd=folder, check=True, stdout=sys.stderr, timeout=3600)
        results = json.loads(out.read_text())
    return [f"## Anchor: bare Bolt at its best vs `engagement-bot serve` ({reps} reps, "
            "same run, vs_best.py)", *ratios(results)]
