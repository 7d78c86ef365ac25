"""The ``engagement-bot`` command line."""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import ValidationError

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger("bot")


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
    from bot import runtime
    from bot.settings import Process

    settings = _settings()
    runtime.configure_logging(settings.log_level, settings.log_format)
    processes = (Process.WEB, Process.WORKER) if with_scheduler else (Process.WEB,)
    missing = settings.missing_for(*processes)
    if missing:
        print(runtime.missing_tokens_message(settings, missing), file=sys.stderr)
        return 2
    if not with_scheduler and not settings.socket_mode:
        from bot.transport.serving import serve_http

        return serve_http(settings)  # worker processes, each building its own app
    if with_scheduler and settings.database_url.startswith("sqlite"):
        from bot.db.migrate import upgrade

        upgrade(settings.database_url)  # the embedded default migrates itself
    from bot.app import create_app

    deps = runtime.build_deps(settings)
    app = create_app(deps)
    stoppers = []
    if with_scheduler:
        stoppers.append(runtime.start_scheduler(deps).stop)
    running = runtime.Running(stoppers)
    try:
        if settings.socket_mode:
            from bot.socket_mode import DrainingSocketModeHandler

            handler = DrainingSocketModeHandler(app, settings.slack_app_token)
            log.info("connecting to Slack in Socket Mode")
            handler.connect()  # type: ignore[no-untyped-call]  # unannotated in slack_bolt
            runtime.wait_for_signal()
            handler.close()
        else:
            from bot.transport.serving import run_http

            run_http(settings, app, deps)  # until SIGTERM/SIGINT, then a graceful stop
    finally:
        running.stop()
    return 0


def _worker(args: argparse.Namespace) -> int:
    from bot import runtime
    from bot.settings import Process

    settings = _settings()
    runtime.configure_logging(settings.log_level, settings.log_format)
    missing = settings.missing_for(Process.WORKER)
    if missing:
        print(runtime.missing_tokens_message(settings, missing), file=sys.stderr)
        return 2
    deps = runtime.build_deps(settings)
    if settings.metrics_port is not None:
        from bot.transport.metrics import serve_metrics

        serve_metrics(settings.metrics_port, settings.host)
        log.info("metrics on http://%s:%s/metrics", settings.host, settings.metrics_port)
    runner = runtime.start_scheduler(deps)
    # what start-up allocated lives as long as the process: keep it out of the cyclic
    # collector's full passes, which otherwise stall every thread (posts in flight
    # included) for tens of milliseconds each
    gc.freeze()
    try:
        runtime.wait_for_signal()
    finally:
        runner.stop()
    return 0


def _export(args: argparse.Namespace) -> int:
    from bot import runtime
    from bot.services.history import export

    settings = _settings()
    text = export(runtime.build_deps(settings), team_id=args.team, fmt=args.format)
    if args.out:
        with open(args.out, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 0


def _purge(args: argparse.Namespace) -> int:
    from bot import runtime
    from bot.services.workspaces import purge_team

    if not args.yes:
        print(f"This deletes every assessment, check-in and health check of {args.team}. "
              "Run again with --yes to do it.", file=sys.stderr)
        return 2
    counts = purge_team(runtime.build_deps(_settings()), args.team)
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
