"""What listeners and services need, built once by the app factory and passed explicitly."""

from __future__ import annotations

import logging
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


def build_deps(settings: Settings, clock: Any = None) -> Deps:
    from bot.db.session import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    installations = states = None
    if settings.oauth:
        from bot.transport.oauth import make_stores

        assert settings.slack_client_id and settings.encryption_keys
        installations, states = make_stores(engine, client_id=settings.slack_client_id,
                                            encryption_key=settings.encryption_keys)
    extra = {"clock": clock} if clock is not None else {}
    return Deps(settings=settings, sessions=make_session_factory(engine),
                installation_store=installations, state_store=states, **extra)


def ready_check(deps: Deps) -> Callable[[], bool]:
    """/readyz: can this process reach its database?"""
    from sqlalchemy import text

    def check() -> bool:
        try:
            with deps.sessions() as session:
                session.execute(text("SELECT 1"))
            return True
        except Exception:
            logging.getLogger("bot").warning("readiness check: database unreachable")
            return False

    return check
