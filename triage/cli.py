"""``engagement-bot triage FILE [--json]``: exit 0 with the verdict, 2 on unreadable or bad input.

Never a traceback for anything the user gave us: unreadable files and invalid answers become
one clear message on stderr.
"""

from __future__ import annotations

import io
import json
import os
import sys
from typing import BinaryIO, TextIO

from triage.engine import assess
from triage.loading import MAX_INPUT_CHARS, IntakeError, load_intake
from triage.report import render

# The worked scenarios carry their expected verdict next to the answers; it is not an answer.
IGNORED_KEYS = ("expect",)
EXIT_OK = 0
EXIT_BAD_INPUT = 2


def _read(path: str, stdin: TextIO | BinaryIO) -> bytes:
    limit = MAX_INPUT_CHARS * 4 + 1  # bytes; load_intake reports the size problem itself
    if path == "-":
        stream = getattr(stdin, "buffer", stdin)
        raw = stream.read(limit)
        return raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogateescape")
    with open(path, "rb") as fh:
        return fh.read(limit)


def run(
    path: str,
    as_json: bool = False,
    *,
    stdin: TextIO | BinaryIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Assess one answers file (``-`` reads stdin); print a report or one JSON object."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    name = "stdin" if path == "-" else path
    try:
        raw = _read(path, stdin or sys.stdin)
    except IsADirectoryError:
        print(f"Cannot read answers from {name!r}: it is a directory, not a file.", file=err)
        return EXIT_BAD_INPUT
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        print(f"Cannot read answers from {name!r}: {reason}.", file=err)
        return EXIT_BAD_INPUT
    try:
        intake = load_intake(raw, ignore_keys=IGNORED_KEYS)
    except IntakeError as exc:
        print(f"Invalid answers in {name}. {exc}", file=err)
        return EXIT_BAD_INPUT
    assessment = assess(intake)
    text = (
        json.dumps(assessment.model_dump(mode="json"), ensure_ascii=False) + "\n"
        if as_json
        else render(assessment)
    )
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:  # e.g. piped into `head`: the reader left, nothing to report
        _silence(out)
    return EXIT_OK


def _silence(stream: TextIO) -> None:
    """Point a closed pipe at /dev/null so the interpreter's final flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass
