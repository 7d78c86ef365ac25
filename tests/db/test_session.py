"""Engines and sessions: URL normalization, SQLite pragmas, transactions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Assessment, Checkin
from bot.db.session import is_sqlite, make_engine, normalize_url, session_scope

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("url", "expected"), [
    ("postgres://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
    ("postgresql://u@h/db?sslmode=require", "postgresql+psycopg://u@h/db?sslmode=require"),
    ("postgresql+psycopg://h/db", "postgresql+psycopg://h/db"),
    ("sqlite:///./engagement.db", "sqlite:///./engagement.db"),
    ("sqlite://", "sqlite://"),
])
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url) == expected
    assert is_sqlite(url) == url.startswith("sqlite")


def test_sqlite_engine_pragmas(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/p.db")
    with engine.connect() as conn:
        pragma = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                  for name in ("journal_mode", "foreign_keys", "busy_timeout")}
    engine.dispose()
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30000}


def test_postgres_engine_options() -> None:
    engine = make_engine("postgres://u@127.0.0.1:1/none")
    assert engine.dialect.driver == "psycopg"
    assert engine.pool._pre_ping  # type: ignore[attr-defined]
    assert engine.pool.size() == 10  # type: ignore[attr-defined]
    engine.dispose()


def assessment(**kw: object) -> Assessment:
    values: dict[str, object] = dict(
        team_id="T1", user_id="U1", channel_id="C1", engagement="E", answers={"a": 1},
        verdict={"v": [1]}, bottleneck_kind="ownership", model="product_delivery",
        confidence=0.8, created_at=T0, updated_at=T0)
    values.update(kw)
    return Assessment(**values)


def test_session_scope_commits_or_rolls_back(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as s:
        s.add(assessment(engagement="kept"))
    with pytest.raises(RuntimeError), session_scope(session_factory) as s:
        s.add(assessment(engagement="dropped"))
        s.flush()
        raise RuntimeError("boom")
    with session_factory() as s:
        rows = s.scalars(select(Assessment)).all()
    assert [r.engagement for r in rows] == ["kept"]
    row = rows[0]
    assert (row.status, row.followups_status, row.mismatch, row.checkin_offsets) == \
        ("pending_post", "active", False, None)
    assert row.created_at == T0 and row.created_at.tzinfo is not None


def test_foreign_keys_are_enforced(session_factory: sessionmaker[Session]) -> None:
    with pytest.raises(IntegrityError), session_scope(session_factory) as s:
        s.add(Checkin(team_id="T1", assessment_id=12345, seq=1, of_total=1, due_at=T0,
                      created_at=T0))
    with session_scope(session_factory) as s:  # deleting an assessment takes its check-ins
        a = assessment()
        s.add(a)
        s.flush()
        s.add(Checkin(team_id="T1", assessment_id=a.id, seq=1, of_total=2, due_at=T0,
                      created_at=T0))
    with session_scope(session_factory) as s:
        s.execute(text("DELETE FROM assessments"))
    with session_factory() as s:
        assert s.scalars(select(Checkin)).all() == []
