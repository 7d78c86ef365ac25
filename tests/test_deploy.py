"""The deploy files (Procfile, app.json, Dockerfile, compose.yaml) say what the bot can do.

No container can be built here (no Docker engine), so the Dockerfile is held to the pieces
CI does run: scripts/install.sh (the same install path, used by scripts/test.sh), the
Python version, the command and its health check, which runs against the real server.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.cli import build_parser
from bot.settings import Settings
from tests.support.harness import Bot

ROOT = Path(__file__).resolve().parents[1]
PYTHON = (ROOT / ".python-version").read_text().strip()
DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
APP_JSON = json.loads((ROOT / "app.json").read_text())


def procfile() -> dict[str, list[str]]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {kind: shlex.split(cmd) for kind, _, cmd in (ln.partition(": ") for ln in lines)}


def cli_args(command: list[str]) -> list[str]:
    """The engagement-bot arguments of a command, which must parse."""
    if command[:3] == ["python", "-m", "bot.cli"]:
        args = command[3:]
    else:
        assert command[0] == "engagement-bot", command
        args = command[1:]
    build_parser().parse_args(args)
    return args


def setting_names() -> set[str]:
    names = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        names.update(alias.choices if hasattr(alias, "choices") else [alias])
    return {str(n) for n in names}


def test_procfile_runs_release_web_and_worker() -> None:
    procs = procfile()
    assert {k: cli_args(v) for k, v in procs.items()} == {
        "release": ["db", "upgrade"], "web": ["serve"], "worker": ["worker"]}
    # a Heroku-style build installs requirements.txt only, not the package: the commands
    # run it from the source tree
    assert all(cmd[:3] == ["python", "-m", "bot.cli"] for cmd in procs.values())


def test_app_json_formation_addons_and_settings() -> None:
    assert set(APP_JSON["formation"]) == set(procfile()) - {"release"}
    assert any(str(a).startswith("heroku-postgresql") for a in APP_JSON["addons"])
    env = APP_JSON["env"]
    unknown = set(env) - setting_names()
    assert not unknown, f"app.json sets variables the bot does not read: {unknown}"
    assert all(spec["description"] for spec in env.values())
    assert env["SLACK_SIGNING_SECRET"]["required"] is True
    assert "SLACK_APP_TOKEN" not in env  # a web dyno serves HTTP, not Socket Mode


def test_dockerfile_builds_as_ci_installs() -> None:
    assert re.search(rf"^ARG PYTHON_VERSION={re.escape(PYTHON)}$", DOCKERFILE, re.M)
    froms = re.findall(r"^FROM (\S+)", DOCKERFILE, re.M)
    assert froms and all(f.startswith("python:${PYTHON_VERSION}-slim") for f in froms)
    installs = re.findall(r"^RUN bash scripts/install\.sh (.*)$", DOCKERFILE, re.M)
    assert installs and all("--lock \"$LOCK\"" in i for i in installs)
    assert re.search(r"^ARG LOCK=requirements\.txt$", DOCKERFILE, re.M)
    users = re.findall(r"^USER (\S+)", DOCKERFILE, re.M)
    assert users and users[-1] not in {"root", "0"}
    assert re.search(r'^CMD \["engagement-bot", "serve"\]$', DOCKERFILE, re.M)
    # .dockerignore sends nothing but what the build copies (no .env, no .venv, no .git)
    ignored = [ln for ln in (ROOT / ".dockerignore").read_text().splitlines()
               if ln.strip() and not ln.startswith("#")]
    assert ignored[0] == "*"
    for source, _ in _copies():
        assert any(ROOT.glob(source)), f"the Dockerfile copies {source}, which is not here"
        assert {f"!{source}", f"!{source}/"} & set(ignored), f".dockerignore drops {source}"


def _copies() -> list[tuple[str, str]]:
    """(source, destination) of the build stage's COPY lines, in order."""
    return [(src, dest) for *sources, dest in
            (line.split()[1:] for line in DOCKERFILE.splitlines()
             if line.startswith("COPY ") and "--from" not in line) for src in sources]


