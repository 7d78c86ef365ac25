"""Reading what people type after ``/engagement``: pure, forgiving, never raises."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

SUBCOMMANDS = ("start", "help", "history", "export", "healthcheck")
_MENTION = re.compile(r"<[@#!][^>]*>")


@dataclass(frozen=True)
class CommandText:
    sub: str  # one of SUBCOMMANDS, or "" for unknown
    arg: str  # the rest, cleaned
    raw: str  # what was typed, cleaned, for echoing back


def clean(text: str, limit: int = 200) -> str:
    """Drop control characters and Slack mention markup; collapse whitespace."""
    text = _MENTION.sub(" ", text or "")
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return " ".join(text.split())[:limit]


def parse_command_text(text: str) -> CommandText:
    cleaned = clean(text)
    if not cleaned:
        return CommandText("start", "", "")
    word, _, rest = cleaned.partition(" ")
    word = word.lower()
    if word in SUBCOMMANDS:
        return CommandText(word, rest.strip(), cleaned)
    return CommandText("", cleaned, cleaned)
