"""Workspace and channel lifecycle: retries of events, archived channels, revoked tokens."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select, update

from bot.db import models as m
from bot.db import queue
from bot.db.states import CHECKIN_JOBS, FollowupsStatus
from bot.deps import Deps
from bot.services.followups import rearm
from bot.services.slack_io import channel_problem, dm

log = logging.getLogger(__name__)

# what Slack answers a token of an app that is no longer installed
GONE = ("invalid_auth", "token_revoked", "account_inactive", "not_authed", "not_installed")
_SEEN_MAX = 100_000
_seen: set[tuple[str, str | None]] = set()  # (team, enterprise) recorded by this process
_seen_lock = threading.Lock()


def seen(deps: Deps, team_id: str | None, enterprise_id: str | None) -> None:
    """Record which Enterprise Grid org a workspace belongs to, from a signed request (once
    per process and workspace): the scheduler needs it to find the token of a workspace
    served by an org-wide install."""
    if not team_id:
        return
    key = (team_id, enterprise_id or None)
    with _seen_lock:
        if key in _seen:
            return
    record(deps, team_id=team_id, enterprise_id=enterprise_id)
    with _seen_lock:
        if len(_seen) >= _SEEN_MAX:
            _seen.clear()
        _seen.add(key)


def record(deps: Deps, *, team_id: str, enterprise_id: str | None,
           installed: bool = False) -> None:
    """Upsert the workspace row; ``installed`` marks a (re)install (clears an uninstall)."""
    now = deps.clock()
    values: dict[str, Any] = {"team_id": team_id, "enterprise_id": enterprise_id,
                              "updated_at": now}
    changes: dict[str, Any] = {"enterprise_id": enterprise_id, "updated_at": now}
    if installed:
        values["installed_at"] = changes["installed_at"] = now
        changes["uninstalled_at"] = None
    with deps.sessions.begin() as session:
        stmt = queue._insert(session, m.Workspace).values(**values)
        session.execute(stmt.on_conflict_do_update(index_elements=["team_id"], set_=changes))


def installed(deps: Deps, installation: Any) -> None:
    """An install (or reinstall) through OAuth: the workspace is served again. An org-wide
    install names no workspace; its workspaces are recorded as their requests come."""
    if installation.team_id:
        record(deps, team_id=installation.team_id, enterprise_id=installation.enterprise_id,
               installed=True)


def enterprise_of(deps: Deps, team_id: str) -> str | None:
    with deps.sessions() as session:
        return session.scalar(select(m.Workspace.enterprise_id)
                              .where(m.Workspace.team_id == team_id))


def find_bot(deps: Deps, team_id: str, enterprise_id: str | None) -> Any:
    """The installed bot that serves ``team_id``: the workspace's own install, else its
    org's org-wide install (Enterprise Grid). None when neither is there."""
    store = deps.installation_store
    if store is None:
        return None
    bot = store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
    if bot is None and enterprise_id:
        bot = store.find_bot(enterprise_id=enterprise_id, team_id=None,
                             is_enterprise_install=True)
    return bot


def first_delivery(deps: Deps, body: dict[str, Any]) -> bool:
    """True the first time an event id is seen; Slack's retries of it return False."""
    event_id = body.get("event_id")
    if not event_id:
        return True
    with deps.sessions.begin() as session:
        return queue.remember_once(session, f"event:{event_id}", body.get("team_id", ""),
                                   now=deps.clock())


def channel_unavailable(deps: Deps, team_id: str, channel_id: str, reason: str,
                        client: WebClient | None = None) -> list[str]:
    """Pause every follow-up in that channel and tell each owner once, by DM."""
    owners: set[str] = set()
    with deps.sessions.begin() as session:
        rows = session.scalars(select(m.Assessment).where(
            m.Assessment.team_id == team_id, m.Assessment.channel_id == channel_id,
            m.Assessment.followups_status == FollowupsStatus.ACTIVE)).all()
        for row in rows:
            row.followups_status = FollowupsStatus.PAUSED
            owners.add(row.user_id)
            # by kind too: a health check may share the id
            queue.pause(session, team_id=team_id, kind=CHECKIN_JOBS,
                        ref_ids=_checkin_ids(session, row.id))
    if client is not None:
        problem = channel_problem(channel_id, reason).message
        for owner in sorted(owners):
            dm(client, owner, text=(
                f"{problem} I have paused the follow-ups of your assessments there. "
                f"Once the channel is back (unarchive it, or invite me), they resume by "
                "themselves; nothing is lost."))
    return sorted(owners)


def channel_available(deps: Deps, team_id: str, channel_id: str) -> None:
    with deps.sessions.begin() as session:
        rows = session.scalars(select(m.Assessment).where(
            m.Assessment.team_id == team_id, m.Assessment.channel_id == channel_id,
            m.Assessment.followups_status == FollowupsStatus.PAUSED)).all()
        now = deps.clock()
        for row in rows:
            row.followups_status = FollowupsStatus.ACTIVE
            queue.resume(session, team_id=team_id, kind=CHECKIN_JOBS,
                         ref_ids=_checkin_ids(session, row.id), now=now)
            rearm(session, team_id, row.id, now=now)  # the check-in whose post failed


