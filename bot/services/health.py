"""Team health checks: set up, run on schedule, collect anonymous ratings, summarise.

Anonymous means that once a run has closed nobody can tell who answered what, not even
whoever holds the database, the logs and every secret of the deployment (docs/privacy.md):

* while a run is open, a person's answers are stored under ``HMAC(run key, run:user)``,
  where the run key is random, made when the run opens, and used only to replace that
  person's earlier answer to the same question; no time is stored with an answer;
* closing the run stores the summary and, in the same transaction, deletes the answers
  and the key (``forget_answers``), then has the database drop the deleted rows from its
  files (``bot.db.session.scrub``);
* the request log says that a rating happened, not who gave it or which colour;
* nothing is shown, in the summary, the trend or the trend chart, that fewer than the
  check's minimum number of people (at least ``MIN_RESPONSES_FLOOR``) gave: not the
  results when fewer people answered, and not a dimension's colour when fewer rated it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
from collections import Counter
from datetime import UTC, datetime
from typing import Any, cast

from slack_sdk import WebClient
from sqlalchemy import Table, bindparam, delete, distinct, func, select, update

from bot.db import models as m
from bot.db import queue
from bot.db.states import HealthCheckStatus, HealthRunStatus, JobKind, JobStatus
from bot.deps import Deps
from bot.errors import NotAllowed, NotFound, UserFacingError
from bot.services.followups import is_admin
from bot.services.slack_io import post_chart
from bot.timing.recurrence import RecurrenceError, next_run, parse_time, zone
from bot.views import health as hv
from bot.views.ids import parse_id
from triage import questions as Q

log = logging.getLogger(__name__)

# A dimension's score is the average of its answers (green 1, yellow 0.5, red 0); its light
# is green from GREEN_FROM, yellow from YELLOW_FROM, red below; a move of more than TREND_STEP
# since the last shown check is a trend up or down.
SCORES = {"green": 1.0, "yellow": 0.5, "red": 0.0}
GREEN_FROM, YELLOW_FROM, TREND_STEP = 0.67, 0.34, 0.1
CHART_RUNS = 8  # how many of the latest checks (with results shown) the trend chart covers
MIN_RESPONSES_FLOOR = 3  # no check shows anything fewer people gave, whatever it was set to


def new_run_key() -> str:
    """A run's own random key (256 bits, hex), made when it opens."""
    return secrets.token_hex(32)


def responder_hash(run_key: str, run_id: int, user_id: str) -> str:
    """Who answered, as only this run's key can tell: the same person is the same hash
    while the run is open (a new click replaces their answer), and once the key is
    destroyed at close nothing links the hash to anyone."""
    return hmac.new(bytes.fromhex(run_key), f"{run_id}:{user_id}".encode(),
                    hashlib.sha256).hexdigest()


def min_responses_of(hc: m.HealthCheck) -> int:
    """The check's minimum, never below the floor (older checks may have stored less)."""
    return max(MIN_RESPONSES_FLOOR, hc.min_responses)


def forget_answers(session: Any, run: m.HealthRun) -> None:
    """The run's answers and its key, deleted (in the caller's transaction, the one that
    stores the summary), and the jobs that edited its "N answered" line (each was made by
    someone's first answer): from here on nothing in the database is about a person."""
    session.execute(delete(m.HealthAnswer).where(m.HealthAnswer.run_id == run.id))
    session.execute(delete(m.Job).where(m.Job.kind == JobKind.HEALTH_COUNT,
                                        m.Job.ref_id == run.id))
    run.answer_key = None


def answered(session: Any, run_id: int) -> int:
    """How many people have answered an open run (one hash per person)."""
    return int(session.scalar(select(func.count(distinct(m.HealthAnswer.responder_hash)))
                              .where(m.HealthAnswer.run_id == run_id)) or 0)


# A run is answerable once its message is up: OPEN, or still SCHEDULED in the moment
# between the post and the scheduler's write-back of the batch (the key is made before
# the post, ``health_jobs.prefetch``; no message, no button to click).
ANSWERABLE = frozenset({HealthRunStatus.OPEN, HealthRunStatus.SCHEDULED})


def schedule_count(session: Any, deps: Deps, run: m.HealthRun) -> None:
    """Edit the run's "N answered" line at the end of the current slot of
    ``HEALTH_COUNT_EVERY``: one job per run and slot (keyed by it), however many people
    answer meanwhile, so a run's message is edited at most once a slot, never per click.
    The job carries the slot, not the time anyone answered."""
    every = deps.settings.health_count_every.total_seconds()
    slot = math.floor(deps.clock().timestamp() / every) + 1
    due = datetime.fromtimestamp(slot * every, UTC)
    queue.enqueue(session, team_id=run.team_id, kind=JobKind.HEALTH_COUNT, due_at=due,
                  idempotency_key=f"health_count:{run.id}:{slot}", ref_id=run.id,
                  now=due - deps.settings.health_count_every)


