"""The ``engagement-bot`` command line.

Every subcommand's ``--help`` says what it does and which settings it reads (``READS``).
Before a process starts serving, it checks what it depends on and, when something is off,
says so in one line and exits 2, never with a traceback (``StartupProblem``): a database
that is not migrated (run ``engagement-bot db upgrade``), one it cannot reach, a Slack it
cannot reach, a token Slack refuses, a port already taken.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
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


# The checks' own Slack client says nothing: what went wrong is told once, in one line.
_QUIET = logging.getLogger("bot.cli.checks")
_QUIET.setLevel(logging.CRITICAL + 1)
_QUIET.propagate = False


class StartupProblem(Exception):
    """Why the command cannot start, in one line for the person running it."""


def _safe_url(url: str) -> str:
    """A database URL fit for a message: no password."""
    try:
        from sqlalchemy.engine import make_url

        from bot.db.session import normalize_url

        return make_url(normalize_url(url)).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL: say only its scheme
        return url.split(":", 1)[0] + "://…"


def check_database(url: str) -> None:
    """The database is reachable and at the newest migration; else a ``StartupProblem``."""
    from sqlalchemy.exc import SQLAlchemyError

    alembic_log = logging.getLogger("alembic")
    level = alembic_log.level
    alembic_log.setLevel(max(level, logging.WARNING))  # a check, not a migration: quiet
    try:
        from bot.db import migrate

        current = migrate.current(url)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
        raise StartupProblem(f"cannot reach the database at {_safe_url(url)} ({reason}): "
                             "check DATABASE_URL and that the database is running.") from None
    finally:
        alembic_log.setLevel(level)
    from alembic.script import ScriptDirectory

    from bot.db import migrate

    head = migrate.head()
    if current == head:
        return
    known = {rev.revision for rev in
             ScriptDirectory.from_config(migrate.config(url)).walk_revisions()}
    if current is None or current in known:
        state = "has no tables yet" if current is None else f"is at revision {current}"
        raise StartupProblem(f"the database at {_safe_url(url)} {state}; this version needs "
                             f"{head}. Run `engagement-bot db upgrade` first.")
    raise StartupProblem(f"the database at {_safe_url(url)} is at revision {current}, which "
                         "this version does not know: a newer version migrated it. Run that "
                         "version, or restore a backup.")


def check_slack(settings: Settings) -> None:
    """Slack answers at SLACK_API_URL and accepts the bot token (when there is one: in
    multi-workspace mode each install brings its own); else a ``StartupProblem``."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    if not settings.bot_token or settings.oauth:
        return
    client = WebClient(token=settings.bot_token, base_url=settings.slack_api_url,
                       timeout=max(1, int(settings.slack_timeout_seconds)), logger=_QUIET)
    try:
        client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else "refused"
        raise StartupProblem(
            f"Slack refused SLACK_BOT_TOKEN ({error}): check it is the Bot User OAuth Token "
            "(xoxb-...) under OAuth & Permissions, and that the app is still installed in "
            "the workspace.") from None
    except OSError as exc:  # URLError, a timeout, a refused or reset connection
        reason = getattr(exc, "reason", None) or exc
        raise StartupProblem(f"cannot reach Slack at {settings.slack_api_url} ({reason}): "
                             "check the network (and a proxy, if any), or SLACK_API_URL.") \
            from None


ADDRESS_IN_USE = (98, 48, 10048)  # EADDRINUSE on Linux, macOS, Windows


