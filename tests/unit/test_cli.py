"""Starting the bot: what it depends on, checked first and told in one line (never a
traceback); and every subcommand's --help says what it does and which settings it reads."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import READS, build_parser
from bot.db.migrate import upgrade
from bot.settings import Settings
from tests.fakeslack.server import FakeSlack

EXE = str(Path(sys.executable).with_name("engagement-bot"))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(tmp_path: Path, command: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "ENGAGEMENT_", "DATABASE_URL"))}
    full = {**base, "HOME": str(tmp_path), "PORT": "0", "HOST": "127.0.0.1",
            "SLACK_SIGNING_SECRET": "s", **env}
    return subprocess.run([EXE, *command.split()], cwd=tmp_path, env=full,
                          capture_output=True, text=True, timeout=60)


LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (INFO|WARNING) ")


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    """The one line said to the person (log records aside: `run` logs its migration), with
    exit code 2 and no traceback, no error record."""
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and " ERROR " not in proc.stderr
    lines = [line for line in proc.stderr.strip().splitlines() if not LOG_RECORD.match(line)]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def migrated(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/bot.db"
    upgrade(url)
    return url


@pytest.mark.parametrize("command", ["serve", "worker", "run"])
def test_unreachable_slack_is_one_line(tmp_path: Path, command: str) -> None:
    line = one_line(start(tmp_path, command, SLACK_BOT_TOKEN="xoxb-1",
                          SLACK_API_URL=f"http://127.0.0.1:{closed_port()}/api/",
                          DATABASE_URL=migrated(tmp_path)))
    assert line.startswith(f"engagement-bot {command}: cannot reach Slack at http://127.0.0.1")
    assert "check the network" in line and "SLACK_API_URL" in line


def test_a_token_slack_refuses_is_one_line(tmp_path: Path, fake_slack: FakeSlack) -> None:
    fake_slack.revoked_tokens.add("xoxb-gone")
    line = one_line(start(tmp_path, "serve", SLACK_BOT_TOKEN="xoxb-gone",
                          SLACK_API_URL=fake_slack.base_url, DATABASE_URL=migrated(tmp_path)))
    assert "Slack refused SLACK_BOT_TOKEN (token_revoked)" in line
    assert "Bot User OAuth Token" in line


@pytest.mark.parametrize("command", ["serve", "worker", "export --team T1",
                                     "purge --team T1 --yes", "rotate-keys"])
def test_a_database_not_migrated_says_to_run_db_upgrade(tmp_path: Path, command: str,
                                                        fake_slack: FakeSlack) -> None:
    line = one_line(start(tmp_path, command, SLACK_BOT_TOKEN="xoxb-1",
                          SLACK_API_URL=fake_slack.base_url,
                          ENGAGEMENT_ENCRYPTION_KEY="k" * 44,
                          DATABASE_URL=f"sqlite:///{tmp_path}/empty.db"))
    assert "has no tables yet" in line and "Run `engagement-bot db upgrade` first." in line
    assert not fake_slack.calls  # told before anything else is tried


def test_a_database_behind_or_ahead_is_named(tmp_path: Path) -> None:
    url = migrated(tmp_path)
    db = sqlite3.connect(tmp_path / "bot.db")
    db.execute("UPDATE alembic_version SET version_num = '0004'")
    db.commit()
    line = one_line(start(tmp_path, "export --team T1", DATABASE_URL=url))
    assert "is at revision 0004" in line and "engagement-bot db upgrade" in line
    db.execute("UPDATE alembic_version SET version_num = '9999'")
    db.commit()
    db.close()
    line = one_line(start(tmp_path, "export --team T1", DATABASE_URL=url))
    assert "9999, which this version does not know" in line


def test_an_unreachable_database_hides_its_password(tmp_path: Path) -> None:
    line = one_line(start(tmp_path, "worker", SLACK_BOT_TOKEN="xoxb-1",
                          DATABASE_URL=f"postgresql://bot:hunter2@127.0.0.1:{closed_port()}/x"))
    assert "cannot reach the database at" in line and "hunter2" not in line
    assert "check DATABASE_URL" in line


def test_a_port_in_use_is_one_line(tmp_path: Path, fake_slack: FakeSlack) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = one_line(start(tmp_path, "serve", SLACK_BOT_TOKEN="xoxb-1", PORT=str(port),
                              SLACK_API_URL=fake_slack.base_url,
                              DATABASE_URL=migrated(tmp_path)))
    assert f"cannot listen on 127.0.0.1:{port}" in line and "set PORT or HOST" in line


def _subparsers() -> dict[str, object]:
    import argparse

    parser = build_parser()
    found: dict[str, object] = {}

    def walk(p: argparse.ArgumentParser, prefix: str) -> None:
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    found[f"{prefix}{name}"] = child
                    walk(child, f"{prefix}{name} ")

    walk(parser, "")
    return found


def test_every_subcommand_says_what_it_does_and_what_it_reads() -> None:
    subs = _subparsers()
    leaves = {name: p for name, p in subs.items() if name in READS}
    assert set(leaves) == set(READS) == {n for n in subs if n != "db"}
    for name, parser in leaves.items():
        text = parser.format_help()  # type: ignore[attr-defined]
        assert "Reads: " in text, name
        description = text.split("\n\n")[1]
        assert len(description.split()) >= 8, f"{name}: say what it does"
    # every setting the bot has is read by some command, under the name people set
    aliases = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        names = getattr(alias, "choices", None) or [alias]
        aliases.add(str(names[0]))
    documented = " ".join(READS.values())
    assert not {a for a in aliases if a not in documented}


def test_help_runs_for_every_subcommand(tmp_path: Path) -> None:
    for name in _subparsers():
        proc = subprocess.run([EXE, *name.split(), "--help"], capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 0 and "usage: engagement-bot" in proc.stdout, name
