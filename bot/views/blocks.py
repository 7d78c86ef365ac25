"""Small builders for Block Kit objects, with Slack's length limits applied."""

from __future__ import annotations

import re
from typing import Any

Block = dict[str, Any]

SECTION_TEXT_MAX = 3000
PLAIN_OPTION_MAX = 75
BUTTON_TEXT_MAX = 75
HEADER_MAX = 150


TITLE_MAX = 24
LABEL_MAX = 2000
FALLBACK_MAX = 3000


_MENTION = re.compile(r"<[@#!][^>]*>")
_EMOJI = re.compile(r":[a-z0-9_+\-]+:")


def words(text: str) -> int:
    """Words a reader sees in ``text`` (a mention counts as one, an emoji as none)."""
    text = _EMOJI.sub(" ", _MENTION.sub(" name ", text))
    return sum(1 for token in text.split() if any(ch.isalnum() for ch in token))


def shown_words(payload: dict[str, Any]) -> int:
    """The words a message's blocks show: texts, fields, context elements, button labels."""
    total = 0
    for block in payload.get("blocks") or []:
        texts = [block.get("text") or {}, *(block.get("fields") or [])]
        for el in block.get("elements") or []:
            texts.append(el.get("text") if el.get("type") == "button" else el)
        total += sum(words(t.get("text", "")) for t in texts if isinstance(t, dict))
    return total


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when something was cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def esc(text: str) -> str:
    """Text people typed, made safe for mrkdwn: no mentions, links or @channel pings."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_SLACK_ID = re.compile(r"[A-Z0-9]{2,32}")


def is_slack_id(text: str) -> bool:
    """Does ``text`` look like a Slack id (``C0123ABC``, ``U1``, ``T1``)?"""
    return bool(_SLACK_ID.fullmatch(text or ""))


def channel_mention(channel_id: str) -> str:
    """A channel as Slack shows it (``<#C123>``, its name for each reader). An id that is
    not one (a stored or tampered value such as ``C1|x> <!channel``) is shown as escaped
    text, never as markup."""
    if is_slack_id(channel_id):
        return f"<#{channel_id}>"
    return f"`{esc(channel_id or '?')[:40]}`"


def code_block(text: str, limit: int = SECTION_TEXT_MAX) -> str:
    """A monospace block that stays closed even when clipped."""
    return "```\n" + clip(text, limit - 8) + "\n```"


def plain(text: str, limit: int = SECTION_TEXT_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, SECTION_TEXT_MAX)}


def section(text: str, block_id: str | None = None, **extra: Any) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text), **extra}
    if block_id:
        block["block_id"] = block_id
    return block


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_MAX)}


def context(text: str, block_id: str | None = None) -> Block:
    block: Block = {"type": "context", "elements": [mrkdwn(text)]}
    if block_id:
        block["block_id"] = block_id
    return block


def divider() -> Block:
    return {"type": "divider"}


def option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain(label, PLAIN_OPTION_MAX), "value": value}


def button(text: str, action_id: str, value: str | None = None, style: str | None = None,
           url: str | None = None) -> dict[str, Any]:
    el: dict[str, Any] = {"type": "button", "text": plain(text, BUTTON_TEXT_MAX),
                          "action_id": action_id}
    if value is not None:
        el["value"] = value
    if style:
        el["style"] = style
    if url:
        el["url"] = url
    return el


def actions(block_id: str, *elements: dict[str, Any]) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(elements)}


def message(text: str, blocks: list[Block]) -> dict[str, Any]:
    """A message payload: blocks plus the plain-text fallback Slack shows in notifications."""
    return {"text": clip(text, FALLBACK_MAX), "blocks": blocks}


CONFIRM_TEXT_MAX = 300


def confirm(title: str, text: str, yes: str, no: str) -> dict[str, Any]:
    """A Block Kit confirm dialog (Slack asks before sending the click), styled for
    something that cannot be undone."""
    return {"title": plain(title, 100), "text": dict(mrkdwn(text),
                                                     text=clip(text, CONFIRM_TEXT_MAX)),
            "confirm": plain(yes, 30), "deny": plain(no, 30), "style": "danger"}
