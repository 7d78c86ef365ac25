"""What people typed, shown back: `/engagement history` escapes it, the CSV export keeps
spreadsheets from running it as a formula, channels are shown as channel mentions."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.e2e.test_home import posted
from tests.support.harness import Bot

DISGUISED = "<http://evil.example|click> <!channel> <@U123> =HYPERLINK(\"http://evil\")"
FORMULAS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\uff1d1+1"]


def test_history_escapes_names_and_shows_the_channel_as_a_mention(bot: Bot) -> None:
    posted(bot, engagement=DISGUISED)
    text = bot.slack.command("history", channel_id="C1").json()["text"]
    assert "<http://evil.example|click>" not in text and "<!channel>" not in text
    assert "<@U123>" not in text
    assert "&lt;http://evil.example|click&gt; &lt;!channel&gt; &lt;@U123&gt;" in text
    assert text.startswith("Recent assessments in <#C1>:")
    # the only markup left is ours: the channel and the link to the thread
    markup = [part.split(">")[0] for part in text.split("<")[1:]]
    assert markup[0] == "#C1" and len(markup) == 2
    assert markup[1].startswith("https://fake.slack.com/archives/C1/p")
    assert markup[1].endswith("|thread")


def test_a_channel_id_that_is_not_one_is_shown_as_text() -> None:
    from bot.views.blocks import channel_mention

    assert channel_mention("C0123ABC") == "<#C0123ABC>"
    for bad in ("C1|x> <!channel", "C1>", "c1", "", "<!here>"):
        shown = channel_mention(bad)
        assert "<" not in shown and ">" not in shown.replace("&gt;", ""), shown


def _export_files(bot: Bot) -> dict[str, str]:
    bot.slack.command("export", user_id="U1", channel_id="C1")
    done = bot.fake.wait_for("files.completeUploadExternal")[-1]
    return {bot.fake.upload_names[f["id"]]: bot.fake.uploads[f["id"]].decode()
            for f in done.args["files"]}


@pytest.mark.parametrize("name", FORMULAS)
def test_the_csv_export_never_starts_a_cell_with_a_formula(bot: Bot, name: str) -> None:
    posted(bot, engagement=name)
    files = _export_files(bot)
    rows = list(csv.DictReader(io.StringIO(files["engagement-export.csv"])))
    assert rows and {r["engagement"] for r in rows} == {"'" + name}
    for row in rows:
        for value in row.values():
            assert not value.lstrip().startswith(("=", "+", "-", "@", "\uff1d")), value
            assert not value.startswith(("\t", "\r")), value
    # the JSON export is data, exactly as stored
    [first, *_] = json.loads(files["engagement-export.json"])
    assert first["engagement"] == name


def test_cells_starting_with_a_blank_tab_or_carriage_return_are_made_safe() -> None:
    """(The questionnaire trims names, so these cannot come through it today.)"""
    from bot.services.history import spreadsheet_safe

    for cell in ("\t=1", "\r=1", "  =1", "\tplain", "\rplain", " @x"):
        assert spreadsheet_safe(cell) == "'" + cell
    for cell in ("plain", "a=b", "", "U1", "C1", "2026-03-02T09:00:00+00:00"):
        assert spreadsheet_safe(cell) == cell
    for value in (-1, 0.5, True, None):
        assert spreadsheet_safe(value) == value
