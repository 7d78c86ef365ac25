"""What listeners and services need, built once by the app factory and passed explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Deps:
    settings: Settings
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime] = field(default=utc_now)
    # OAuth (multi-workspace) mode only: where installations and OAuth states live
    installation_store: Any = None
    state_store: Any = None
