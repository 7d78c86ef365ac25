"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production).

SQLite runs in WAL mode with a busy timeout, foreign keys on, and every transaction opened
with ``BEGIN IMMEDIATE``: a transaction takes the write lock up front (waiting up to the
busy timeout for it), so a read-then-write transaction never fails half-way with
``SQLITE_BUSY`` on a lock upgrade, and two processes sharing one file never interleave their
claims on the job queue. The price is that transactions on one file run one at a time --
fine for the embedded single-instance default; production runs PostgreSQL.

Deleted means gone from the files too, where it matters (health-check answers, see
``scrub``): SQLite overwrites deleted content with zeros (``secure_delete``), and ``scrub``
empties its write-ahead log; on PostgreSQL ``scrub`` vacuums the tables.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_SECONDS = 30.0


def normalize_url(url: str) -> str:
    """Accept Heroku-style URLs: ``postgres://`` and ``postgresql://`` mean psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def is_sqlite(url: str) -> bool:
    return normalize_url(url).startswith("sqlite")


def make_engine(url: str, *, busy_timeout: float = SQLITE_BUSY_TIMEOUT_SECONDS,
                **kwargs: Any) -> Engine:
    """An engine for ``url`` (normalized). ``kwargs`` go to ``create_engine``.

    Statement parameters are kept out of error messages (``hide_parameters``): an error
    logged while storing answers must not carry what someone answered."""
    url = normalize_url(url)
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        return _sqlite_engine(url, busy_timeout, **kwargs)
    options: dict[str, Any] = {
        "pool_pre_ping": True,  # survive server restarts and idle connections cut by proxies
        # web threads (16 by default) + the job pool share one process's pool
        "pool_size": 10,
        "max_overflow": 10,
        "pool_recycle": 1800,
        "pool_timeout": 30,
    }
    options.update(kwargs)
    return create_engine(url, **options)


def _sqlite_engine(url: str, busy_timeout: float, **kwargs: Any) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": busy_timeout},
        **kwargs,
    )
    busy_ms = int(busy_timeout * 1000)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself (pysqlite's own implicit BEGIN is deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA secure_delete=ON")  # deleted rows are zeroed, not left in the file
        cur.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def scrub(sessions: sessionmaker[Session], *, vacuum: Sequence[str] = (),
          rewrite: Sequence[str] = ()) -> None:
    """Have the database drop rows just deleted (or values just blanked) from its files,
    as far as it can. SQLite, which zeroes what it deletes (``secure_delete``), copies its
    write-ahead log into the database and truncates it, so no older copy of a page stays
    there. PostgreSQL vacuums the ``vacuum`` tables (dead row versions are pruned from the
    table, not from its indexes) and rewrites the ``rewrite`` tables with their indexes
    (``VACUUM FULL``: new files, the old ones deleted; it locks the table for as long as
    that takes, so only for tables that stay small). Best effort and never fatal: a
    transaction still reading an older snapshot keeps those rows until it ends, and
    PostgreSQL's WAL, its archive and backups are out of reach (docs/privacy.md). Call it
    outside any transaction."""
    engine = sessions.kw["bind"]
    tables = [*vacuum, *rewrite]
    try:
        if engine.dialect.name == "sqlite":
            raw = engine.raw_connection()  # autocommit at the driver: no BEGIN first
            try:
                cur = raw.cursor()
                busy, _, _ = cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                cur.close()
            finally:
                raw.close()
            if busy:
                log.info("scrub: the write-ahead log was busy; it is emptied later")
        elif engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for table in rewrite:
                    conn.exec_driver_sql(f'VACUUM FULL "{table}"')
                for table in vacuum:
                    conn.exec_driver_sql(f'VACUUM "{table}"')
    except Exception:
        log.warning("scrub of %s failed; the database drops those rows later",
                    ", ".join(tables), exc_info=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded attributes after commit (handlers read them afterwards)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit when the block ends normally, roll back if it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
