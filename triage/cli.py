"""``engagement-bot triage FILE [--json]``: exit 0 with the verdict, 2 on bad input."""

from __future__ import annotations

import sys
from typing import TextIO

from triage.engine import assess
from triage.loading import IntakeError, dump_json, load_intake
from triage.report import render


def run(path: str, *, as_json: bool, stdin: TextIO | None = None, stdout: TextIO | None = None,
        stderr: TextIO | None = None) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        if path == "-":
            raw: bytes = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode()
        else:
            with open(path, "rb") as fh:
                raw = fh.read()
    except OSError as exc:
        print(f"Cannot read answers file {path!r}: {exc.strerror or exc}", file=stderr)
        return 2
    try:
        intake = load_intake(raw)
    except IntakeError as exc:
        print(f"{path}: {exc}", file=stderr)
        return 2
    assessment = assess(intake)
    stdout.write(dump_json(assessment) + "\n" if as_json else render(assessment))
    return 0
