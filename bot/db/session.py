"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production).

SQLite runs in WAL mode with a busy timeout, foreign keys on, and every transaction opened
with ``BEGIN IMMEDIATE``: a transaction takes the write lock up front (waiting up to the
busy timeout for it), so a read-then-write transaction never fails half-way with
``SQLITE_BUSY`` on a lock upgrade, and two processes sharing one file never interleave their
claims on the job queue. The price is that transactions on one file run one at a time --
fine for the embedded single-instance default; production runs PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

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
    """An engine for ``url`` (normalized). ``kwargs`` go to ``create_engine``."""
    url = normalize_url(url)
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
        cur.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


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
