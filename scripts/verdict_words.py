"""The verdict's size at post time, per scenario: replies posted with the parent, and the
words a reader sees in the parent and in those replies (counted as
``tests/support/surfaces.words`` counts them: a mention is one word, an emoji none).

    .venv/bin/python scripts/verdict_words.py            # tests/scenarios and ../shared
    .venv/bin/python scripts/verdict_words.py a.yaml ...

The budget the tests hold it to is ``bot.views.recommendation.VERDICT_WORD_BUDGET``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.views import recommendation as rec  # noqa: E402
from tests.support import scenarios  # noqa: E402
from tests.support.surfaces import word_count  # noqa: E402
from triage import assess, parse_intake  # noqa: E402

STATUS = "Check-ins after 2 weeks and 6 weeks."


def figures(path: Path) -> tuple[int, int, int]:
    """(replies, parent words, reply words) of the verdict for one scenario file."""
    answers, _ = scenarios.load(path)
    verdict = assess(parse_intake(answers))
    parent = rec.parent_message(verdict, owner_id="U42", assessment_id=1, status_line=STATUS)
    replies = rec.thread_replies(verdict, 1, parent)
    return len(replies), word_count(parent), sum(word_count(r) for r in replies)


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or scenarios.own() + scenarios.public()
    print(f"{'scenario':<44} {'replies':>7} {'parent':>6} {'thread':>6} {'total':>6}")
    totals = []
    for path in paths:
        n, parent, thread = figures(path)
        name = ("shared/" if path.parent.name == "scenarios" and "shared" in path.parts
                else "") + path.stem
        totals.append(parent + thread)
        print(f"{name:<44} {n:>7} {parent:>6} {thread:>6} {parent + thread:>6}")
    print(f"{len(totals)} scenarios: {min(totals)} to {max(totals)} words, "
          f"mean {sum(totals) / len(totals):.0f}; budget {rec.VERDICT_WORD_BUDGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
