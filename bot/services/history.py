"""History and export of assessments and their follow-ups, scoped to one workspace."""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.db import models as m
from bot.deps import Deps
from bot.views.blocks import channel_mention, esc
from triage import questions as Q

log = logging.getLogger(__name__)
EXPORT_AGAIN_AFTER = timedelta(seconds=60)  # exports asked closer together: one is sent

EXPORT_COLUMNS = ("assessment_id", "created_at", "user_id", "channel_id", "engagement",
                  "bottleneck", "confidence", "model", "stated_model", "mismatch", "status",
                  "followups", "checkin_seq", "checkin_status", "checkin_answered_at",
                  "checkin_trend", "checkin_summary")


def channel_history_text(deps: Deps, *, team_id: str, channel_id: str, limit: int = 10) -> str:
    with deps.sessions() as session:
        rows = session.scalars(select(m.Assessment).where(
            m.Assessment.team_id == team_id, m.Assessment.channel_id == channel_id)
            .order_by(m.Assessment.created_at.desc(), m.Assessment.id.desc()).limit(limit)).all()
        if not rows:
            return "No assessments in this channel yet. `/engagement` starts one."
        lines = []
        for r in rows:
            trend = [c.comparison["trend"] for c in session.scalars(
                select(m.Checkin).where(m.Checkin.assessment_id == r.id)
                .order_by(m.Checkin.seq)) if c.comparison]
            link = f" · <{esc(r.permalink)}|thread>" if r.permalink else ""
            flag = " · :rotating_light: mismatch" if r.mismatch else ""
            moves = f" · check-ins: {' → '.join(trend)}" if trend else ""
            lines.append(f"• *{esc(r.engagement)}* ({r.created_at:%Y-%m-%d}): "
                         f"{esc(Q.KINDS.get(r.bottleneck_kind, r.bottleneck_kind))} → "
                         f"{esc(Q.MODELS.get(r.model, r.model))}{flag}{esc(moves)}{link}")
        return f"Recent assessments in {channel_mention(channel_id)}:\n" + "\n".join(lines)


def export_rows(deps: Deps, *, team_id: str, user_id: str | None = None
                ) -> list[dict[str, Any]]:
    """Every assessment of the team, or only ``user_id``'s own when given."""
    out: list[dict[str, Any]] = []
    query = select(m.Assessment).where(m.Assessment.team_id == team_id)
    if user_id is not None:
        query = query.where(m.Assessment.user_id == user_id)
    with deps.sessions() as session:
        for r in session.scalars(query.order_by(m.Assessment.id)):
            base = {"assessment_id": r.id, "created_at": r.created_at.isoformat(),
                    "user_id": r.user_id, "channel_id": r.channel_id,
                    "engagement": r.engagement, "bottleneck": r.bottleneck_kind,
                    "confidence": r.confidence, "model": r.model,
                    "stated_model": r.stated_model or "", "mismatch": r.mismatch,
                    "status": r.status, "followups": r.followups_status}
            checkins: list[m.Checkin | None] = list(session.scalars(select(m.Checkin).where(
                m.Checkin.assessment_id == r.id).order_by(m.Checkin.seq)))
            for c in checkins or [None]:
                row = dict(base, checkin_seq="", checkin_status="", checkin_answered_at="",
                           checkin_trend="", checkin_summary="")
                if c is not None:
                    row.update(checkin_seq=c.seq, checkin_status=c.status,
                               checkin_answered_at=c.answered_at.isoformat()
                               if c.answered_at else "",
                               checkin_trend=(c.comparison or {}).get("trend", ""),
                               checkin_summary=(c.comparison or {}).get("summary", ""))
                out.append(row)
    return out


# A cell a spreadsheet would read as a formula (CSV injection: ``=HYPERLINK(...)``,
# ``+cmd|...``, ``@SUM(...)``), also after leading blanks, or starting with a tab or a
# carriage return; the full-width forms too, which some spreadsheets take for the ASCII ones.
FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_safe(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: a leading ``'`` on any text that would start a
    formula (what OWASP recommends). Numbers, booleans and harmless text are unchanged."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in "\t\r" or value.lstrip().startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export(deps: Deps, *, team_id: str, fmt: str, user_id: str | None = None) -> str:
    """The rows as JSON (exactly as stored) or CSV (cells made safe for spreadsheets)."""
    rows = export_rows(deps, team_id=team_id, user_id=user_id)
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    writer.writerows({k: spreadsheet_safe(v) for k, v in row.items()} for row in rows)
    return buf.getvalue()


def send_export(client: Any, deps: Deps, *, team_id: str, user_id: str) -> None:
    """DM the requester a CSV and a JSON file of what they may see: their own assessments,
    or the whole workspace's for an admin."""
    from bot.db import queue
    from bot.services.followups import is_admin

    with deps.sessions.begin() as session:  # asked twice in a row: one export
        if not queue.once_per(session, f"export:{team_id}:{user_id}", team_id,
                              now=deps.clock(), window=EXPORT_AGAIN_AFTER):
            log.info("export asked again within %s: not sent twice", EXPORT_AGAIN_AFTER)
            return
    scope = None if is_admin(client, user_id) else user_id
    dm = client.conversations_open(users=user_id)["channel"]["id"]
    count = len(export_rows(deps, team_id=team_id, user_id=scope))
    who = "the whole workspace" if scope is None else "your assessments"
    client.files_upload_v2(
        channel=dm,
        initial_comment=f"Here is the export of {who}: {count} row(s), with check-ins.",
        file_uploads=[
            {"content": export(deps, team_id=team_id, fmt="csv", user_id=scope),
             "filename": "engagement-export.csv", "title": "Engagement export (CSV)"},
            {"content": export(deps, team_id=team_id, fmt="json", user_id=scope),
             "filename": "engagement-export.json", "title": "Engagement export (JSON)"},
        ],
    )
