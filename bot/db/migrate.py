"""Alembic, configured from Python (no alembic.ini): ``upgrade(url)`` is all the app needs.

The migration scripts live inside the package (``bot/migrations``), so an installed package
can migrate its database: ``engagement-bot db upgrade`` calls :func:`upgrade`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.db.session import make_engine, normalize_url

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolation: a literal % in a password must be doubled
    cfg.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision``; safe to run again, and from two
    processes at once."""
    command.upgrade(config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Step back to ``revision`` (``"base"`` drops everything). For tests and emergencies."""
    command.downgrade(config(url), revision)


def current(url: str) -> str | None:
    """The revision the database is at (None: never migrated)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head() -> str | None:
    """The newest revision in the package."""
    return ScriptDirectory.from_config(config("sqlite://")).get_current_head()


def is_up_to_date(url: str) -> bool:
    return current(url) == head()


def diff(url: str) -> list[Any]:
    """What ``alembic check`` would report: differences between the database's schema and
    the models (empty when the migrations and the models agree)."""
    from bot.db.models import Base

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(ctx, Base.metadata))
    finally:
        engine.dispose()
