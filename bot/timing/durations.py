"""Durations as people write them: ``90s``, ``10m``, ``2h``, ``14d``, ``2w``."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_ONE = re.compile(r"^\s*(\d{1,7})\s*([smhdw])\s*$", re.IGNORECASE)
MAX_OFFSETS = 10


class DurationError(ValueError):
    """A duration list that cannot be read; the message says what is allowed."""


def parse_duration(text: str) -> timedelta:
    match = _ONE.match(text)
    if not match:
        raise DurationError(
            f"'{text.strip()}' is not a duration; write a number and a unit: "
            "90s, 10m, 2h, 14d or 2w"
        )
    amount = int(match.group(1))
    if amount <= 0:
        raise DurationError(f"'{text.strip()}' must be longer than zero")
    return timedelta(seconds=amount * _UNITS[match.group(2).lower()])


def parse_durations(text: str) -> list[timedelta]:
    """Parse a comma-separated list; returns them sorted, without duplicates."""
    parts = [p for p in text.split(",") if p.strip()]
    if not parts:
        raise DurationError("give at least one duration, e.g. 14d,42d")
    if len(parts) > MAX_OFFSETS:
        raise DurationError(f"at most {MAX_OFFSETS} check-ins, got {len(parts)}")
    return sorted({parse_duration(p) for p in parts})


def format_duration(delta: timedelta) -> str:
    """The friendliest exact way to say a duration: 2 weeks, 3 days, 90 seconds."""
    seconds = int(delta.total_seconds())
    for _unit, size, name in (
        ("w", 7 * 86400, "week"),
        ("d", 86400, "day"),
        ("h", 3600, "hour"),
        ("m", 60, "minute"),
    ):
        if seconds >= size and seconds % size == 0:
            n = seconds // size
            return f"{n} {name}{'s' if n != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def describe_offsets(offsets: list[timedelta]) -> str:
    """'2 weeks and 6 weeks' for the modal and the status line."""
    words = [format_duration(o) for o in offsets]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
