"""Typed modal state, carried in the view's ``private_metadata`` (Slack allows 3,000 chars).

Wire format, built for a hard worst case rather than for looks::

    {"v":3,"t":"T…","u":"U…","c":"C…","s":1,"p":"C…","k":"custom","x":"7d,30d","a":"03…"}
    <engagement name>
    <notes, raw, to the end>

* the first line is compact JSON with ids, step, post channel, cadence and every option
  answer as one character (its index among the spec values, ``-`` for not answered yet);
* the free-text answers follow **raw**, one per line (the name never holds a newline; the
  notes run to the end), so quotes and newlines in them cost one character, not two.

Worst case (every id at 32 characters, the longest custom cadence, an 80-character name)
the header and name take under 450 characters, which leaves ``NOTES_MAX`` = 2,000 for the
notes with room to spare. The spec allows notes of 3,000 characters; the questionnaire
caps its notes box at ``NOTES_MAX`` because the notes must survive a *Back* from the last
step in this metadata. ``tests/views/test_metadata.py`` checks the worst case.

Versions: 3 appended the optional context answers (``teams``, ``vendors_in_use``,
``requirements``) to ``CODED_FIELDS``. A version 2 state (a questionnaire open while the bot
was upgraded) decodes as it was, with those three not answered yet.

Lengths are counted in characters (code points), as Slack documents its limits.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from triage.models import (
    PRIORITY_IDS,
    SIGNAL_IDS,
    SYMPTOM_IDS,
    Duration,
    Importance,
    Level,
    Requirements,
    Slowdown,
    StatedNeed,
    Teams,
    VendorsInUse,
    Weight,
)

METADATA_MAX = 3000
VERSION = 3
READS = (2, 3)  # versions decode() accepts: 2 is 3 without the appended fields
STEP_COUNT = 4  # the questionnaire's steps; bot.views.intake checks it has exactly these
ENGAGEMENT_MAX = 80
NOTES_MAX = 2000  # see the module docstring: the notes must fit next to everything else
CADENCE_CUSTOM_MAX = 100
ID_MAX = 32

Cadence = Literal["default", "none", "custom"]
CADENCES: tuple[Cadence, ...] = ("default", "none", "custom")

# Every answer that is one of a fixed set of values, in a fixed order, with its values.
# The order of this table *is* the wire format: append only, and bump VERSION otherwise.
CODED_FIELDS: tuple[tuple[str, tuple[str | int, ...]], ...] = (
    ("stated_need", tuple(v.value for v in StatedNeed)),
    ("slowdown", tuple(v.value for v in Slowdown)),
    ("duration", tuple(v.value for v in Duration)),
    ("strategic_importance", tuple(v.value for v in Importance)),
    *((f"signals.{s}", (1, 2, 3, 4, 5)) for s in SIGNAL_IDS),
    *((f"symptoms.{s}", tuple(v.value for v in Level)) for s in SYMPTOM_IDS),
    *((f"priorities.{p}", tuple(v.value for v in Weight)) for p in PRIORITY_IDS),
    # version 3
    ("teams", tuple(v.value for v in Teams)),
    ("vendors_in_use", tuple(v.value for v in VendorsInUse)),
    ("requirements", tuple(v.value for v in Requirements)),
)
V2_FIELDS = len(CODED_FIELDS) - 3
ALLOWED: dict[str, tuple[str | int, ...]] = dict(CODED_FIELDS)
TEXT_FIELDS = {"engagement": ENGAGEMENT_MAX, "notes": NOTES_MAX}
_NONE = "-"

_SLACK_ID = re.compile(r"^[A-Za-z0-9]{0,32}$")
_CADENCE_TEXT = re.compile(r"^[0-9smhdwSMHDW,]{0,100}$")


def is_allowed(path: str, value: Any) -> bool:
    """Is ``value`` one of the spec values of this option field (same type, too)?"""
    return any(type(value) is type(v) and value == v for v in ALLOWED.get(path, ()))


class MetadataError(ValueError):
    """private_metadata that is not ours, was changed on the way, or no longer decodes."""


def clean_line(text: str) -> str:
    """One line of text: control characters dropped, whitespace runs made single spaces."""
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return " ".join(text.split())


def clean_multiline(text: str) -> str:
    """Free text: newlines and tabs kept, other control characters dropped, ends trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C"
                   ).strip()


