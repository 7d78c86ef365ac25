from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.db.migrate import head, is_up_to_date, upgrade
from bot.db.models import Base
from bot.db.session import make_engine, normalize_url


def test_upgrade_reaches_head_and_matches_models(db_url: str) -> None:
    assert is_up_to_date(db_url)
    upgrade(db_url)  # running it again is harmless
    engine = make_engine(db_url)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diffs == [], f"models and migrations disagree: {diffs}"
    assert head() == "0003"


def test_normalize_url() -> None:
    assert normalize_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalize_url("postgresql://h/db") == "postgresql+psycopg://h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