def validate_setup(parsed: dict[str, Any], errors: dict[str, str]) -> None:
    try:
        zone(parsed["timezone"] or "")
    except RecurrenceError as exc:
        errors[hv.TZ_BLOCK] = str(exc)
    try:
        parse_time(parsed["local_time"] or "")
    except RecurrenceError as exc:
        errors[hv.TIME_BLOCK] = str(exc)


def create(deps: Deps, *, team_id: str, creator_id: str, parsed: dict[str, Any],
           once: str | None = None) -> m.HealthCheck | None:
    """Set up a health check. ``once``: the submission's key; the same submission arriving
    twice (a double click, a replay) sets up one, and the repeat returns None."""
    now = deps.clock()
    with deps.sessions.begin() as session:
        if once is not None and not queue.remember_once(session, once, team_id, now=now):
            return None
        hc = m.HealthCheck(
            team_id=team_id, channel_id=parsed["channel_id"], creator_id=creator_id,
            cadence=parsed["cadence"], weekday=parsed["weekday"],
            local_time=parsed["local_time"], timezone=parsed["timezone"],
            skip_weekends=parsed["skip_weekends"],
            window_seconds=int(deps.settings.health_window.total_seconds()),
            min_responses=max(MIN_RESPONSES_FLOOR, deps.settings.health_min_responses),
            status=HealthCheckStatus.ACTIVE,
            anchor_at=now, created_at=now, updated_at=now)
        session.add(hc)
        session.flush()
        schedule_next(session, hc, after=now, now=now)
        session.expunge(hc)
        return hc


def next_occurrence(hc: m.HealthCheck, *, after: datetime) -> tuple[datetime, str]:
    """The check's next run after ``after`` and the key of its ``health_post`` job (keyed
    by its time, so scheduling it twice is a no-op)."""
    due = next_run(after, cadence=hc.cadence, weekday=hc.weekday, local_time=hc.local_time,
                   timezone=hc.timezone, skip_weekends=hc.skip_weekends, anchor=hc.anchor_at)
    return due, f"health_post:{hc.id}:{due.isoformat()}"


def next_post_job(hc: m.HealthCheck, due: datetime, key: str, now: datetime
                  ) -> dict[str, Any]:
    """The ``health_post`` job row for ``due`` (``queue.job_row``)."""
    return queue.job_row(team_id=hc.team_id, kind=JobKind.HEALTH_POST, due_at=due,
                         idempotency_key=key, ref_id=hc.id, payload={"at": due.isoformat()},
                         now=now)


def schedule_next(session: Any, hc: m.HealthCheck, *, after: datetime, now: datetime
                  ) -> None:
    """One job per occurrence: keyed by its time, so scheduling it twice is a no-op; an
    occurrence a pause cancelled is brought back (resumed before it). The same writes a
    run post hands the scheduler's write-back (``health_jobs.post_run``)."""
    due, key = next_occurrence(hc, after=after)
    hc.next_run_at = due
    session.execute(REVIVE_CANCELLED, {"b_key": key, "b_now": now})
    queue.enqueue_many(session, [next_post_job(hc, due, key, now)])


_jobs = cast(Table, m.Job.__table__)  # declarative __table__ is typed FromClause
REVIVE_CANCELLED = (
    update(_jobs).where(_jobs.c.idempotency_key == bindparam("b_key"),
                        _jobs.c.status == JobStatus.CANCELLED)
    .values(status=JobStatus.PENDING, attempts=0, updated_at=bindparam("b_now"))
)


def describe(hc: m.HealthCheck) -> str:
    when = f"{Q.HEALTH_CADENCES[hc.cadence].lower()} on {Q.WEEKDAYS[hc.weekday]} at " \
           f"{hc.local_time} ({hc.timezone})"
    nxt = ""
    if hc.next_run_at and hc.status == HealthCheckStatus.ACTIVE:
        local = hc.next_run_at.astimezone(zone(hc.timezone))
        nxt = f", next {local:%a %d %b %H:%M}"
    return f"#{hc.id} in <#{hc.channel_id}>: {when}, {hc.status}{nxt}, set up by <@{hc.creator_id}>"


def list_text(deps: Deps, *, team_id: str, channel_id: str) -> str:
    with deps.sessions() as session:
        rows = session.scalars(select(m.HealthCheck).where(
            m.HealthCheck.team_id == team_id, m.HealthCheck.channel_id == channel_id,
            m.HealthCheck.status != HealthCheckStatus.STOPPED).order_by(m.HealthCheck.id)).all()
        if not rows:
            return ("No health checks in this channel. `/engagement healthcheck` sets one up.")
        return "Health checks here:\n" + "\n".join(f"• {describe(r)}" for r in rows)


