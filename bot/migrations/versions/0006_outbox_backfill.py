"""outbox: a post job for every verdict stored before the outbox existed

Verdicts still waiting to be posted (pending_post: nothing behind them) get a pending
``assessment_post`` job, so the scheduler posts them; those whose post failed (post_failed:
the owner was told, and *Try again* posts them) get a failed one, which Try again re-arms.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:05:00

"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    now = datetime.now(UTC)
    rows = conn.execute(sa.text(
        "SELECT a.id, a.team_id, a.status FROM assessments a "
        "WHERE a.status IN ('pending_post', 'post_failed') AND NOT EXISTS ("
        "SELECT 1 FROM jobs j WHERE j.idempotency_key = 'assessment_post:' || a.id)")).all()
    for assessment_id, team_id, status in rows:
        conn.execute(sa.text(
            "INSERT INTO jobs (team_id, kind, ref_id, due_at, status, idempotency_key, "
            "attempts, max_attempts, created_at, updated_at) VALUES (:team, "
            "'assessment_post', :ref, :now, :status, :key, 0, 8, :now, :now)"),
            {"team": team_id, "ref": assessment_id, "now": now,
             "status": "pending" if status == "pending_post" else "failed",
             "key": f"assessment_post:{assessment_id}"})


def downgrade() -> None:
    pass  # the jobs stay: they are the same work the rows describe