class IntakeState(BaseModel):
    """Where the leader is in the questionnaire, and every answer so far (flat field paths:
    ``{"signals.roadmap_clear": 3, "notes": "..."}``, values as in the spec)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    team_id: str = Field(max_length=ID_MAX, pattern=_SLACK_ID.pattern)
    user_id: str = Field(max_length=ID_MAX, pattern=_SLACK_ID.pattern)
    channel_id: str = Field(default="", max_length=ID_MAX, pattern=_SLACK_ID.pattern)
    step: int = Field(default=0, ge=0, lt=STEP_COUNT)
    post_channel: str | None = Field(default=None, max_length=ID_MAX,
                                     pattern=_SLACK_ID.pattern)
    cadence: Cadence = "default"
    cadence_custom: str | None = Field(default=None, max_length=CADENCE_CUSTOM_MAX,
                                       pattern=_CADENCE_TEXT.pattern)
    answers: dict[str, Any] = Field(default_factory=dict)

    @field_validator("answers")
    @classmethod
    def _known_answers(cls, answers: dict[str, Any]) -> dict[str, Any]:
        for key, value in answers.items():
            if key in ALLOWED:
                if not is_allowed(key, value):
                    raise ValueError(f"{key}: {value!r} is not one of {ALLOWED[key]}")
            elif key in TEXT_FIELDS:
                if not isinstance(value, str) or len(value) > TEXT_FIELDS[key]:
                    raise ValueError(f"{key}: text of at most {TEXT_FIELDS[key]} characters")
                if key == "engagement" and value != clean_line(value):
                    raise ValueError("engagement: one line of text")
                if "\r" in value:
                    raise ValueError(f"{key}: carriage return")
            else:
                raise ValueError(f"unknown answer {key!r}")
        return answers

    @classmethod
    def start(cls, *, team_id: str, user_id: str, channel_id: str, engagement: str = "",
              answers: dict[str, Any] | None = None) -> IntakeState:
        """A fresh questionnaire, pre-filled with earlier answers (a retake) when given.
        Anything in them the questionnaire cannot show is left out."""
        flat: dict[str, Any] = {}
        for key, value in flatten(answers or {}).items():
            if key in ALLOWED and is_allowed(key, value):
                flat[key] = value
            elif key in TEXT_FIELDS and isinstance(value, str):
                text = clean_line(value) if key == "engagement" else clean_multiline(value)
                if text:
                    flat[key] = text[: TEXT_FIELDS[key]].rstrip()
        name = clean_line(engagement)[:ENGAGEMENT_MAX].rstrip()
        if name:
            flat["engagement"] = name
        return cls(team_id=team_id, user_id=user_id, channel_id=channel_id,
                   post_channel=channel_id or None, answers=flat)

    def encode(self) -> str:
        return encode(self)

    @classmethod
    def decode(cls, text: str) -> IntakeState:
        return decode(text)


def encode(state: IntakeState) -> str:
    """The state as private_metadata. Raises MetadataError if it would not fit (it cannot,
    for a state this module validated: see the worst case in the module docstring)."""
    codes = "".join(
        str(values.index(state.answers[path])) if path in state.answers else _NONE
        for path, values in CODED_FIELDS)
    head: dict[str, Any] = {"v": VERSION, "t": state.team_id, "u": state.user_id,
                            "c": state.channel_id, "s": state.step, "a": codes.rstrip(_NONE)}
    if state.post_channel:
        head["p"] = state.post_channel
    if state.cadence != "default":
        head["k"] = state.cadence
    if state.cadence_custom:
        head["x"] = state.cadence_custom
    lines = [json.dumps(head, separators=(",", ":"))]
    name, notes = state.answers.get("engagement", ""), state.answers.get("notes", "")
    if name or notes:
        lines.append(name)
    if notes:
        lines.append(notes)
    text = "\n".join(lines)
    if len(text) > METADATA_MAX:
        raise MetadataError(f"modal state is {len(text)} characters; Slack allows "
                            f"{METADATA_MAX}")
    return text


def decode(text: str) -> IntakeState:
    """Read private_metadata back. Anything but what ``encode`` wrote raises MetadataError."""
    try:
        if not isinstance(text, str) or len(text) > METADATA_MAX:
            raise MetadataError("modal state is missing or too long")
        head_text, name, notes = [*text.split("\n", 2), "", ""][:3]
        head = json.loads(head_text)
        if not isinstance(head, dict) or type(head.get("v")) is not int \
                or head["v"] not in READS:
            raise MetadataError("modal state is from another version")
        if set(head) - {"v", "t", "u", "c", "s", "a", "p", "k", "x"}:
            raise MetadataError("modal state has unknown keys")
        codes = head.get("a", "")
        known = V2_FIELDS if head["v"] == 2 else len(CODED_FIELDS)
        if not isinstance(codes, str) or len(codes) > known:
            raise MetadataError("modal state answers do not decode")
        answers: dict[str, Any] = {}
        for (path, values), code in zip(CODED_FIELDS, codes, strict=False):
            if code == _NONE:
                continue
            if not code.isdigit() or int(code) >= len(values):
                raise MetadataError(f"modal state answer {path} does not decode")
            answers[path] = values[int(code)]
        if name:
            answers["engagement"] = name
        if notes:
            answers["notes"] = notes
        return IntakeState(team_id=head.get("t"), user_id=head.get("u"),
                           channel_id=head.get("c", ""), step=head.get("s", 0),
                           post_channel=head.get("p"), cadence=head.get("k", "default"),
                           cadence_custom=head.get("x"), answers=answers)
    except MetadataError:
        raise
    except (ValidationError, ValueError, TypeError, AttributeError, RecursionError) as exc:
        raise MetadataError("modal state does not decode") from exc


def flatten(answers: dict[str, Any]) -> dict[str, Any]:
    """{"signals": {"roadmap_clear": 3}} -> {"signals.roadmap_clear": 3}."""
    flat: dict[str, Any] = {}
    for key, value in answers.items():
        if isinstance(value, dict):
            for sub, inner in value.items():
                flat[f"{key}.{sub}"] = inner
        else:
            flat[key] = value
    return flat


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """{"signals.roadmap_clear": 3} -> {"signals": {"roadmap_clear": 3}}; None is left out."""
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        if value is None:
            continue
        if "." in key:
            section, sub = key.split(".", 1)
            nested.setdefault(section, {})[sub] = value
        else:
            nested[key] = value
    return nested
