"""Alembic: migrations run on both databases, agree with the models, and are the only way
the schema is made."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect

from bot.db import migrate
from bot.db.models import Base
from bot.db.session import make_engine

REPO = Path(__file__).resolve().parents[2]
OURS = {"assessments", "checkins", "jobs", "processed_requests", "health_checks",
        "health_runs", "health_answers"}


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_from_empty_reaches_head(empty_db_url: str) -> None:
    assert migrate.current(empty_db_url) is None
    assert not migrate.is_up_to_date(empty_db_url)
    migrate.upgrade(empty_db_url)
    assert migrate.current(empty_db_url) == migrate.head()
    assert migrate.is_up_to_date(empty_db_url)
    assert tables(empty_db_url) >= OURS | {"alembic_version"}
    migrate.upgrade(empty_db_url)  # again: nothing to do
    assert migrate.is_up_to_date(empty_db_url)


def test_models_and_migrations_agree(db_url: str) -> None:
    """`alembic check`: autogenerate finds nothing to add, drop or alter."""
    diffs = migrate.diff(db_url)
    assert diffs == [], f"models and migrations disagree; add a migration: {diffs}"


def test_downgrade_to_base_and_up_again(db_url: str) -> None:
    migrate.downgrade(db_url, "base")
    assert tables(db_url) == {"alembic_version"}
    assert migrate.current(db_url) is None
    migrate.upgrade(db_url)
    assert migrate.is_up_to_date(db_url)
    assert migrate.diff(db_url) == []


def test_processes_upgrading_at_once_do_not_collide(empty_db_url: str) -> None:
    """A release phase and a worker may both migrate at start-up."""
    code = "import sys; from bot.db.migrate import upgrade; upgrade(sys.argv[1])"
    procs = [subprocess.Popen([sys.executable, "-c", code, empty_db_url], cwd=REPO,
                              stderr=subprocess.PIPE, text=True) for _ in range(6)]
    results = [(p.wait(timeout=60), p.stderr.read() if p.stderr else "") for p in procs]
    assert [rc for rc, _ in results] == [0] * 6, results
    assert migrate.is_up_to_date(empty_db_url)


def test_an_upgrade_is_one_transaction(empty_db_url: str) -> None:
    """Every step of an upgrade commits together: on SQLite Alembic would commit after each
    migration, and a second process reading the version between two of them ran the next
    step again ("table already exists", seen once in CI). One commit, under one lock."""
    from sqlalchemy import event
    from sqlalchemy.engine import Connection

    commits: list[str] = []

    def counted(conn: Connection) -> None:
        commits.append(conn.engine.url.get_backend_name())

    event.listen(Connection, "commit", counted)
    try:
        migrate.upgrade(empty_db_url)
    finally:
        event.remove(Connection, "commit", counted)
    assert migrate.is_up_to_date(empty_db_url)
    assert len(commits) == 1, commits


def test_every_table_of_ours_is_per_workspace() -> None:
    """Multi-workspace: every row names its team, and the indexes lead with it (the queue's
    own claim indexes, which scan across teams, are the deliberate exception: a shard holds
    many teams)."""
    across_teams = {"ix_jobs_status_due", "ix_jobs_kind_ref", "ix_jobs_shard_status_due"}
    for name in OURS:
        table = Base.metadata.tables[name]
        assert not table.c.team_id.nullable, name
        for index in table.indexes:
            if index.name not in across_teams:
                assert next(iter(index.columns)).name == "team_id", index.name


def test_config_keeps_a_percent_sign_in_the_password() -> None:
    cfg = migrate.config("postgres://user:p%25ss@db.example:5432/app")
    assert cfg.get_main_option("sqlalchemy.url") == \
        "postgresql+psycopg://user:p%25ss@db.example:5432/app"
    assert Path(cfg.get_main_option("script_location") or "").joinpath("env.py").is_file()


def test_verdicts_stored_before_the_outbox_get_their_post_job(db_url: str) -> None:
    """Nothing stays pending_post without a job behind it, old rows included."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    migrate.downgrade(db_url, "0005")
    engine = make_engine(db_url)
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            for i, status in enumerate(("pending_post", "post_failed", "posted"), start=1):
                conn.execute(text(
                    "INSERT INTO assessments (id, team_id, user_id, channel_id, thread_posted, "
                    "engagement, answers, verdict, bottleneck_kind, model, mismatch, "
                    "confidence, status, followups_status, created_at, updated_at) VALUES "
                    "(:id, 'T1', 'U1', 'C1', 0, 'E', '{}', '{}', 'ownership', "
                    "'product_delivery', false, 0.9, :status, 'active', :now, :now)"),
                    {"id": i, "status": status, "now": now})
        migrate.upgrade(db_url)
        with engine.connect() as conn:
            jobs = dict(conn.execute(text(
                "SELECT ref_id, status FROM jobs WHERE kind = 'assessment_post'")).all())
    finally:
        engine.dispose()
    assert jobs == {1: "pending", 2: "failed"}
