from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.listeners.command_text import clean, parse_command_text
from bot.settings import Settings
from bot.timing.durations import DurationError, describe_offsets, parse_durations


def test_default_checkin_offsets_are_two_and_six_weeks(monkeypatch) -> None:
    monkeypatch.delenv("ENGAGEMENT_CHECKIN_OFFSETS", raising=False)
    s = Settings(_env_file=None)
    assert s.checkin_offsets == [timedelta(days=14), timedelta(days=42)]
    assert describe_offsets(s.checkin_offsets) == "2 weeks and 6 weeks"


def test_offsets_from_env(monkeypatch) -> None:
    monkeypatch.setenv("ENGAGEMENT_CHECKIN_OFFSETS", "10m, 90s,2h")
    s = Settings(_env_file=None)
    assert s.checkin_offsets == [timedelta(seconds=90), timedelta(minutes=10),
                                 timedelta(hours=2)]


@pytest.mark.parametrize("bad", ["", "14", "14x", "-1d", "0s", ",".join(["1d"] * 11)])
def test_bad_durations_explain_what_is_allowed(bad: str) -> None:
    with pytest.raises(DurationError) as info:
        parse_durations(bad)
    assert any(w in str(info.value) for w in ("90s", "at least", "at most", "longer than"))


def test_bad_offsets_env_names_the_variable(monkeypatch) -> None:
    monkeypatch.setenv("ENGAGEMENT_CHECKIN_OFFSETS", "soon")
    with pytest.raises(ValidationError) as info:
        Settings(_env_file=None)
    assert "ENGAGEMENT_CHECKIN_OFFSETS" in str(info.value)


def test_api_url_gets_trailing_slash(monkeypatch) -> None:
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api")
    assert Settings(_env_file=None).slack_api_url == "http://127.0.0.1:9/api/"


@pytest.mark.parametrize(
    ("text", "sub", "arg"),
    [
        ("", "start", ""),
        ("   ", "start", ""),
        ("start", "start", ""),
        ("START Checkout revamp", "start", "Checkout revamp"),
        ("help", "help", ""),
        ("history", "history", ""),
        ("healthcheck list", "healthcheck", "list"),
        ("frobnicate", "", "frobnicate"),
        ("start <@U123|bob> Billing\x07\x1b[31m", "start", "Billing [31m"),
    ],
)
def test_parse_command_text(text: str, sub: str, arg: str) -> None:
    parsed = parse_command_text(text)
    assert (parsed.sub, parsed.arg) == (sub, arg)


def test_clean_strips_controls_and_mentions() -> None:
    assert clean("hi <!channel> there\x00\n\tyou") == "hi there you"
    assert len(clean("x" * 5000)) == 200