@contextlib.contextmanager
def _port_taken(settings: Settings) -> Iterator[None]:
    """A port another process holds, as one line (the HTTP front binds it)."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in ADDRESS_IN_USE:
            raise
        raise StartupProblem(f"cannot listen on {settings.host}:{settings.port} "
                             f"({exc.strerror or exc}): another process has it; set PORT or "
                             "HOST.") from None


@contextlib.contextmanager
def _starting(settings: Settings) -> Iterator[None]:
    """What Bolt or the Socket Mode client raise while starting, after the checks above
    (a refused app token, Slack gone meanwhile), as one line."""
    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError

    try:
        yield
    except (BoltError, SlackApiError) as exc:
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else "refused"
        raise StartupProblem(f"Slack refused the app's tokens ({detail}): check "
                             "SLACK_BOT_TOKEN and SLACK_APP_TOKEN.") from None
    except OSError as exc:  # URLError, a timeout, a refused or reset connection
        reason = getattr(exc, "reason", None) or exc.strerror or exc
        raise StartupProblem(f"cannot reach Slack at {settings.slack_api_url} ({reason}): "
                             "check the network, or SLACK_API_URL.") from None


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


def watch_backlog(deps: Deps) -> None:
    """Report the queue's backlog (``engagement_jobs_due``...) on this process's scrapes."""
    from prometheus_client import REGISTRY

    from bot.db import queue
    from bot.scheduling.metrics import BacklogCollector

    def read(now: Any) -> Any:
        with deps.sessions() as session:
            return queue.backlog(session, now)

    REGISTRY.register(BacklogCollector(read, deps.clock))


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
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db.migrate import upgrade

    settings = _settings()
    try:
        upgrade(settings.database_url)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
        raise StartupProblem(f"cannot migrate the database at {_safe_url(settings.database_url)}"
                             f" ({reason}): check DATABASE_URL.") from None
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
    if with_scheduler and settings.database_url.startswith("sqlite"):
        from bot.db.migrate import upgrade

        upgrade(settings.database_url)  # the embedded default migrates itself
    check_database(settings.database_url)
    check_slack(settings)
    if not with_scheduler and not settings.socket_mode:
        from bot.transport.serving import serve_http

        with _port_taken(settings):
            return serve_http(settings)  # worker processes, each building its own app
    from bot.app import create_app

    stoppers: list[Any] = []
    running = Running(stoppers)
    try:
        with _starting(settings):
            deps = _build_deps(settings)
            app = create_app(deps)
            if with_scheduler:
                watch_backlog(deps)  # (single process: on the web port's /metrics)
                stoppers.append(start_scheduler(deps).stop)
        if settings.socket_mode:
            from bot.transport.socket_mode import DrainingSocketModeHandler

            handler = DrainingSocketModeHandler(app, settings.app_token)
            log.info("connecting to Slack in Socket Mode")
            with _starting(settings):
                handler.connect()  # type: ignore[no-untyped-call]  # unannotated in slack_bolt
            wait_for_signal()
            handler.close()
        else:
            from bot.transport.serving import run_http

            with _port_taken(settings):
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
    check_database(settings.database_url)
    check_slack(settings)
    deps = _build_deps(settings)
    if settings.metrics_port is not None:
        from bot.transport.metrics import serve_metrics

        watch_backlog(deps)
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
    check_database(settings.database_url)
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
    check_database(settings.database_url)
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
    settings = _settings()
    check_database(settings.database_url)
    counts = purge_team(_build_deps(settings), args.team)
    print("deleted: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


# What each subcommand reads from the environment (or .env in the working directory).
SLACK_APP = ("SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET (HTTP), SLACK_APP_TOKEN (Socket Mode), "
             "SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_SCOPES and ENGAGEMENT_ENCRYPTION_KEY "
             "(multi-workspace), SLACK_API_URL, SLACK_TIMEOUT_SECONDS")
WEB = ("HOST, PORT, WEB_THREADS, WEB_HEADER_TIMEOUT, WEB_BODY_TIMEOUT, WEB_KEEPALIVE, "
       "WEB_MAX_CONNECTIONS, WEB_BACKLOG, WEB_GRACEFUL_TIMEOUT, WEB_ACK_WAIT")
INTAKE = "ENGAGEMENT_CHECKIN_OFFSETS, HEALTH_MIN_RESPONSES, HEALTH_WINDOW"
SCHEDULER = ("ENGAGEMENT_CHECKIN_OFFSETS, ENGAGEMENT_NUDGE_AFTER, ENGAGEMENT_MISS_AFTER, "
             "ENGAGEMENT_SCHEDULER_INTERVAL, ENGAGEMENT_WORKER_THREADS, ENGAGEMENT_JOB_LEASE, "
             "ENGAGEMENT_LEADER_LEASE, ENGAGEMENT_WORKSPACE_POSTS_PER_MINUTE, "
             "HEALTH_MIN_RESPONSES, HEALTH_WINDOW, HEALTH_COUNT_EVERY, "
             "ENGAGEMENT_KEEP_FINISHED_JOBS, ENGAGEMENT_KEEP_FAILED_JOBS, "
             "ENGAGEMENT_KEEP_REQUEST_KEYS, ENGAGEMENT_PURGE_UNINSTALLED_AFTER")
LOGS = "LOG_LEVEL, LOG_FORMAT, SENTRY_DSN"
READS: dict[str, str] = {
    "triage": "no settings: only the answers file",
    "run": f"{SLACK_APP}, DATABASE_URL, {WEB}, {SCHEDULER}, {LOGS}",
    "serve": (f"{SLACK_APP}, DATABASE_URL, {WEB}, WEB_CONCURRENCY, WEB_WORKER_TIMEOUT, "
              f"{INTAKE}, {LOGS}"),
    "worker": ("SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and ENGAGEMENT_ENCRYPTION_KEY, "
               f"multi-workspace), SLACK_API_URL, SLACK_TIMEOUT_SECONDS, DATABASE_URL, "
               f"{SCHEDULER}, ENGAGEMENT_METRICS_PORT, HOST, {LOGS}"),
    "export": "DATABASE_URL",
    "purge": "DATABASE_URL",
    "rotate-keys": "DATABASE_URL, ENGAGEMENT_ENCRYPTION_KEY",
    "db upgrade": "DATABASE_URL",
}
STARTS = ("Before it starts it checks that the database is migrated and that Slack accepts "
          "the token; if not, it says what to fix in one line and exits 2.")


def _sub(sub: Any, name: str, summary: str, what: str, reads_key: str | None = None
         ) -> argparse.ArgumentParser:
    reads = READS[reads_key or name]
    p: argparse.ArgumentParser = sub.add_parser(
        name, help=summary, description=f"{what}\n\nReads: {reads}.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="engagement-bot",
        description="Engagement triage: find the real bottleneck before buying outside help. "
                    "Settings come from the environment or a .env file in the working "
                    "directory (see .env.example); each command's --help lists the ones it "
                    "reads.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = _sub(sub, "triage", "assess an answers file (YAML or JSON; '-' reads stdin)",
             "Assess an answers file and print the verdict: in words, or with --json as one "
             "JSON object (the contract in shared/spec/intake.md). Exits 2 naming every bad "
             "answer and what it allows.")
    p.add_argument("file", metavar="ANSWERS_FILE")
    p.add_argument("--json", action="store_true", help="print the assessment as one JSON object")
    p.set_defaults(func=_triage)

    p = _sub(sub, "run", "run the bot and its scheduler in one process",
             "Run the bot (HTTP, or Socket Mode when SLACK_APP_TOKEN is set) and its scheduler "
             "(check-ins, health checks) in one process. Migrates an SQLite database by "
             f"itself; any other must be migrated with `engagement-bot db upgrade`. {STARTS}")
    p.set_defaults(func=lambda a: _serve(a, with_scheduler=True))
    p = _sub(sub, "serve", "run the web side only (HTTP or Socket Mode), no scheduler",
             "Answer Slack's requests (HTTP on HOST:PORT, or Socket Mode when SLACK_APP_TOKEN "
             "is set) without the scheduler: run `engagement-bot worker` beside it. "
             f"{STARTS}")
    p.set_defaults(func=lambda a: _serve(a, with_scheduler=False))
    p = _sub(sub, "worker", "run the scheduler alone (follow-ups, health checks)",
             "Post what falls due (check-ins, nudges, health checks) without answering "
             "Slack's requests. Several workers may run; one leads at a time. " + STARTS)
    p.set_defaults(func=_worker)

    p = _sub(sub, "export", "export a workspace's assessments and follow-ups",
             "Write one workspace's assessments and their check-ins as CSV or JSON, to stdout "
             "or --out.")
    p.add_argument("--team", required=True, help="Slack team id (T...)")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("--out", help="file to write (default: stdout)")
    p.set_defaults(func=_export)

    p = _sub(sub, "purge", "delete all data of one workspace (on its request)",
             "Delete every assessment, check-in, health check and job of one workspace. Asks "
             "for --yes first; cannot be undone.")
    p.add_argument("--team", required=True, help="Slack team id (T...)")
    p.add_argument("--yes", action="store_true", help="really delete")
    p.set_defaults(func=_purge)

    p = _sub(sub, "rotate-keys", "re-encrypt every stored token with the first key "
             "of ENGAGEMENT_ENCRYPTION_KEY (then the old keys can go)",
             "Re-encrypt every stored workspace token with the first key of "
             "ENGAGEMENT_ENCRYPTION_KEY; once done, the older keys after it can be removed.")
    p.set_defaults(func=_rotate_keys)

    p = sub.add_parser("db", help="database commands",
                       description="Database commands. Reads: DATABASE_URL.")
    db_sub = p.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    d = _sub(db_sub, "upgrade", "apply all migrations",
             "Bring the database up to this version's schema. Safe to run again, and from "
             "two processes at once.", "db upgrade")
    d.set_defaults(func=_db_upgrade)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except StartupProblem as problem:
        print(f"engagement-bot {args.command}: {problem}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
