"""health answers anonymous for good: a random key per run, nothing per person after close;
the live "N answered" count of a run

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 10:00:00

Until now a responder's hash was keyed with ENGAGEMENT_SECRET_KEY, else the signing secret,
else "dev", and kept for ever: whoever had the database and that secret could name every
author. From here on each run has its own random key while it is open (``answer_key``),
and closing it deletes the answers and the key. This migration applies that to what is
already stored:

* closed (and failed) runs: their answers are deleted; the summary, already stored, is all
  that stays;
* open runs: each gets a random key, and its answers' hashes are re-keyed with it (the same
  person stays one responder), so the old secret no longer links them; an answer changed
  after the upgrade counts as a new one in that run, since the new key cannot be derived
  from the person;
* the per-answer time goes (``answered_at``): a timestamp a log line could be matched
  against;
* checks set up with fewer than 3 answers before results show now need 3.
"""

import hashlib
import hmac
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MIN_RESPONSES_FLOOR = 3


def upgrade() -> None:
    with op.batch_alter_table("health_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answer_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("count_shown", sa.Integer(), nullable=True))

    conn = op.get_bind()
    runs = sa.table("health_runs", sa.column("id", sa.Integer), sa.column("status", sa.String),
                    sa.column("answer_key", sa.String))
    answers = sa.table("health_answers", sa.column("id", sa.Integer),
                       sa.column("run_id", sa.Integer),
                       sa.column("responder_hash", sa.String))
    conn.execute(answers.delete().where(answers.c.run_id.in_(
        sa.select(runs.c.id).where(runs.c.status != "open"))))
    for (run_id,) in conn.execute(sa.select(runs.c.id).where(runs.c.status == "open")).all():
        key = secrets.token_hex(32)
        conn.execute(runs.update().where(runs.c.id == run_id).values(answer_key=key))
        rows = conn.execute(sa.select(answers.c.id, answers.c.responder_hash)
                            .where(answers.c.run_id == run_id)).all()
        for answer_id, old in rows:
            new = hmac.new(bytes.fromhex(key), str(old).encode(), hashlib.sha256).hexdigest()
            conn.execute(answers.update().where(answers.c.id == answer_id)
                         .values(responder_hash=new))

    with op.batch_alter_table("health_answers", schema=None) as batch_op:
        batch_op.drop_column("answered_at")

    checks = sa.table("health_checks", sa.column("min_responses", sa.Integer))
    conn.execute(checks.update().where(checks.c.min_responses < MIN_RESPONSES_FLOOR)
                 .values(min_responses=MIN_RESPONSES_FLOOR))


def downgrade() -> None:
    # the deleted answers and the old hashes do not come back
    with op.batch_alter_table("health_answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answered_at", sa.DateTime(timezone=True),
                                      nullable=False, server_default=sa.func.now()))
    with op.batch_alter_table("health_answers", schema=None) as batch_op:
        batch_op.alter_column("answered_at", server_default=None)
    with op.batch_alter_table("health_runs", schema=None) as batch_op:
        batch_op.drop_column("count_shown")
        batch_op.drop_column("answer_key")
