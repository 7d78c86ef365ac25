"""scheduler shards: jobs.shard, worker membership and shard ownership rows

Several workers share the due work by workspace: every job carries its workspace's shard
(a hash of team_id), each worker owns a share of the shards (``scheduler_shards``), and
``scheduler_members`` says which workers are alive (see ``bot/db/shards.py``). The single
leader lease (``scheduler_leases``) goes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:20:00

"""

import zlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARDS = 64  # bot.db.shards.SHARDS when this was written (a job's shard is stored)


def upgrade() -> None:
    op.add_column("jobs", sa.Column("shard", sa.Integer(), server_default="0",
                                    nullable=False))
    jobs = sa.table("jobs", sa.column("team_id", sa.String()), sa.column("shard", sa.Integer()))
    conn = op.get_bind()
    for (team_id,) in conn.execute(sa.select(jobs.c.team_id).distinct()).all():
        conn.execute(sa.update(jobs).where(jobs.c.team_id == team_id)
                     .values(shard=zlib.crc32(str(team_id).encode()) % SHARDS))
    op.create_index("ix_jobs_shard_status_due", "jobs", ["shard", "status", "due_at"])
    op.create_table(
        "scheduler_members",
        sa.Column("worker_id", sa.String(length=100), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started", sa.String(length=80), nullable=False),
        sa.Column("lock_key", sa.BigInteger(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker_id"),
    )
    op.create_table(
        "scheduler_shards",
        sa.Column("shard", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shard"),
    )
    op.drop_table("scheduler_leases")


def downgrade() -> None:
    op.create_table(
        "scheduler_leases",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.drop_table("scheduler_shards")
    op.drop_table("scheduler_members")
    op.drop_index("ix_jobs_shard_status_due", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("shard")
