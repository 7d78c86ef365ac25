"""Anonymous health-check answers, tried as an attacker who, once a run has closed, holds
the database (every row of every table, and the database files themselves), the logs the
bot wrote (everything, at DEBUG), and every secret the deployment was configured with.

The attack: hash every member id with every key available (each configured secret, the
old fallbacks, and every token-like string found stored or logged) in every way a bot
might have, and look for any result among what is stored or logged; look for any log line
that names a member next to a rating; look for anything per person left at all. Against
the real bot behind its HTTP server and the fake Slack, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from bot.db import models as m
from tests.fakeslack.client import fill
from tests.support.harness import SECRET, TOKEN, Bot

# what an operator might have configured: the old health key (no longer read) and the
# token encryption key, besides the signing secret and the bot token
OLD_SECRET_KEY = "operator-chosen-health-secret-0123456789"
FERNET_KEY = "p0YH0jv2yVAhI8rx4o6aA5IfhbmbGWQ_iuTbqmzXtM8="
SECRETS = [SECRET, TOKEN, OLD_SECRET_KEY, FERNET_KEY, "dev", ""]
CREATOR, CHANNEL = "UCREATOR01", "C7"
# everyone in the channel rates; some change their mind while the run is open
MEMBERS = {f"UMEMBER{i:02d}": rating for i, rating in
           enumerate(["green", "green", "yellow", "red", "red", "green", "yellow"], 1)}
DIMENSIONS = ("clarity", "answers", "decisions", "focus", "capacity")


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record, at DEBUG, with the one clamp `engagement-bot` applies to the Slack
    SDK (``bot.cli.configure_logging``: slack_sdk never below INFO)."""
    sdk = logging.getLogger("slack_sdk")
    level = sdk.level
    caplog.set_level(logging.DEBUG)
    sdk.setLevel(logging.INFO)
    yield caplog
    sdk.setLevel(level)


def set_up(bot: Bot) -> None:
    bot.fake.add_user(CREATOR, tz="Europe/Berlin")
    bot.slack.command("healthcheck", user_id=CREATOR, channel_id=CHANNEL)
    modal = bot.fake.wait_for("views.open")[-1].response["view"]
    values = fill(modal, {})
    values["hc_time"] = {"hc_time": {"type": "timepicker", "selected_time": "09:00"}}
    values["hc_skip_weekends"] = {"hc_skip_weekends": {"type": "checkboxes",
                                                       "selected_options": []}}
    assert bot.slack.view_submission(modal, values, user_id=CREATOR).status == 200
    with bot.deps.sessions() as s:
        assert s.query(m.HealthCheck).count() == 1


def the_run(bot: Bot) -> Any:
    return [c for c in bot.fake.calls_to("chat.postMessage")
            if "health_intro" in str(c.args.get("blocks"))][-1]


def click(bot: Bot, user: str, dim: str, rating: str) -> None:
    post = the_run(bot)
    value = next(e["value"] for b in post.args["blocks"]
                 if b.get("block_id") == f"health_{dim}" and b["type"] == "actions"
                 for e in b["elements"] if e["value"].endswith(f"|{rating}"))
    resp = bot.slack.block_action(f"health_rate_{rating}", value, block_id=f"health_{dim}",
                                  channel_id=CHANNEL, message_ts=post.response["ts"],
                                  user_id=user)
    assert resp.status == 200


def run_a_health_check(bot: Bot) -> dict[str, Any]:
    """Set up, post, everyone answers (some twice), the window closes. What the test saw
    while the run was open (its key and the stored hashes), to look for afterwards."""
    set_up(bot)
    runner = bot.runner()
    bot.clock.advance(timedelta(days=7))
    runner.tick()
    assert the_run(bot)
    clicks = 0
    for user, rating in MEMBERS.items():
        for dim in DIMENSIONS:
            click(bot, user, dim, rating)
            clicks += 1
    bot.fake.wait_for("response_url", count=clicks)
    for user in list(MEMBERS)[:3]:  # changed their mind about capacity
        click(bot, user, "capacity", "red")
        clicks += 1
    click(bot, CREATOR, "clarity", "yellow")
    clicks += 1
    bot.fake.wait_for("response_url", count=clicks)
    with bot.deps.sessions() as s:
        run = s.query(m.HealthRun).one()
        seen_open = {"key": getattr(run, "answer_key", None), "run_id": run.id,
                     "hashes": {a.responder_hash for a in s.query(m.HealthAnswer)}}
    assert len(seen_open["hashes"]) == len(MEMBERS) + 1  # one per person
    bot.clock.advance(timedelta(days=1))
    runner.tick()
    [summary] = bot.fake.wait_for("chat.postMessage", predicate=lambda c: "health_summary"
                                  in str(c.args.get("blocks")))
    assert f"({len(MEMBERS) + 1} people)" in str(summary.args["blocks"])
    return seen_open


def stored_rows(bot: Bot) -> str:
    """Every row of every table, as text."""
    engine = bot.deps.sessions.kw["bind"]
    out = []
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                out.append(f"{table}: " + json.dumps([str(v) for v in row]))
    return "\n".join(out)


def database_files(bot: Bot) -> dict[str, bytes]:
    """The database's own files, by name: SQLite's file and its write-ahead log;
    PostgreSQL's files of the health tables and their indexes, when this process may read
    them."""
    engine = bot.deps.sessions.kw["bind"]
    if engine.dialect.name == "sqlite":
        path = Path(str(engine.url.database))
        return {p.name: p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists()}
    with engine.connect() as conn:
        conn.exec_driver_sql("CHECKPOINT")
        datadir = conn.exec_driver_sql("SHOW data_directory").scalar_one()
        relations = conn.execute(text(
            "SELECT c.relname, pg_relation_filepath(c.oid) FROM pg_class c WHERE c.relname "
            "LIKE :name AND c.relkind IN ('r', 'i', 't')"), {"name": "%health%"}).all()
    files = {}
    for name, rel in relations:
        path = Path(datadir) / str(rel)
        if path.exists() and os.access(path, os.R_OK):
            files[name] = path.read_bytes()
    return files