def change(client: WebClient, deps: Deps, *, team_id: str, channel_id: str, user_id: str,
           verb: str, arg: str) -> str:
    """pause | resume | stop the health check(s) of this channel (or the one named #id)."""
    now = deps.clock()
    with deps.sessions.begin() as session:
        query = select(m.HealthCheck).where(m.HealthCheck.team_id == team_id,
                                            m.HealthCheck.status != HealthCheckStatus.STOPPED)
        wanted = arg.strip()
        if wanted:  # "#12" or "12": that one; anything else names nothing
            hc_id = parse_id(wanted.removeprefix("#"))
            if hc_id is None:
                raise NotFound("There is no health check with that number. "
                               "`/engagement healthcheck list` shows them.")
            query = query.where(m.HealthCheck.id == hc_id)
        else:
            query = query.where(m.HealthCheck.channel_id == channel_id)
        rows = session.scalars(query).all()
        if not rows:
            raise NotFound("There is no health check here to change. "
                           "`/engagement healthcheck list` shows them.")
        admin: bool | None = None
        for hc in rows:
            if hc.creator_id != user_id:
                admin = is_admin(client, user_id) if admin is None else admin
                if not admin:
                    raise NotAllowed("Only the person who set up this health check (or a "
                                     "workspace admin) can change it.")
        for hc in rows:
            if verb == "pause":
                hc.status = HealthCheckStatus.PAUSED
                queue.cancel(session, team_id=team_id, kind=JobKind.HEALTH_POST, ref_ids=[hc.id])
            elif verb == "resume" and hc.status == HealthCheckStatus.PAUSED:
                hc.status = HealthCheckStatus.ACTIVE
                schedule_next(session, hc, after=now, now=now)
            elif verb == "stop":
                hc.status = HealthCheckStatus.STOPPED
                queue.cancel(session, team_id=team_id, kind=JobKind.HEALTH_POST, ref_ids=[hc.id])
            hc.updated_at = now
        return "\n".join(f"• {describe(hc)}" for hc in rows)


def rate(deps: Deps, *, team_id: str, user_id: str, value: str) -> str:
    try:
        run_id_s, dim, rating = value.split("|")
    except ValueError:
        raise UserFacingError("That rating button is broken; please use the latest "
                              "health check message.") from None
    run_id = parse_id(run_id_s)
    if run_id is None:
        raise NotFound("I can't find that health check.")
    if dim not in Q.HEALTH_DIMENSIONS or rating not in Q.HEALTH_RATINGS:
        raise UserFacingError("That rating is not one I know.")
    with deps.sessions.begin() as session:
        # locked: a close that runs meanwhile waits, then deletes this answer with the
        # others (and two quick clicks of one person replace rather than collide)
        run = session.scalar(select(m.HealthRun).where(m.HealthRun.team_id == team_id,
                                                       m.HealthRun.id == run_id)
                             .with_for_update())
        if run is None:
            raise NotFound("I can't find that health check.")
        if run.status not in ANSWERABLE or not run.answer_key:
            return "This health check has closed; the results are in its thread."
        digest = responder_hash(run.answer_key, run_id, user_id)
        first = session.scalar(select(m.HealthAnswer.id).where(
            m.HealthAnswer.run_id == run_id, m.HealthAnswer.responder_hash == digest
        ).limit(1)) is None
        session.execute(delete(m.HealthAnswer).where(
            m.HealthAnswer.run_id == run_id, m.HealthAnswer.responder_hash == digest,
            m.HealthAnswer.dimension == dim))
        session.add(m.HealthAnswer(team_id=team_id, run_id=run_id, responder_hash=digest,
                                   dimension=dim, rating=rating))
        if first:  # one more person: the "N answered" line is due an edit
            schedule_count(session, deps, run)
    label = Q.HEALTH_DIMENSIONS[dim][0]
    return (f"Got it: *{label}* {Q.HEALTH_RATINGS[rating]}. Your answer is anonymous; click "
            "again to change it while the check is open.")


def _answers(row: dict[str, Any]) -> int:
    return sum(int(row.get(r) or 0) for r in Q.HEALTH_RATINGS)


def results_shown(summary: dict[str, Any] | None, min_responses: int) -> bool:
    """May a stored summary's results be shown? Enough people answered, by today's rule
    (a summary stored before the floor was raised may have been shown with fewer)."""
    floor = max(MIN_RESPONSES_FLOOR, min_responses, int((summary or {}).get("min_responses")
                                                        or 0))
    return bool(summary and summary.get("shown")
                and int(summary.get("responders") or 0) >= floor)


