"""What a person reads on a Slack surface, as text: for word budgets and for the check that
no contract id (a field path, a raw enum value, a model id) ever reaches anyone.

``shown_texts`` walks a message payload or a view and returns every text Slack renders:
section text and fields, headers, context elements, button and option labels, input
labels, hints and placeholders, confirm dialogs, titles, image alt text, and the message's
plain-text fallback (notifications show it). Ids, values, URLs and metadata are not shown
and are skipped.
"""

from __future__ import annotations

import re
from typing import Any

# keys whose values people never see (the machine side of Block Kit)
_HIDDEN = {"action_id", "block_id", "value", "url", "callback_id", "private_metadata",
           "external_id", "metadata", "image_url", "type", "style", "initial_conversation",
           "initial_channel", "initial_user", "initial_date", "initial_time", "filter",
           "dispatch_action", "max_length", "min_length", "multiline", "optional", "id",
           "hash", "ts", "thread_ts", "channel", "team_id", "app_id", "bot_id", "emoji",
           "verbatim", "notify_on_close", "clear_on_close", "submit_disabled",
           "response_type", "replace_original", "delete_original", "focus_on_load",
           "timezone", "unfurl_links", "unfurl_media", "reply_broadcast", "mrkdwn"}


def shown_texts(payload: Any, *, fallback: bool = True) -> list[str]:
    """Every text a person can read in ``payload`` (a message or a view), in order.
    ``fallback`` includes a message's top-level ``text`` (shown in notifications)."""
    out: list[str] = []
    if isinstance(payload, dict) and fallback and isinstance(payload.get("text"), str):
        out.append(payload["text"])
    blocks: Any = payload
    if isinstance(payload, dict):
        blocks = {k: v for k, v in payload.items() if k != "text" or not isinstance(v, str)}
    _walk(blocks, out)
    return out


def _walk(node: Any, out: list[str]) -> None:
    if isinstance(node, dict):
        if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
            out.append(node["text"])
            return
        if node.get("type") == "image" and isinstance(node.get("alt_text"), str):
            out.append(node["alt_text"])
        for key, value in node.items():
            if key in _HIDDEN or key == "alt_text":
                continue
            if key == "initial_value" and isinstance(value, str):
                out.append(value)  # typed by the person, shown back in the input
                continue
            _walk(value, out)
    elif isinstance(node, list):
        for item in node:
            _walk(item, out)


_MENTION = re.compile(r"<[@#!][^>]*>")
_LINK = re.compile(r"<(https?://[^|>]*)\|([^>]*)>")
_EMOJI = re.compile(r":[a-z0-9_+\-]+:")
_WORD = re.compile(r"\w", re.UNICODE)


def words(text: str) -> int:
    """Words as a reader counts them: a mention is one word, a link its label, an emoji
    none; mrkdwn markers (``*bold*``, ``_it_``, ``>``) are not words."""
    text = _LINK.sub(r"\2", text)
    text = _MENTION.sub(" name ", text)
    text = _EMOJI.sub(" ", text)
    return sum(1 for token in text.split() if _WORD.search(token))


def word_count(payload: Any) -> int:
    """The words a message shows in the channel (its blocks; the fallback only when it has
    no blocks, as Slack shows it)."""
    has_blocks = isinstance(payload, dict) and bool(payload.get("blocks"))
    return sum(words(t) for t in shown_texts(payload, fallback=not has_blocks))
