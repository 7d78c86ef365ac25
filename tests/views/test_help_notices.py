"""/engagement help, unknown subcommands, and the notices."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.views import help as help_views
from bot.views import notices
from bot.views.ids import Action
from tests.fakeslack.schemas import validate_blocks_message, validate_modal


def test_help_names_every_subcommand() -> None:
    msg = help_views.help_message()
    validate_blocks_message(msg)
    text = str(msg["blocks"])
    for sub in ("start [name]", "help", "history", "export", "healthcheck",
                "list | pause | resume | stop"):
        assert f"/engagement {sub}" in text or sub in text
    assert "coming soon" not in text  # every subcommand exists now
    marked = help_views.help_message(coming_soon=frozenset({"export"}))
    assert "coming soon" in str(marked["blocks"])
    assert "/engagement" in msg["text"]


def test_unknown_subcommand_echoes_safely() -> None:
    msg = help_views.unknown_subcommand_message("frobnicate <!here> `x` " + "y" * 200)
    validate_blocks_message(msg)
    assert "frobnicate" in msg["text"]
    blob = str(msg)
    assert "<!here>" not in blob and "&lt;!here&gt;" in blob
    assert "y" * 61 not in blob
    assert "/engagement help" in msg["text"]
    validate_blocks_message(help_views.unknown_subcommand_message(""))
    validate_blocks_message(help_views.not_yet_message("export"))


@pytest.mark.parametrize(("reason", "words"), [
    ("not_member", "/invite @Engagement Triage"),
    ("not_found", "can't find"),
    ("archived", "archived"),
    ("restricted", "doesn't let me"),
    ("weird", "couldn't post"),
])
def test_cannot_post_says_why_and_what_to_do(reason: str, words: str) -> None:
    text = notices.cannot_post("G123", reason)
    assert words in text and "<#G123>" in text


def test_posted_and_other_texts() -> None:
    assert notices.posted("C1", "https://x.slack.com/archives/C1/p1") == (
        "Posted your verdict in <#C1>: <https://x.slack.com/archives/C1/p1|open it>. "
        "The details are in its thread.")
    assert "open it" not in notices.posted("C1", "javascript:alert(1)")
    assert notices.posted("C1").startswith("Posted your verdict in <#C1>.")
    oops = notices.something_went_wrong("ab12cd34")
    assert oops.startswith("Sorry, something went wrong on my side")
    assert "share reference `ab12cd34`" in oops
    assert "`<!channel>`" not in notices.something_went_wrong("<!channel>")  # escaped
    assert "Only the person who ran the assessment" in notices.not_allowed("stop check-ins")


@dataclass
class Outcome:
    assessment_id: int = 5
    ok: bool = True
    channel_id: str = "C1"
    permalink: str | None = "https://x.slack.com/archives/C1/p1"
    problem: str | None = None


def test_modals_are_valid() -> None:
    validate_modal(notices.posting_modal("C1"))
    validate_modal(notices.posting_modal(""))
    ok = notices.posted_modal(Outcome())
    validate_modal(ok)
    assert "Posted your verdict" in str(ok)
    failed = notices.posted_modal(Outcome(ok=False, problem=notices.cannot_post("G1",
                                                                              "not_member")))
    validate_modal(failed)
    assert Action.RETRY_POST.value in str(failed) and "/invite" in str(failed)
    validate_modal(notices.posted_modal(Outcome(ok=False)))
    validate_modal(notices.problem_modal("Out of date."))
    validate_modal(notices.info_modal("Done."))