def log_text(caplog: pytest.LogCaptureFixture) -> list[str]:
    formatter = logging.Formatter()
    return [r.getMessage() + (formatter.formatException(r.exc_info) if r.exc_info else "")
            for r in caplog.records]


TOKEN_LIKE = re.compile(r"[A-Za-z0-9_\-+/=.:]{12,}")


def candidate_keys(haystack: str) -> set[bytes]:
    keys = {s.encode() for s in SECRETS}
    for token in TOKEN_LIKE.findall(haystack):
        keys.add(token.encode())
        if re.fullmatch(r"(?:[0-9a-f]{2})+", token):
            keys.add(bytes.fromhex(token))
    return keys


def candidate_hashes(keys: set[bytes], run_ids: list[int], people: list[str]) -> set[str]:
    out = set()
    for person in people:
        messages = [person, *(f"{run}:{person}" for run in run_ids),
                    *(f"{person}:{run}" for run in run_ids)]
        for msg in (mm.encode() for mm in messages):
            out.add(hashlib.sha256(msg).hexdigest())
            for key in keys:
                out.add(hmac.new(key, msg, hashlib.sha256).hexdigest())
                out.add(hashlib.sha256(key + msg).hexdigest())
    return out


RATING_WORDS = re.compile(r"health_rate|\b(green|yellow|red)\b", re.IGNORECASE)


SECRETS_SET = pytest.mark.settings(ENGAGEMENT_SECRET_KEY=OLD_SECRET_KEY,
                                   ENGAGEMENT_ENCRYPTION_KEY=FERNET_KEY)


@SECRETS_SET
def test_no_hash_of_any_member_under_any_key_is_stored_or_logged(
        db_bot: Bot, all_logs: pytest.LogCaptureFixture) -> None:
    """Every member id, hashed with every key to hand (each configured secret, the old
    fallbacks, every token-like string stored or logged), found nowhere."""
    assert db_bot.deps.settings.encryption_keys == FERNET_KEY  # configured, as listed
    run_a_health_check(db_bot)
    haystack = stored_rows(db_bot) + "\n" + "\n".join(log_text(all_logs))
    keys = candidate_keys(haystack)
    with db_bot.deps.sessions() as s:
        run_ids = [r.id for r in s.query(m.HealthRun)]
    found = {h for h in candidate_hashes(keys, run_ids, [CREATOR, *MEMBERS])
             if h in haystack}
    assert found == set(), f"{len(found)} author hash(es) recoverable with {len(keys)} keys"


@SECRETS_SET
def test_no_log_line_names_a_member_next_to_a_rating(
        db_bot: Bot, all_logs: pytest.LogCaptureFixture) -> None:
    """The request log says a rating happened (team, latency, status), not who or which
    colour; no other line names a member with a rating either."""
    run_a_health_check(db_bot)
    logs = log_text(all_logs)
    for line in logs:
        if any(person in line for person in (CREATOR, *MEMBERS)):
            assert not RATING_WORDS.search(line), line
    ratings = [json.loads(line.removeprefix("slack ")) for line in logs
               if line.startswith("slack ") and "health_rate" in line]
    assert len(ratings) == 5 * len(MEMBERS) + 4
    assert all(r == {"kind": "block_actions", "team": "T1", "what": "health_rate",
                     "ms": r["ms"], "status": 200} for r in ratings)


@SECRETS_SET
def test_closing_leaves_nothing_per_person_in_the_rows_or_the_files(
        db_bot: Bot, all_logs: pytest.LogCaptureFixture) -> None:
    """No answer rows, no key, no time of an answer, no member in any row; and what the
    test saw while the run was open (its key, the stored hashes) is in no row, no log line
    and none of the database's own files (SQLite's file and WAL; PostgreSQL's table and
    index files)."""
    seen_open = run_a_health_check(db_bot)
    with db_bot.deps.sessions() as s:
        assert s.query(m.HealthAnswer).count() == 0
        assert [getattr(r, "answer_key", None) for r in s.query(m.HealthRun)] == [None]
        # nor the jobs that edited the "N answered" line (each was made by a first answer)
        assert s.query(m.Job).filter(m.Job.kind == "health_count").count() == 0
        summary = s.query(m.HealthRun).one().summary
    assert set(summary) == {"responders", "min_responses", "shown", "dimensions"}
    rows = stored_rows(db_bot)
    # someone who only answered is in no row at all (not even a request key); the creator
    # is (the check is theirs), never next to a rating
    for member in MEMBERS:
        assert member not in rows, [r for r in rows.splitlines() if member in r][:3]
    for row in rows.splitlines():
        if CREATOR in row:
            assert not RATING_WORDS.search(row), row
    haystack = rows + "\n" + "\n".join(log_text(all_logs))
    files = database_files(db_bot)
    assert seen_open["key"] and len(seen_open["hashes"]) == len(MEMBERS) + 1
    for what, secret in [("the run key", seen_open["key"]),
                         *(("an answer hash", h) for h in seen_open["hashes"])]:
        assert secret not in haystack, what
        left = [name for name, blob in files.items() if secret.encode() in blob]
        assert left == [], f"{what} is left in {left}"
    if db_bot.deps.sessions.kw["bind"].dialect.name == "sqlite":
        assert files  # (on PostgreSQL only when this process may read the cluster's files)
