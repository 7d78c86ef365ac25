"""Typed modal state, carried in the view's ``private_metadata`` (at most 3,000 chars)."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

METADATA_MAX = 3000


class MetadataError(ValueError):
    """private_metadata that is not ours, or no longer decodes."""


class IntakeState(BaseModel):
    """Where the leader is in the questionnaire, and every answer so far (flat field paths)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    v: Literal[1] = 1
    team_id: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    step: int = Field(default=0, ge=0, le=9)
    post_channel: str | None = Field(default=None, max_length=32)
    cadence: Literal["default", "none", "custom"] = "default"
    cadence_custom: str | None = Field(default=None, max_length=100)
    answers: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def start(cls, *, team_id: str, user_id: str, channel_id: str, engagement: str = "",
              answers: dict[str, Any] | None = None) -> IntakeState:
        flat = flatten(answers or {})
        if engagement:
            flat["engagement"] = engagement[:80]
        return cls(team_id=team_id, user_id=user_id, channel_id=channel_id,
                   post_channel=channel_id, answers=flat)

    def encode(self) -> str:
        text = json.dumps(self.model_dump(exclude_defaults=True), separators=(",", ":"),
                          ensure_ascii=False)
        if len(text) > METADATA_MAX:
            raise MetadataError(f"modal state is {len(text)} characters; Slack allows "
                                f"{METADATA_MAX}")
        return text

    @classmethod
    def decode(cls, text: str) -> IntakeState:
        try:
            return cls.model_validate_json(text)
        except ValidationError as exc:
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