def stop_team(deps: Deps, team_id: str, *, reason: str, now: datetime,
              uninstalled: bool = False) -> None:
    """The workspace uninstalled us or revoked the token: stop everything it had scheduled.
    ``uninstalled`` (Slack said so: ``app_uninstalled``, or ``tokens_revoked`` naming the
    bot's token) also starts the clock on purging its data
    (``ENGAGEMENT_PURGE_UNINSTALLED_AFTER``, ``bot.services.housekeeping``); a reinstall
    before then stops it (``installed``)."""
    with deps.sessions.begin() as session:
        queue.cancel(session, team_id=team_id, now=now)
        for row in session.scalars(select(m.Assessment).where(
                m.Assessment.team_id == team_id,
                m.Assessment.followups_status != FollowupsStatus.STOPPED)):
            row.followups_status = FollowupsStatus.STOPPED
        if uninstalled:
            stmt = queue._insert(session, m.Workspace).values(
                team_id=team_id, uninstalled_at=now, updated_at=now)
            session.execute(stmt.on_conflict_do_update(
                index_elements=["team_id"], set_={"uninstalled_at": now, "updated_at": now}))
    store = deps.installation_store
    if store is not None and reason in ("app_uninstalled", "tokens_revoked", "token_revoked",
                                        "not_installed", "account_inactive", "invalid_auth"):
        # no token stays behind (an org-wide install is the org's: one workspace leaving
        # does not remove it)
        store.delete_all(enterprise_id=enterprise_of(deps, team_id), team_id=team_id)
    log.warning("team %s: follow-ups stopped (%s)", team_id, reason)


def uninstalled_before(deps: Deps, before: datetime) -> list[str]:
    """Workspaces uninstalled before ``before`` (and not reinstalled since)."""
    with deps.sessions() as session:
        return list(session.scalars(select(m.Workspace.team_id).where(
            m.Workspace.uninstalled_at.is_not(None), m.Workspace.uninstalled_at < before)
            .order_by(m.Workspace.team_id)))


def still_installed(deps: Deps, client: WebClient | None, team_id: str) -> bool | None:
    """Is the app installed in ``team_id`` now? True, False, or None when that cannot be
    told (Slack did not answer). Multi-workspace: the workspace's own install or its org's.
    One workspace: ``auth.test`` with the configured token names this team (a reinstall
    that kept the token, or the operator put in the new one)."""
    if deps.installation_store is not None:
        return find_bot(deps, team_id, enterprise_of(deps, team_id)) is not None
    if client is None or not client.token:
        return False
    try:
        return bool(client.auth_test().get("team_id") == team_id)
    except SlackApiError as exc:
        if exc.response.get("error") in GONE:
            return False
        return None
    except OSError:
        return None


def reinstalled(deps: Deps, team_id: str) -> None:
    """Found installed after all: its data stays."""
    now = deps.clock()
    with deps.sessions.begin() as session:
        session.execute(update(m.Workspace).where(m.Workspace.team_id == team_id)
                        .values(uninstalled_at=None, updated_at=now))


def _checkin_ids(session: Any, assessment_id: int) -> list[int]:
    return list(session.scalars(select(m.Checkin.id).where(
        m.Checkin.assessment_id == assessment_id)))


def purge_team(deps: Deps, team_id: str) -> dict[str, int]:
    """Delete everything stored for a workspace (on request, or after uninstalling)."""
    from sqlalchemy import delete

    counts: dict[str, int] = {}
    enterprise_id = enterprise_of(deps, team_id)
    with deps.sessions.begin() as session:
        run_ids = select(m.HealthRun.id).where(m.HealthRun.team_id == team_id)
        for name, stmt in (
            ("health_answers", delete(m.HealthAnswer).where(m.HealthAnswer.run_id.in_(run_ids))),
            ("health_runs", delete(m.HealthRun).where(m.HealthRun.team_id == team_id)),
            ("health_checks", delete(m.HealthCheck).where(m.HealthCheck.team_id == team_id)),
            ("checkins", delete(m.Checkin).where(m.Checkin.team_id == team_id)),
            ("assessments", delete(m.Assessment).where(m.Assessment.team_id == team_id)),
            ("jobs", delete(m.Job).where(m.Job.team_id == team_id)),
            ("processed_requests",
             delete(m.ProcessedRequest).where(m.ProcessedRequest.team_id == team_id)),
            ("workspaces", delete(m.Workspace).where(m.Workspace.team_id == team_id)),
        ):
            counts[name] = int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]
    if deps.installation_store is not None:
        deps.installation_store.delete_all(enterprise_id=enterprise_id, team_id=team_id)
    log.warning("team %s: all data purged %s", team_id, counts)
    return counts
