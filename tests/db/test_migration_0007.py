"""Migration 0007 on data stored before it: the answers of closed runs (hashed with a
secret the operator still has) are deleted, an open run's answers are re-keyed with a key
of its own (one person stays one responder), and checks set below 3 are raised to 3."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from sqlalchemy import inspect, text

from bot.db import migrate
from bot.db.session import make_engine

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SIGNING_SECRET = "the-signing-secret"


def old_hash(run_id: int, user: str) -> str:
    return hmac.new(SIGNING_SECRET.encode(), f"{run_id}:{user}".encode(),
                    hashlib.sha256).hexdigest()


def test_old_answers_are_forgotten_or_rekeyed(empty_db_url: str) -> None:
    migrate.upgrade(empty_db_url, "0006")
    engine = make_engine(empty_db_url)
    try:
        with engine.begin() as conn:
            for hc_id, least in ((1, 1), (2, 5)):
                conn.execute(text(
                    "INSERT INTO health_checks (id, team_id, channel_id, creator_id, cadence, "
                    "weekday, local_time, timezone, skip_weekends, window_seconds, "
                    "min_responses, status, anchor_at, created_at, updated_at) VALUES "
                    "(:id, 'T1', 'C1', 'U1', 'weekly', 0, '09:00', 'UTC', false, 86400, "
                    ":least, 'active', :now, :now, :now)"), {"id": hc_id, "least": least,
                                                           "now": NOW})
            for run_id, status in ((1, "closed"), (2, "open")):
                conn.execute(text(
                    "INSERT INTO health_runs (id, team_id, health_check_id, seq, channel_id, "
                    "scheduled_for, status) VALUES (:id, 'T1', 1, :id, 'C1', :now, :status)"),
                    {"id": run_id, "status": status, "now": NOW})
                for user in ("UA", "UB"):
                    for dim in ("clarity", "capacity"):
                        conn.execute(text(
                            "INSERT INTO health_answers (team_id, run_id, responder_hash, "
                            "dimension, rating, answered_at) VALUES ('T1', :run, :hash, "
                            ":dim, 'red', :now)"),
                            {"run": run_id, "hash": old_hash(run_id, user), "dim": dim,
                             "now": NOW})
        migrate.upgrade(empty_db_url)
        with engine.connect() as conn:
            answers = conn.execute(text(
                "SELECT run_id, responder_hash FROM health_answers")).all()
            keys = dict(conn.execute(text("SELECT id, answer_key FROM health_runs")).all())
            least = dict(conn.execute(text("SELECT id, min_responses FROM health_checks")).all())
            columns = {c["name"] for c in inspect(conn).get_columns("health_answers")}
    finally:
        engine.dispose()
    assert {run for run, _ in answers} == {2}  # the closed run's answers are gone
    assert len(answers) == 4 and len({h for _, h in answers}) == 2  # still two people
    olds = {old_hash(run, user) for run in (1, 2) for user in ("UA", "UB")}
    assert not olds & {h for _, h in answers}  # the signing secret no longer links them
    assert keys[1] is None and keys[2] and len(keys[2]) == 64
    assert least == {1: 3, 2: 5}
    assert "answered_at" not in columns
