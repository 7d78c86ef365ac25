"""The follow-up service behind the Home buttons, on SQLite and PostgreSQL: deleting an
assessment (one workspace, the owner or an admin, its jobs only) and re-arming check-ins on
resume."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.db import models as m
from bot.db import queue
from bot.deps import Deps
from bot.errors import NotAllowed, NotFound
from bot.services import followups

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
Sessions = sessionmaker[Session]


class Client:
    """Just what the permission check asks Slack."""

    def __init__(self, admins: tuple[str, ...] = ()) -> None:
        self.admins = admins

    def users_info(self, user: str) -> dict[str, Any]:
        return {"user": {"id": user, "is_admin": user in self.admins}}


def deps_for(sessions: Sessions) -> Deps:
    return cast(Deps, SimpleNamespace(sessions=sessions, clock=lambda: NOW))


def add_assessment(sessions: Sessions, *, team: str = "T1", owner: str = "U1",
                   checkins: int = 2) -> tuple[int, list[int]]:
    """An assessment with its check-ins, each with a pending checkin_post job."""
    with sessions.begin() as s:
        a = m.Assessment(team_id=team, user_id=owner, channel_id="C1", engagement="Work",
                         answers={}, verdict={}, bottleneck_kind="capacity",
                         model="staff_augmentation", confidence=0.5, created_at=NOW,
                         updated_at=NOW)
        s.add(a)
        s.flush()
        ids = []
        for seq in range(1, checkins + 1):
            c = m.Checkin(team_id=team, assessment_id=a.id, seq=seq, of_total=checkins,
                          due_at=NOW + seq * 14 * DAY, created_at=NOW)
            s.add(c)
            s.flush()
            queue.enqueue(s, team_id=team, kind="checkin_post", due_at=c.due_at,
                          idempotency_key=f"checkin_post:{c.id}", ref_id=c.id, now=NOW)
            ids.append(c.id)
        return a.id, ids


def jobs(sessions: Sessions) -> dict[tuple[str, int | None], str]:
    with sessions() as s:
        return {(j.kind, j.ref_id): j.status for j in s.query(m.Job)}


def counts(sessions: Sessions) -> tuple[int, int]:
    with sessions() as s:
        return s.query(m.Assessment).count(), s.query(m.Checkin).count()


def test_delete_takes_the_assessment_its_checkins_and_only_its_jobs(
        session_factory: Sessions) -> None:
    deps = deps_for(session_factory)
    doomed, checkins = add_assessment(session_factory)
    other, _ = add_assessment(session_factory, team="T2", owner="U9")
    with session_factory.begin() as s:
        # a health check run with the same id as a check-in: a different job
        queue.enqueue(s, team_id="T1", kind="health_post", due_at=NOW + DAY,
                      idempotency_key="health_post:x", ref_id=checkins[0], now=NOW)
        queue.enqueue(s, team_id="T1", kind="checkin_nudge", due_at=NOW + DAY,
                      idempotency_key=f"checkin_nudge:{checkins[0]}", ref_id=checkins[0],
                      now=NOW)
    text = followups.delete(Client(), deps, team_id="T1", user_id="U1", assessment_id=doomed)
    assert text.startswith("Deleted *Work*") and "<#C1> is left as it was" in text
    assert counts(session_factory) == (1, 2)  # the other workspace's one and its check-ins
    left = jobs(session_factory)
    assert left[("health_post", checkins[0])] == "pending"
    assert {left[("checkin_post", c)] for c in checkins} == {"cancelled"}
    assert left[("checkin_nudge", checkins[0])] == "cancelled"
    assert [s for (k, _), s in left.items() if k == "checkin_post"].count("pending") == 2
    with session_factory() as s:
        assert s.get(m.Assessment, other) is not None


def test_delete_is_refused_or_not_found_and_changes_nothing(session_factory: Sessions
                                                            ) -> None:
    deps = deps_for(session_factory)
    aid, _ = add_assessment(session_factory)
    before = (counts(session_factory), jobs(session_factory))
    with pytest.raises(NotAllowed, match="delete this assessment"):
        followups.delete(Client(), deps, team_id="T1", user_id="U2", assessment_id=aid)
    for team, ref in (("T2", aid), ("T1", aid + 100), ("T1", None)):  # another workspace
        with pytest.raises(NotFound):
            followups.delete(Client(admins=("UADMIN",)), deps, team_id=team,
                             user_id="UADMIN", assessment_id=ref)
    assert (counts(session_factory), jobs(session_factory)) == before
    followups.delete(Client(admins=("UADMIN",)), deps, team_id="T1", user_id="UADMIN",
                     assessment_id=aid)
    assert counts(session_factory) == (0, 0)


def test_rearm_gives_each_unsent_checkin_a_waiting_post_again(session_factory: Sessions
                                                             ) -> None:
    aid, ids = add_assessment(session_factory, checkins=6)
    failed, done, purged, posted, paused, given_up = ids
    with session_factory.begin() as s:
        for job in s.query(m.Job):
            job.status = {failed: "failed", done: "done", posted: "done",
                          paused: "paused", given_up: "failed"}.get(job.ref_id or 0, job.status)
            job.attempts = 1
        s.query(m.Job).filter_by(ref_id=purged).delete()
        s.get(m.Checkin, posted).message_ts = "1.1"
        s.get(m.Checkin, posted).status = "posted"
        s.get(m.Checkin, given_up).status = "failed"  # the scheduler gave its post up
    later = NOW + 30 * DAY  # check-ins 1 and 2 (days 14, 28) are overdue by then
    with session_factory.begin() as s:
        rearmed = followups.rearm(s, "T1", aid, now=later)
    assert rearmed == [failed, done, purged, given_up]
    with session_factory() as s:
        by_ref = {j.ref_id: j for j in s.query(m.Job).filter_by(kind="checkin_post")}
    assert {r: by_ref[r].status for r in ids} == {
        failed: "pending", done: "pending", purged: "pending", posted: "done",
        paused: "paused", given_up: "pending"}
    assert by_ref[failed].due_at == later and by_ref[failed].attempts == 0
    assert by_ref[done].due_at == later
    assert by_ref[purged].due_at == NOW + 42 * DAY  # not due yet: on its own date
    with session_factory() as s:
        checkins = {c.id: c.status for c in s.query(m.Checkin)}
    assert checkins[given_up] == "scheduled" and checkins[posted] == "posted"
    with session_factory.begin() as s:  # nothing more to do the second time
        assert followups.rearm(s, "T1", aid, now=later) == []