def test_run_without_tokens_says_what_is_missing(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("engagement-bot")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.run([str(exe), "run"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert "SLACK_BOT_TOKEN" in proc.stderr and "manifest.yml" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_request_log_line_names_ids_only() -> None:
    from bot.transport.logged_app import describe

    body = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1"},
            "actions": [{"action_id": "checkin_open", "value": "secret text"}],
            "token": "xoxb-should-not-appear"}
    fields = describe(body)
    assert fields == {"kind": "block_actions", "team": "T1", "user": "U1",
                      "what": "checkin_open"}
    assert "secret" not in str(fields) and "xoxb" not in str(fields)
    assert describe({"command": "/engagement", "team_id": "T2", "user_id": "U2"})["what"] \
        == "/engagement start"  # no text: the questionnaire
    assert describe({"command": "/engagement", "text": "history <@U9> secret"})["what"] \
        == "/engagement history"
    assert describe({"command": "/engagement", "text": "secret words"})["what"] \
        == "/engagement ?"


def test_matrix_shows_all_models_and_factors_one_section_each() -> None:
    from pathlib import Path

    from bot.views.recommendation import matrix_blocks
    from triage import assess, load_intake
    from triage.questions import FACTORS, MODELS

    example = Path(__file__).resolve().parents[2] / "examples" / "wants_hands_needs_owner.yaml"
    blocks = matrix_blocks(assess(load_intake(example.read_text())))
    models = [b for b in blocks if str(b.get("block_id", "")).startswith("matrix_model_")]
    assert len(models) == len(MODELS)
    for name in MODELS.values():
        assert sum(name in b["text"]["text"] for b in models) == 1
    for b in models:
        assert [f["text"].split("\n")[0] for f in b["fields"]] == list(FACTORS.values())


def _settings(**env: str):
    from bot.settings import Settings

    return Settings(_env_file=None, **env)


@pytest.mark.parametrize("env, process, missing", [
    # one workspace over HTTP
    ({}, "web", ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]),
    ({}, "worker", ["SLACK_BOT_TOKEN"]),
    ({"SLACK_BOT_TOKEN": "xoxb-1"}, "worker", []),
    # Socket Mode: no signing secret (the socket is the app's own)
    ({"SLACK_APP_TOKEN": "xapp-1"}, "web", ["SLACK_BOT_TOKEN"]),
    ({"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1"}, "web", []),
    # multi-workspace: the worker needs no bot token, only the stored installs and their key
    ({"SLACK_CLIENT_ID": "1.2"}, "worker", ["ENGAGEMENT_ENCRYPTION_KEY"]),
    ({"SLACK_CLIENT_ID": "1.2", "ENGAGEMENT_ENCRYPTION_KEY": "k"}, "worker", []),
    ({"SLACK_CLIENT_ID": "1.2", "ENGAGEMENT_ENCRYPTION_KEY": "k"}, "web",
     ["SLACK_CLIENT_SECRET", "SLACK_SIGNING_SECRET"]),
    ({"SLACK_CLIENT_SECRET": "s"}, "worker", ["SLACK_CLIENT_ID", "ENGAGEMENT_ENCRYPTION_KEY"]),
])
def test_each_process_needs_exactly_what_its_mode_needs(env: dict, process: str,
                                                         missing: list[str]) -> None:
    from bot.settings import Process

    assert _settings(**env).missing_for(Process(process)) == missing


def test_run_needs_what_web_and_worker_need() -> None:
    settings = _settings(SLACK_CLIENT_ID="1.2")
    assert settings.missing_for_run() == ["SLACK_CLIENT_SECRET", "SLACK_SIGNING_SECRET",
                                          "ENGAGEMENT_ENCRYPTION_KEY"]


@pytest.mark.parametrize("command, env, named", [
    ("worker", {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"},
     "ENGAGEMENT_ENCRYPTION_KEY"),
    ("serve", {"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN"),
    ("worker", {}, "SLACK_BOT_TOKEN"),
])
def test_a_process_missing_a_setting_names_it_and_its_mode(tmp_path: Path, command: str,
                                                          env: dict, named: str) -> None:
    exe = Path(sys.executable).with_name("engagement-bot")
    proc = subprocess.run([str(exe), command], cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **env},
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    first = proc.stderr.splitlines()[0]
    assert named in first and "missing ." not in first
    assert "Cannot start (" in first and "Traceback" not in proc.stderr


def test_secrets_never_show_in_a_repr_or_a_validation_error() -> None:
    import pydantic

    from bot.settings import Settings

    secrets = dict(SLACK_BOT_TOKEN="xoxb-very-secret", SLACK_SIGNING_SECRET="sign-secret",
                   SLACK_APP_TOKEN="xapp-secret", SLACK_CLIENT_SECRET="client-secret",
                   ENGAGEMENT_ENCRYPTION_KEY="fernet-secret")
    settings = Settings(_env_file=None, **secrets)
    shown = repr(settings) + str(settings) + str(settings.model_dump())
    assert not any(value in shown for value in secrets.values())
    assert settings.bot_token == "xoxb-very-secret" and settings.app_token == "xapp-secret"
    with pytest.raises(pydantic.ValidationError) as err:
        Settings(_env_file=None, PORT="not a port", **secrets)
    assert not any(value in str(err.value) for value in secrets.values())
    assert Settings(_env_file=None, SLACK_BOT_TOKEN="").bot_token is None
