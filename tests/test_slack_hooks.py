"""`slack run` support: the Slack CLI's hooks (.slack/hooks.json), run as the CLI runs them."""

from __future__ import annotations

import importlib.util
import json
import shlex
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HOOKS = json.loads((ROOT / ".slack" / "hooks.json").read_text())


def _hook(name: str, *args: str) -> str:
    """Run a hook's command from .slack/hooks.json in the project directory, as the CLI
    does (with this interpreter for python3)."""
    cmd = shlex.split(HOOKS["hooks"][name])
    assert cmd[0] == "python3"
    done = subprocess.run([sys.executable, *cmd[1:], *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    return done.stdout


def _script() -> ModuleType:
    path = ROOT / "scripts" / "slack_hooks.py"
    spec = importlib.util.spec_from_file_location("slack_hooks", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_get_manifest_prints_manifest_yml_as_json() -> None:
    expected = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert json.loads(_hook("get-manifest")) == expected


def test_get_manifest_speaks_the_message_boundary_protocol() -> None:
    out = _hook("get-manifest", "--protocol", "message-boundaries", "--boundary", "b0und4ry")
    assert out.startswith("b0und4ry") and out.rstrip("\n").endswith("b0und4ry")
    body = out.rstrip("\n").removeprefix("b0und4ry").removesuffix("b0und4ry")
    assert json.loads(body) == yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_hooks_json_points_at_what_exists() -> None:
    for name, command in HOOKS["hooks"].items():
        cmd = shlex.split(command)
        if cmd[1] == "-m":
            assert importlib.util.find_spec(cmd[2]) is not None, f"{name}: no module {cmd[2]}"
        else:
            assert (ROOT / cmd[1]).is_file(), f"{name}: no file {cmd[1]}"
    config = HOOKS["config"]
    assert config["sdk-managed-connection-enabled"] is True  # the bot runs Socket Mode itself
    for path in config["watch"]["manifest"]["paths"] + config["watch"]["app"]["paths"]:
        assert (ROOT / path).exists(), path
    # the local app the CLI creates from the manifest must connect over Socket Mode
    assert yaml.safe_load((ROOT / "manifest.yml").read_text())["settings"][
        "socket_mode_enabled"] is True


def test_get_hooks_answers_the_cli() -> None:
    payload = json.loads(_hook("get-hooks"))
    assert {"get-manifest", "start"} <= set(payload["hooks"])  # ours in hooks.json win
    assert "message-boundaries" in payload["config"]["protocol-version"]


def test_start_runs_the_bot_with_the_clis_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.cli

    seen: dict[str, object] = {}

    def fake_main(argv: list[str]) -> int:
        import os

        seen.update(argv=argv, bot=os.environ.get("SLACK_BOT_TOKEN"),
                    app=os.environ.get("SLACK_APP_TOKEN"))
        return 0

    monkeypatch.setattr(bot.cli, "main", fake_main)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-shell")
    # set then delete: monkeypatch then restores it to unset after the hook wrote it
    monkeypatch.setenv("SLACK_APP_TOKEN", "")
    monkeypatch.delenv("SLACK_APP_TOKEN")
    monkeypatch.setenv("SLACK_CLI_XOXB", "xoxb-local-app")
    monkeypatch.setenv("SLACK_CLI_XAPP", "xapp-local-app")
    hooks = _script()
    assert hooks.main(["slack_hooks.py", "start", "--protocol", "message-boundaries",
                       "--boundary", "b"]) == 0
    assert seen == {"argv": ["run"], "bot": "xoxb-local-app", "app": "xapp-local-app"}


def test_start_without_tokens_says_so(monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("SLACK_CLI_XOXB", "SLACK_CLI_XAPP", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    assert _script().main(["slack_hooks.py", "start"]) == 2
    assert "SLACK_BOT_TOKEN or SLACK_APP_TOKEN" in capsys.readouterr().err
