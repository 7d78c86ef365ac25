"""Building and running the processes: web (HTTP or Socket Mode), worker, or both."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from dataclasses import dataclass
from typing import Any

from bot.deps import Deps
from bot.settings import Settings

log = logging.getLogger("bot")


def configure_logging(level: str, fmt: str = "text") -> None:
    from bot.transport.logs import formatter, quiet_bolt_verification

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(fmt))
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO),
                        handlers=[handler])
    quiet_bolt_verification()
    # slack_sdk logs request bodies (with tokens in headers) at DEBUG; keep it quiet.
    logging.getLogger("slack_sdk").setLevel(max(logging.INFO, logging.getLogger().level))
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)


def build_deps(settings: Settings, clock: Any = None) -> Deps:
    from bot.db.session import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    installations = states = None
    if settings.oauth:
        from bot.oauth import make_stores

        assert settings.slack_client_id and settings.encryption_key
        installations, states = make_stores(engine, client_id=settings.slack_client_id,
                                            encryption_key=settings.encryption_key)
    extra = {"clock": clock} if clock is not None else {}
    deps = Deps(settings=settings, sessions=make_session_factory(engine),
                installation_store=installations, state_store=states, **extra)
    if installations is not None:
        from bot.services import workspaces

        installations.on_save = lambda installation: workspaces.installed(deps, installation)
    return deps


WHERE_TO_FIND = {
    "SLACK_BOT_TOKEN": "OAuth & Permissions -> Bot User OAuth Token (xoxb-...)",
    "SLACK_SIGNING_SECRET": "Basic Information -> App Credentials -> Signing Secret",
    "SLACK_APP_TOKEN": "Basic Information -> App-Level Tokens, scope connections:write "
                       "(xapp-...)",
    "SLACK_CLIENT_ID": "Basic Information -> App Credentials -> Client ID",
    "SLACK_CLIENT_SECRET": "Basic Information -> App Credentials -> Client Secret",
    "ENGAGEMENT_ENCRYPTION_KEY": "a key you make once: python -c \"from cryptography.fernet "
                                 "import Fernet; print(Fernet.generate_key().decode())\" "
                                 "(the same on web and worker)",
}


def missing_tokens_message(settings: Settings, missing: list[str]) -> str:
    """What is missing for the mode the settings choose, and where each value comes from."""
    lines = [f"  {name:<26} {WHERE_TO_FIND[name]}" for name in missing]
    return (
        f"Cannot start ({settings.mode}): missing " + ", ".join(missing) + ".\n"
        "Create the Slack app from manifest.yml (https://api.slack.com/apps -> Create New App "
        "-> From a manifest), install it, then put these in the environment or .env (see "
        ".env.example):\n" + "\n".join(lines) + "\n"
        "Modes: SLACK_APP_TOKEN set = Socket Mode; SLACK_CLIENT_ID set = multi-workspace "
        "installs (OAuth); otherwise one workspace over HTTP."
    )


@dataclass
class Running:
    """Handles to stop what was started, in order."""

    stoppers: list[Any]

    def stop(self) -> None:
        for stop in reversed(self.stoppers):
            try:
                stop()
            except Exception:
                log.exception("error while stopping")


def start_scheduler(deps: Deps) -> Any:
    from bot.app import make_client
    from bot.scheduling.runner import SchedulerRunner

    client = make_client(deps.settings.slack_bot_token, deps, wait_on_rate_limit=False)
    runner = SchedulerRunner(deps, client)  # in OAuth mode it picks each team's token
    runner.start()
    return runner


def wait_for_signal() -> None:
    done = threading.Event()

    def _stop(signum: int, frame: Any) -> None:
        log.info("signal %s: shutting down", signum)
        done.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    # Python runs signal handlers in the main thread, between bytecodes: a signal the kernel
    # delivered to another thread does not wake a main thread blocked in Event.wait(), which
    # then waits for ever (seen: one SIGTERM in three). Wake up to let the handler run.
    while not done.wait(0.2):
        pass


def ready_check(deps: Deps) -> Any:
    from sqlalchemy import text

    def check() -> bool:
        try:
            with deps.sessions() as session:
                session.execute(text("SELECT 1"))
            return True
        except Exception:
            log.warning("readiness check: database unreachable")
            return False

    return check
