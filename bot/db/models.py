"""Typed SQLAlchemy models. Every row carries the Slack team id it belongs to (except the
scheduler's membership and shard rows, which name worker processes).

Schema changes go through Alembic (``bot/migrations``); nothing calls create_all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.db.states import (
    AssessmentStatus,
    CheckinStatus,
    FollowupsStatus,
    HealthCheckStatus,
    HealthRunStatus,
    JobStatus,
)

Id = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use UTC-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Assessment(Base):
    __tablename__ = "assessments"
    __table_args__ = (
        Index("ix_assessments_team_created", "team_id", "created_at"),
        Index("ix_assessments_team_user_created", "team_id", "user_id", "created_at"),
        Index("ix_assessments_team_channel_created", "team_id", "channel_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), default=None)
    user_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32), default=None)
    permalink: Mapped[str | None] = mapped_column(Text, default=None)
    thread_posted: Mapped[int] = mapped_column(Integer, default=0)
    engagement: Mapped[str] = mapped_column(String(120))
    answers: Mapped[dict[str, Any]]
    verdict: Mapped[dict[str, Any]]
    bottleneck_kind: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(32))
    stated_model: Mapped[str | None] = mapped_column(String(32), default=None)
    mismatch: Mapped[bool] = mapped_column(Boolean, default=False)
    confidence: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default=AssessmentStatus.PENDING_POST)
    post_error: Mapped[str | None] = mapped_column(String(200), default=None)
    checkin_offsets: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
    followups_status: Mapped[str] = mapped_column(String(16),
                                                  default=FollowupsStatus.ACTIVE)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Checkin(Base):
    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("assessment_id", "seq", name="uq_checkins_assessment_seq"),
        Index("ix_checkins_team_due", "team_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    of_total: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=CheckinStatus.SCHEDULED)
    message_ts: Mapped[str | None] = mapped_column(String(32), default=None)
    nudged_at: Mapped[datetime | None] = mapped_column(default=None)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    answered_by: Mapped[str | None] = mapped_column(String(32), default=None)
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    comparison: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class Job(Base):
    """Due work. The database, not the scheduler, decides what is due."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_status_due", "status", "due_at"),
        Index("ix_jobs_team_status", "team_id", "status"),
        Index("ix_jobs_kind_ref", "kind", "ref_id"),
        Index("ix_jobs_shard_status_due", "shard", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    # the workspace's shard (bot.db.shards.shard_of): the worker owning it runs the job
    shard: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    kind: Mapped[str] = mapped_column(String(32))
    ref_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.PENDING)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    lease_owner: Mapped[str | None] = mapped_column(String(100), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SchedulerMember(Base):
    """A worker process taking part in the scheduler (``bot.db.shards``): who it is, how to
    tell it is still alive, when it was last seen. Names a process, not a team."""

    __tablename__ = "scheduler_members"

    worker_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started: Mapped[str] = mapped_column(String(80))  # boot id and process start time
    lock_key: Mapped[int] = mapped_column(BigInteger)  # its advisory lock (PostgreSQL)
    joined_at: Mapped[datetime]
    seen_at: Mapped[datetime]


class SchedulerShard(Base):
    """Which worker owns a shard of the workspaces (None: nobody, free to take)."""

    __tablename__ = "scheduler_shards"

    shard: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    owner: Mapped[str | None] = mapped_column(String(100), default=None)
    updated_at: Mapped[datetime]


class Workspace(Base):
    """A Slack workspace the bot has served: which Enterprise Grid org it belongs to (an
    org-wide install serves every workspace of the org with one token), and when it was
    installed and uninstalled (its data is purged some time after an uninstall)."""

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(32), default=None)
    installed_at: Mapped[datetime | None] = mapped_column(default=None)
    uninstalled_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime]


class ProcessedRequest(Base):
    """Keys of requests already handled (event ids, view submissions): one effect each."""

    __tablename__ = "processed_requests"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


class HealthCheck(Base):
    """A recurring team health check in a channel."""

    __tablename__ = "health_checks"
    __table_args__ = (Index("ix_health_checks_team_channel", "team_id", "channel_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    creator_id: Mapped[str] = mapped_column(String(32))
    cadence: Mapped[str] = mapped_column(String(16))  # weekly | biweekly | monthly
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    local_time: Mapped[str] = mapped_column(String(5))  # HH:MM
    timezone: Mapped[str] = mapped_column(String(64))
    skip_weekends: Mapped[bool] = mapped_column(Boolean, default=True)
    window_seconds: Mapped[int] = mapped_column(Integer)
    min_responses: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=HealthCheckStatus.ACTIVE)
    next_run_at: Mapped[datetime | None] = mapped_column(default=None)
    anchor_at: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class HealthRun(Base):
    __tablename__ = "health_runs"
    __table_args__ = (UniqueConstraint("health_check_id", "seq", name="uq_health_runs_seq"),
                      Index("ix_health_runs_team", "team_id", "health_check_id"))

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    health_check_id: Mapped[int] = mapped_column(
        ForeignKey("health_checks.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    channel_id: Mapped[str] = mapped_column(String(32))
    scheduled_for: Mapped[datetime]
    posted_at: Mapped[datetime | None] = mapped_column(default=None)
    message_ts: Mapped[str | None] = mapped_column(String(32), default=None)
    closes_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(16), default=HealthRunStatus.SCHEDULED)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # random, hex; only while the run is open (it tells a person's earlier answer apart so
    # a new click replaces it); set to None at close, with the answers deleted
    answer_key: Mapped[str | None] = mapped_column(String(64), default=None)
    # the "N answered" the run's message shows (an edit is skipped when it would not change)
    count_shown: Mapped[int | None] = mapped_column(Integer, default=None)


class HealthAnswer(Base):
    """One person's rating of one dimension in a run that is still open: who answered is
    a hash keyed with the run's own random key. No time is kept. Closing the run deletes
    these rows and the key (the summary is all that stays)."""

    __tablename__ = "health_answers"
    __table_args__ = (UniqueConstraint("run_id", "responder_hash", "dimension",
                                       name="uq_health_answers_one_each"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    run_id: Mapped[int] = mapped_column(ForeignKey("health_runs.id", ondelete="CASCADE"))
    responder_hash: Mapped[str] = mapped_column(String(64))
    dimension: Mapped[str] = mapped_column(String(32))
    rating: Mapped[str] = mapped_column(String(8))


# slack_sdk's OAuth tables (installations, bots, OAuth states) live in our database too, so
# Alembic creates and migrates them with everything else.
def _register_slack_tables() -> None:
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

    SQLAlchemyInstallationStore.build_installations_table(Base.metadata, "slack_installations")
    SQLAlchemyInstallationStore.build_bots_table(Base.metadata, "slack_bots")
    SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, "slack_oauth_states")


_register_slack_tables()
