"""The ``engagement-bot`` command line."""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

if TYPE_CHECKING:
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


def _build_deps(settings: Settings) -> Deps:
    from bot.deps import build_deps

    return build_deps(settings)


def start_scheduler(deps: Deps) -> Any:
    from bot.scheduling.runner import SchedulerRunner
    from bot.services import housekeeping
    from bot.transport.client import make_client

    housekeeping.schedule(deps)  # the daily purge: one job waiting, whoever starts first
    client = make_client(deps.settings.bot_token, deps, wait_on_rate_limit=False)
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


def _settings() -> Settings:
    from bot.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        lines = [
            f"  {'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        ]
        print("Invalid configuration:\n" + "\n".join(lines), file=sys.stderr)
        raise SystemExit(2) from None


def _triage(args: argparse.Namespace) -> int:
    from triage.cli import run

    return run(args.file, as_json=args.json)


def _db_upgrade(args: argparse.Namespace) -> int:
    from bot.db.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    print("database is up to date")
    return 0


def _serve(args: argparse.Namespace, *, with_scheduler: bool) -> int:
    from bot.settings import Process

    settings = _settings()
    configure_logging(settings.log_level, settings.log_format)
    processes = (Process.WEB, Process.WORKER) if with_scheduler else (Process.WEB,)
    missing = settings.missing_for(*processes)
    if missing:
        print(missing_tokens_message(settings, missing), file=sys.stderr)
        return 2
    if not with_scheduler and not settings.socket_mode:
        from bot.transport.serving import serve_http

        return serve_http(settings)  # worker processes, each building its own app
    if with_scheduler and settings.database_url.startswith("sqlite"):
        from bot.db.migrate import upgrade

        upgrade(settings.database_url)  # the embedded default migrates itself
    from bot.app import create_app

    deps = _build_deps(settings)
    app = create_app(deps)
    stoppers = []
    if with_scheduler:
        stoppers.append(start_scheduler(deps).stop)
    running = Running(stoppers)
    try:
        if settings.socket_mode:
            from bot.transport.socket_mode import DrainingSocketModeHandler

            handler = DrainingSocketModeHandler(app, settings.app_token)
            log.info("connecting to Slack in Socket Mode")
            handler.connect()  # type: ignore[no-untyped-call]  # unannotated in slack_bolt
            wait_for_signal()
            handler.close()
        else:
            from bot.transport.serving import run_http

            run_http(settings, app, deps)  # until SIGTERM/SIGINT, then a graceful stop
    finally:
        running.stop()
    return 0


def _worker(args: argparse.Namespace) -> int:
    from bot.settings import Process

    settings = _settings()
    configure_logging(settings.log_level, settings.log_format)
    missing = settings.missing_for(Process.WORKER)
    if missing:
        print(missing_tokens_message(settings, missing), file=sys.stderr)
        return 2
    deps = _build_deps(settings)
    if settings.metrics_port is not None:
        from bot.transport.metrics import serve_metrics

        serve_metrics(settings.metrics_port, settings.host)
        log.info("metrics on http://%s:%s/metrics", settings.host, settings.metrics_port)
    runner = start_scheduler(deps)
    # what start-up allocated lives as long as the process: keep it out of the cyclic
    # collector's full passes, which otherwise stall every thread (posts in flight
    # included) for tens of milliseconds each
    gc.freeze()
    try:
        wait_for_signal()
    finally:
        runner.stop()
    return 0


def _export(args: argparse.Namespace) -> int:
    from bot.services.history import export

    settings = _settings()
    text = export(_build_deps(settings), team_id=args.team, fmt=args.format)
    if args.out:
        with open(args.out, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 0


def _rotate_keys(args: argparse.Namespace) -> int:
    from cryptography.fernet import InvalidToken

    from bot.db.session import make_engine
    from bot.transport.oauth import rotate_keys

    settings = _settings()
    if not settings.encryption_keys:
        print("Cannot rotate: ENGAGEMENT_ENCRYPTION_KEY is not set (the new key first, then "
              "the old ones, comma-separated).", file=sys.stderr)
        return 2
    try:
        counts = rotate_keys(make_engine(settings.database_url),
                             settings.encryption_keys)
    except InvalidToken:
        print("Cannot rotate: a stored token does not decrypt with any key in "
              "ENGAGEMENT_ENCRYPTION_KEY. Add the key it was encrypted with; nothing was "
              "changed.", file=sys.stderr)
        return 2
    print("re-encrypted with the first key: " + ", ".join(f"{k} {v}" for k, v in
                                                         counts.items()))
    return 0


def _purge(args: argparse.Namespace) -> int:
    from bot.services.workspaces import purge_team

    if not args.yes:
        print(f"This deletes every assessment, check-in and health check of {args.team}. "
              "Run again with --yes to do it.", file=sys.stderr)
        return 2
    counts = purge_team(_build_deps(_settings()), args.team)
    print("deleted: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="engagement-bot",
        description="Engagement triage: find the real bottleneck before buying outside help.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("triage", help="assess an answers file (YAML or JSON; '-' reads stdin)")
    p.add_argument("file", metavar="ANSWERS_FILE")
    p.add_argument("--json", action="store_true", help="print the assessment as one JSON object")
    p.set_defaults(func=_triage)

    p = sub.add_parser("run", help="run the bot and its scheduler in one process")
    p.set_defaults(func=lambda a: _serve(a, with_scheduler=True))
    p = sub.add_parser("serve", help="run the web side only (HTTP or Socket Mode), no scheduler")
    p.set_defaults(func=lambda a: _serve(a, with_scheduler=False))
    p = sub.add_parser("worker", help="run the scheduler alone (follow-ups, health checks)")
    p.set_defaults(func=_worker)

    p = sub.add_parser("export", help="export a workspace's assessments and follow-ups")
    p.add_argument("--team", required=True, help="Slack team id (T...)")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("--out", help="file to write (default: stdout)")
    p.set_defaults(func=_export)

    p = sub.add_parser("purge", help="delete all data of one workspace (on its request)")
    p.add_argument("--team", required=True, help="Slack team id (T...)")
    p.add_argument("--yes", action="store_true", help="really delete")
    p.set_defaults(func=_purge)

    p = sub.add_parser("rotate-keys", help="re-encrypt every stored token with the first key "
                       "of ENGAGEMENT_ENCRYPTION_KEY (then the old keys can go)")
    p.set_defaults(func=_rotate_keys)

    p = sub.add_parser("db", help="database commands")
    db_sub = p.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    d = db_sub.add_parser("upgrade", help="apply all migrations")
    d.set_defaults(func=_db_upgrade)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
