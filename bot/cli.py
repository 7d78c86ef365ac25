"""The ``engagement-bot`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _triage(args: argparse.Namespace) -> int:
    from triage.cli import run

    return run(args.file, as_json=args.json)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="engagement-bot",
        description="Engagement triage: find the real bottleneck before buying outside help.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("triage", help="assess an answers file (YAML or JSON; '-' reads stdin)")
    p.add_argument("file", metavar="ANSWERS_FILE")
    p.add_argument("--json", action="store_true", help="print the assessment as one JSON object")
    p.set_defaults(func=_triage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