def shown_dimensions(summary: dict[str, Any] | None, min_responses: int
                     ) -> dict[str, dict[str, Any]]:
    """The dimensions of a stored summary whose figures may be shown: rated by at least
    the minimum number of people. Older summaries kept every dimension's counts, however
    few; those are left out here, wherever a summary is read (trend, chart)."""
    if not results_shown(summary, min_responses):
        return {}
    assert summary is not None
    floor = max(MIN_RESPONSES_FLOOR, min_responses, int(summary.get("min_responses") or 0))
    return {dim: row for dim, row in (summary.get("dimensions") or {}).items()
            if row.get("shown", True) and _answers(row) >= floor}


def summarize(answers: list[tuple[str, str, str]], previous: dict[str, Any] | None,
              min_responses: int) -> dict[str, Any]:
    """answers: (responder_hash, dimension, rating). Pure, so it is easy to test.

    Nothing fewer than ``min_responses`` people gave is kept: with fewer responders, no
    dimension at all; a dimension fewer of them rated is kept as ``{"shown": False}``,
    without its counts. A trend compares with ``previous`` only where both are shown."""
    min_responses = max(MIN_RESPONSES_FLOOR, min_responses)
    responders = len({h for h, _, _ in answers})
    summary: dict[str, Any] = {"responders": responders, "min_responses": min_responses,
                               "shown": responders >= min_responses, "dimensions": {}}
    if not summary["shown"]:
        return summary
    before = shown_dimensions(previous, min_responses)
    worse_ownership = []
    for dim in Q.HEALTH_DIMENSIONS:
        counts = Counter(r for _, d, r in answers if d == dim)
        n = sum(counts.values())
        if n < min_responses:
            summary["dimensions"][dim] = {"shown": False}
            continue
        score = sum(SCORES[r] * c for r, c in counts.items()) / n
        light = "green" if score >= GREEN_FROM else "yellow" if score >= YELLOW_FROM else "red"
        old = before.get(dim, {}).get("score")
        trend = "new" if old is None else "up" if score > old + TREND_STEP else \
            "down" if score < old - TREND_STEP else "same"
        summary["dimensions"][dim] = {"green": counts["green"], "yellow": counts["yellow"],
                                      "red": counts["red"], "score": round(score, 3),
                                      "light": light, "trend": trend, "shown": True}
        if Q.HEALTH_DIMENSIONS[dim][2] and (light == "red" or trend == "down"):
            worse_ownership.append(Q.HEALTH_DIMENSIONS[dim][0].lower())
    if len(worse_ownership) >= 2:
        summary["suggestion"] = (
            ":bulb: Signs of an ownership gap are rising (" + ", ".join(worse_ownership)
            + "). Before adding people, consider running `/engagement` to check whether the "
            "bottleneck is ownership rather than capacity.")
    return summary


def chart_runs(deps: Deps, health_check_id: int) -> list[tuple[str, dict[str, Any]]]:
    """(label, summary) of the latest closed runs whose results were shown, oldest first,
    each with only the dimensions that may be shown (``shown_dimensions``)."""
    with deps.sessions() as session:
        hc = session.get(m.HealthCheck, health_check_id)
        if hc is None:
            return []
        tz = zone(hc.timezone)
        least = min_responses_of(hc)
        rows = session.execute(
            select(m.HealthRun.seq, m.HealthRun.scheduled_for, m.HealthRun.summary)
            .where(m.HealthRun.health_check_id == health_check_id,
                   m.HealthRun.status == HealthRunStatus.CLOSED)
            .order_by(m.HealthRun.seq.desc()).limit(CHART_RUNS * 4)).all()
    shown = [row for row in rows if results_shown(row.summary, least)][:CHART_RUNS]
    return [(f"#{seq} {when.astimezone(tz).day} {when.astimezone(tz):%b}",
             dict(summary, dimensions=shown_dimensions(summary, least)))
            for seq, when, summary in reversed(shown)]


def post_trend_chart(client: WebClient, deps: Deps, *, health_check_id: int, run_id: int,
                     channel: str, thread: str | None) -> bool:
    """From the second check with results on: a small line chart of each dimension's
    average over the latest checks, in the results' thread, with the numbers in text
    beside it (the text alone without matplotlib). Never fatal: a failed upload is logged
    and the summary stands. True when a chart (or its text) was posted."""
    from bot.views import charts

    runs = chart_runs(deps, health_check_id)
    if len(runs) < 2:
        return False
    labels, series = charts.health_series(runs)
    text = charts.health_text(labels, series,
                              [int(summary.get("responders") or 0) for _, summary in runs])
    png = (lambda: charts.health_png(labels, series)) if charts.available() else None
    return post_chart(client, channel, thread, text=text, png=png,
                      filename="health-trend.png", title="Team health over time")