def _procfile_release_runs_from_source(venv: Path, tmp_path: Path) -> None:
    """requirements.txt installed, the package not: the Procfile's release runs from the
    source tree (the platform's working directory)."""
    release = procfile()["release"]
    env = {"PATH": f"{venv}/bin:/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/h.db"}
    done = subprocess.run([f"{venv}/bin/{release[0]}", *release[1:]], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "up to date" in done.stdout, done.stderr


@pytest.mark.slow
def test_image_build_steps_run_here_without_docker(tmp_path: Path) -> None:
    """The build stage's COPY and RUN lines, run here into a fresh venv: what the image
    gets from them installs, migrates a database and runs without matplotlib or anything
    of the test extra. Halfway (the lock installed, not the package) the venv is what a
    Heroku-style build makes of requirements.txt, and the Procfile's release runs on it."""
    src, venv = tmp_path / "src", tmp_path / "venv"
    build = DOCKERFILE.split("\nFROM ")[1]
    assert "WORKDIR /src" in build
    src.mkdir()
    for line in build.splitlines():
        if line.startswith("COPY "):
            *sources, dest = line.split()[1:]
            for source in sources:
                for path in ROOT.glob(source):
                    target = src / dest / path.name if dest.endswith("/") else src / dest
                    if path.is_dir():
                        shutil.copytree(path, target, ignore=shutil.ignore_patterns(
                            "__pycache__"))
                    else:
                        target.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(path, target)
        elif line.startswith("RUN "):
            command = line[4:].replace("/opt/venv", str(venv)).replace('"$LOCK"',
                                                                         "requirements.txt")
            command = re.sub(r"^python ", f"{shlex.quote(sys.executable)} ", command)
            subprocess.run(["bash", "-c", command], cwd=src, check=True, timeout=600)
            if "--no-project" in command:  # what a Heroku-style build installs, no more:
                _procfile_release_runs_from_source(venv, tmp_path)
    env = {"PATH": f"{venv}/bin:/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    done = subprocess.run(["engagement-bot", "db", "upgrade"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "up to date" in done.stdout, done.stderr
    check = ("import importlib.util as u; import bot.app, bot.cli, bot.views.charts as c; "
             "assert not c.available(); assert u.find_spec('pytest') is None")
    subprocess.run([f"{venv}/bin/python", "-c", check], env=env, cwd=tmp_path, check=True,
                   timeout=120)


def _healthcheck() -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)  # continuation lines joined
    cmd = re.search(r"^HEALTHCHECK .*?CMD (\[.*\])$", joined, re.M)
    assert cmd, "no HEALTHCHECK ... CMD [...]"
    argv = json.loads(cmd[1])
    assert "/healthz" in argv[-1]
    return argv


def test_dockerfile_healthcheck_asks_the_real_server(bot: Bot) -> None:
    argv = _healthcheck()
    assert argv[0] == "python"
    env = {"PORT": str(bot.server.port), "PATH": "/usr/bin:/bin"}
    ok = subprocess.run([sys.executable, *argv[1:]], env=env, timeout=30, capture_output=True)
    assert ok.returncode == 0, ok.stderr
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        env["PORT"] = str(s.getsockname()[1])
    down = subprocess.run([sys.executable, *argv[1:]], env=env, timeout=30, capture_output=True)
    assert down.returncode != 0


def test_compose_release_then_web_and_worker_on_postgres() -> None:
    services = COMPOSE["services"]
    assert set(services) == {"db", "release", "web", "worker"}
    assert services["db"]["image"].startswith("postgres:")
    assert "healthcheck" in services["db"]
    release = services["release"]
    assert cli_args(release["command"]) == ["db", "upgrade"]
    assert release["restart"] == "no"
    assert release["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert cli_args(services["web"]["command"]) == ["serve"]
    assert cli_args(services["worker"]["command"]) == ["worker"]
    for name in ("release", "web", "worker"):
        svc = services[name]
        assert svc["build"] == "."
        assert svc["environment"]["DATABASE_URL"].startswith("postgresql://")
        assert "@db:5432/" in svc["environment"]["DATABASE_URL"]
        if name != "release":
            assert svc["depends_on"] == {
                "release": {"condition": "service_completed_successfully"}}
    assert services["web"]["ports"] == ["${PORT:-3000}:3000"]
