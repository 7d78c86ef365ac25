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


# ------------------------------------------------------------------ contract ids

def _contract_ids() -> frozenset[str]:
    """Every id of the contract that is not also an ordinary word: field names, signal,
    symptom, priority and factor ids, and the enum values with an underscore in them
    (``unclear_decisions``, ``staff_augmentation``, ``long_term``, ...)."""
    from triage import models as tm
    from triage.questions import FACTORS

    ids: set[str] = {"stated_need", "strategic_importance", "vendors_in_use", "bottleneck_fit",
                     *tm.SIGNAL_IDS, *tm.SYMPTOM_IDS, *tm.PRIORITY_IDS, *FACTORS}
    enums = (tm.StatedNeed, tm.Slowdown, tm.Duration, tm.Importance, tm.Teams,
             tm.VendorsInUse, tm.Requirements, tm.Level, tm.Weight, tm.EngagementModel,
             tm.BottleneckKind, tm.RiskId)
    ids |= {member.value for enum in enums for member in enum}
    return frozenset(i for i in ids if "_" in i)


CONTRACT_IDS = _contract_ids()
_FIELD_PATH = re.compile(r"\b(?:signals|symptoms|priorities)\.[a-z_]+\b")
_ID = re.compile(r"(?<![\w:])(" + "|".join(sorted(CONTRACT_IDS, key=len, reverse=True))
                 + r")(?![\w:])")
_WEIGHT = re.compile(r"\bweight(?:ed)?\s*(?:of|[:=]|with)?\s*\d+(?:\.\d+)?\b", re.I)


def contract_ids_in(text: str) -> list[str]:
    """The contract ids, field paths and internal weights a person would read in ``text``
    (an emoji's name, ``:red_circle:``, is not one)."""
    found = _FIELD_PATH.findall(text) + _ID.findall(text)
    found += [m.group(0) for m in _WEIGHT.finditer(text)]
    return found


def leaks(payload: Any, *, fallback: bool = True) -> list[tuple[str, str]]:
    """(id, the text it is in) for every contract id shown by ``payload``."""
    return [(found, text[:200]) for text in shown_texts(payload, fallback=fallback)
            for found in contract_ids_in(text)]


# ------------------------------------------------------------------ phone width

_MARKERS = re.compile(r"[*_~`]")


def visible(line: str) -> str:
    """A mrkdwn line as it is drawn: formatting markers gone, entities and links as text."""
    line = _LINK.sub(r"\2", line)
    line = line.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return _MARKERS.sub("", line)


def too_wide(blocks: list[dict[str, Any]], *, line_chars: int, field_chars: int,
             only: Any = None) -> list[str]:
    """Lines of a matrix wider than a phone shows without wrapping: a field's lines over
    ``field_chars`` (fields sit in two columns), a section's text lines and every line of a
    code block over ``line_chars``. ``only`` picks the blocks (by block_id) to check."""
    wide: list[str] = []
    for block in blocks:
        if only is not None and not only(str(block.get("block_id", ""))):
            continue
        for field in block.get("fields") or []:
            wide += [line for line in field.get("text", "").split("\n")
                     if len(visible(line)) > field_chars]
        text = (block.get("text") or {}).get("text", "")
        wide += [line for line in text.split("\n") if len(visible(line)) > line_chars]
    return wide


def code_lines(payload: Any) -> list[str]:
    """Every line inside a code block (```) anywhere in ``payload``'s texts."""
    out: list[str] = []
    for text in shown_texts(payload):
        for chunk in text.split("```")[1::2]:
            out += [line for line in chunk.strip("\n").split("\n")]
    return out


# ------------------------------------------------------------------ capture

SHOWN_BY = {
    "chat.postMessage": lambda a: a,
    "chat.update": lambda a: a,
    "chat.postEphemeral": lambda a: a,
    "response_url": lambda a: a,  # ephemeral replies to a slash command
    "views.open": lambda a: a.get("view"),
    "views.push": lambda a: a.get("view"),
    "views.update": lambda a: a.get("view"),
    "views.publish": lambda a: a.get("view"),
    "files.completeUploadExternal": lambda a: {"blocks": a.get("blocks"),
                                               "text": a.get("initial_comment")},
    "files.getUploadURLExternal": lambda a: {"text": a.get("alt_txt")},  # read aloud
}


def captured(calls: list[Any]) -> list[tuple[str, Any]]:
    """(method, what it shows) for every call to the fake Slack that puts something in
    front of a person."""
    out: list[tuple[str, Any]] = []
    for call in calls:
        show = SHOWN_BY.get(call.method)
        if show is not None:
            shown = show(call.args)
            if shown:
                out.append((call.method, shown))
    return out


def answered(responses: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """What the bot's own HTTP answers show: a slash command's ephemeral reply, a modal
    step sent back with ``response_action`` (update, push, errors)."""
    out: list[tuple[str, Any]] = []
    for kind, body in responses:
        if not isinstance(body, dict):
            continue
        if body.get("response_action") in ("update", "push") and body.get("view"):
            out.append((f"{kind}:{body['response_action']}", body["view"]))
        elif body.get("response_action") == "errors":
            errors = body.get("errors") or {}
            out.append((f"{kind}:errors", {"text": "\n".join(map(str, errors.values()))}))
        elif body.get("text") or body.get("blocks"):
            out.append((kind, body))
    return out


def check(surfaces: list[tuple[str, Any]]) -> list[str]:
    """Problems a person would see: a contract id in a shown text."""
    return [f"{method}: {found!r} shown in {text!r}" for method, payload in surfaces
            for found, text in leaks(payload)]


def dump(node_id: str, surfaces: list[tuple[str, Any]]) -> None:
    """With ENGAGEMENT_SURFACES_DIR set, every surface of a test as one JSON file there, to
    read or render later."""
    import json
    import os
    from pathlib import Path

    folder = os.environ.get("ENGAGEMENT_SURFACES_DIR")
    if not folder or not surfaces:
        return
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", node_id)[:180] + ".json"
    path = Path(folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([{"method": m, "shown": p} for m, p in surfaces],
                               indent=1, ensure_ascii=False))
