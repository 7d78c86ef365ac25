"""Alembic environment: runs migrations against the URL set by ``bot.db.migrate.config()``.

Two processes may upgrade at once (a release phase and a worker starting, say). On
PostgreSQL the migration transaction first takes an advisory lock, so the second waits and
then finds the schema at head; on SQLite the ``BEGIN IMMEDIATE`` write lock does the same,
held for the whole upgrade (one transaction for all the steps).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from bot.db.models import Base
from bot.db.session import make_engine

config = context.config
target_metadata = Base.metadata

# Any constant works: it only has to be the same for every process upgrading this database.
MIGRATION_LOCK_KEY = 0x656E6761  # "enga"


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not set"
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            # one transaction for every step: Alembic commits after each migration on a
            # database without transactional DDL (SQLite), which let a second process read
            # the version between two steps and run the next one twice ("table exists")
            conn.begin()
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # type: ignore[attr-defined]
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":  # type: ignore[attr-defined]
            connection.execute(  # type: ignore[attr-defined]
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
