"""Settings from the environment (and a ``.env`` file). ``.env.example`` documents each one."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.timing.durations import DurationError, parse_duration, parse_durations

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class Mode(StrEnum):
    SINGLE = "single workspace over HTTP"
    SOCKET = "Socket Mode"
    OAUTH = "multi-workspace (OAuth)"


class Process(StrEnum):
    WEB = "web"  # serve: answers Slack's requests
    WORKER = "worker"  # the scheduler: posts what is due


NEEDS: dict[Mode, dict[Process, tuple[str, ...]]] = {
    Mode.SINGLE: {Process.WEB: ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"),
                  Process.WORKER: ("SLACK_BOT_TOKEN",)},
    Mode.SOCKET: {Process.WEB: ("SLACK_APP_TOKEN", "SLACK_BOT_TOKEN"),
                  Process.WORKER: ("SLACK_BOT_TOKEN",)},
    Mode.OAUTH: {Process.WEB: ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_SIGNING_SECRET",
                               "ENGAGEMENT_ENCRYPTION_KEY"),
                 Process.WORKER: ("SLACK_CLIENT_ID", "ENGAGEMENT_ENCRYPTION_KEY")},
}
SETTING_OF = {"SLACK_BOT_TOKEN": "slack_bot_token", "SLACK_SIGNING_SECRET": "slack_signing_secret",
              "SLACK_APP_TOKEN": "slack_app_token", "SLACK_CLIENT_ID": "slack_client_id",
              "SLACK_CLIENT_SECRET": "slack_client_secret",
              "ENGAGEMENT_ENCRYPTION_KEY": "encryption_key"}
DEFAULT_DATABASE_URL = "sqlite:///./engagement.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    # Slack credentials
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None,
                                                   validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_client_id: str | None = Field(default=None, validation_alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(default=None,
                                            validation_alias="SLACK_CLIENT_SECRET")
    slack_scopes: str = Field(
        default="commands,chat:write,channels:join,channels:history,groups:history,"
                "channels:read,groups:read,im:write,users:read,files:write",
        validation_alias="SLACK_SCOPES")
    encryption_key: SecretStr | None = Field(default=None,
                                             validation_alias="ENGAGEMENT_ENCRYPTION_KEY")
    slack_api_url: str = Field(default=DEFAULT_SLACK_API_URL, validation_alias="SLACK_API_URL")
    slack_timeout_seconds: float = Field(default=10.0, validation_alias="SLACK_TIMEOUT_SECONDS")

    # Storage
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("DATABASE_URL", "ENGAGEMENT_DATABASE_URL"),
    )

    # HTTP server
    host: str = Field(default="0.0.0.0", validation_alias="HOST")
    port: int = Field(default=3000, ge=0, le=65535, validation_alias="PORT")
    # threads per web worker for requests that may wait (readiness, OAuth pages, and every
    # Slack request in OAuth mode, whose token Bolt checks with Slack before the ack)
    web_threads: int = Field(default=16, ge=1, le=256, validation_alias="WEB_THREADS")
    # worker processes of `serve` (0: one per CPU)
    web_concurrency: int = Field(default=0, ge=0, le=256, validation_alias="WEB_CONCURRENCY")
    # slow clients: how long a request's headers, then its body, may take to arrive
    web_header_timeout: float = Field(default=5.0, gt=0, validation_alias="WEB_HEADER_TIMEOUT")
    web_body_timeout: float = Field(default=10.0, gt=0, validation_alias="WEB_BODY_TIMEOUT")
    web_keepalive: float = Field(default=5.0, gt=0, validation_alias="WEB_KEEPALIVE")
    # open connections per worker before new ones get 503 (far above Slack's concurrency)
    web_max_connections: int = Field(default=4096, ge=16, validation_alias="WEB_MAX_CONNECTIONS")
    web_backlog: int = Field(default=2048, ge=16, validation_alias="WEB_BACKLOG")
    # SIGTERM: how long requests in flight and the work after their acks may take
    web_graceful_timeout: float = Field(default=20.0, gt=0,
                                        validation_alias="WEB_GRACEFUL_TIMEOUT")
    # the ack of a command that opens a modal waits for that views.open this long at most
    # (0: ack first); see bot.transport.web
    web_ack_wait: float = Field(default=1.0, ge=0, le=2.0, validation_alias="WEB_ACK_WAIT")
    # a worker whose event loop stalls this long is replaced (gunicorn's heartbeat)
    web_worker_timeout: int = Field(default=30, ge=2, validation_alias="WEB_WORKER_TIMEOUT")

    # Follow-ups
    checkin_offsets: Annotated[list[timedelta], NoDecode] = Field(
        default_factory=lambda: [timedelta(days=14), timedelta(days=42)],
        validation_alias="ENGAGEMENT_CHECKIN_OFFSETS",
    )
    nudge_after: Annotated[timedelta, NoDecode] = Field(
        default=timedelta(days=2), validation_alias="ENGAGEMENT_NUDGE_AFTER"
    )
    miss_after: Annotated[timedelta, NoDecode] = Field(
        default=timedelta(days=5), validation_alias="ENGAGEMENT_MISS_AFTER"
    )
    scheduler_interval_seconds: float = Field(
        default=5.0, gt=0, validation_alias="ENGAGEMENT_SCHEDULER_INTERVAL"
    )
    worker_threads: int = Field(default=8, ge=1, le=128,
                                validation_alias="ENGAGEMENT_WORKER_THREADS")
    job_lease: Annotated[timedelta, NoDecode] = Field(
        default=timedelta(minutes=2), validation_alias="ENGAGEMENT_JOB_LEASE"
    )
    # how long a scheduler worker may go unseen (no heartbeat) before the others take its
    # shards even though its process or lock looks alive (hung); a dead one goes at once
    leader_lease: Annotated[timedelta, NoDecode] = Field(
        default=timedelta(seconds=30), validation_alias="ENGAGEMENT_LEADER_LEASE"
    )
    # posts a minute per workspace before any 429 (Slack's workspace-wide limit; 0: none)
    workspace_posts_per_minute: float = Field(
        default=300.0, ge=0, validation_alias="ENGAGEMENT_WORKSPACE_POSTS_PER_MINUTE")
    # results (and each dimension's colour) show only once this many people answered;
    # 3 is the lowest allowed (bot.services.health.MIN_RESPONSES_FLOOR)
    health_min_responses: int = Field(default=5, ge=3, le=1000,
                                      validation_alias="HEALTH_MIN_RESPONSES")
    health_window: Annotated[timedelta, NoDecode] = Field(
        default=timedelta(hours=24), validation_alias="HEALTH_WINDOW"
    )
    # at most one edit of a run's "N answered" line per this long (Slack allows a workspace
    # about 50 chat.update calls a minute)
    health_count_every: Annotated[timedelta, NoDecode] = Field(
        default=timedelta(seconds=30), validation_alias="HEALTH_COUNT_EVERY"
    )

    # Housekeeping (a daily job): how long finished jobs and processed-request keys are
    # kept, and how long an uninstalled workspace's data stays before it is purged
    keep_finished_jobs: Annotated[timedelta, NoDecode] = Field(
        default=timedelta(days=30), validation_alias="ENGAGEMENT_KEEP_FINISHED_JOBS")
    keep_failed_jobs: Annotated[timedelta, NoDecode] = Field(
        default=timedelta(days=90), validation_alias="ENGAGEMENT_KEEP_FAILED_JOBS")
    keep_request_keys: Annotated[timedelta, NoDecode] = Field(
        default=timedelta(days=7), validation_alias="ENGAGEMENT_KEEP_REQUEST_KEYS")
    purge_uninstalled_after: Annotated[timedelta, NoDecode] = Field(
        default=timedelta(days=30), validation_alias="ENGAGEMENT_PURGE_UNINSTALLED_AFTER")

    log_level: str = Field(default="INFO", validation_alias="LOG_LEVEL")
    log_format: Literal["text", "json"] = Field(default="text", validation_alias="LOG_FORMAT")
    # Prometheus: the web side serves /metrics on its own port; a worker (scheduler)
    # process serves it on this port when set
    metrics_port: int | None = Field(default=None, ge=0, le=65535,
                                     validation_alias="ENGAGEMENT_METRICS_PORT")
    sentry_dsn: str | None = Field(default=None, validation_alias="SENTRY_DSN")

    @field_validator("checkin_offsets", mode="before")
    @classmethod
    def _offsets(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return parse_durations(value)
            except DurationError as exc:
                raise ValueError(f"ENGAGEMENT_CHECKIN_OFFSETS: {exc}") from None
        return value

    @field_validator("nudge_after", "miss_after", "health_window", "health_count_every",
                     "job_lease", "leader_lease", "keep_finished_jobs", "keep_failed_jobs",
                     "keep_request_keys", "purge_uninstalled_after", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return parse_duration(value)
            except DurationError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("health_count_every")
    @classmethod
    def _count_every(cls, value: timedelta) -> timedelta:
        if value < timedelta(seconds=5):
            raise ValueError("HEALTH_COUNT_EVERY: at least 5s (Slack limits message edits)")
        return value

    @field_validator("keep_finished_jobs", "keep_failed_jobs", "keep_request_keys",
                     "purge_uninstalled_after")
    @classmethod
    def _retention(cls, value: timedelta) -> timedelta:
        # a request key kept less than an hour could let a retry of Slack's through twice
        if value < timedelta(hours=1):
            raise ValueError("a retention of at least 1h")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    # Secrets are held as SecretStr: a repr, a log line or a validation error shows
    # '**********'. These give the value to the code that needs it, None when unset or empty.
    @property
    def bot_token(self) -> str | None:
        return _reveal(self.slack_bot_token)

    @property
    def signing_secret(self) -> str | None:
        return _reveal(self.slack_signing_secret)

    @property
    def app_token(self) -> str | None:
        return _reveal(self.slack_app_token)

    @property
    def client_secret(self) -> str | None:
        return _reveal(self.slack_client_secret)

    @property
    def encryption_keys(self) -> str | None:
        return _reveal(self.encryption_key)

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    @property
    def mode(self) -> Mode:
        """How the bot meets Slack. An app-level token means Socket Mode (one workspace, its
        bot token); an OAuth client id means multi-workspace installs; else one workspace
        over HTTP with its bot token."""
        if self.socket_mode:
            return Mode.SOCKET
        if self.slack_client_id or self.client_secret:
            return Mode.OAUTH
        return Mode.SINGLE

    @property
    def oauth(self) -> bool:
        """Multi-workspace mode: installs through /slack/install instead of one bot token."""
        return self.mode is Mode.OAUTH

    def missing_for(self, *processes: Process) -> list[str]:
        """The variables ``processes`` need in this mode and do not have, in the order
        NEEDS lists them. The web side answers Slack's requests: over HTTP it verifies their
        signature (Socket Mode needs none: the socket is the app's own); in OAuth mode it
        runs the install flow. The worker only posts: one bot token, or (OAuth) the stored
        installations, which it decrypts with the encryption key."""
        needed: list[str] = []
        for process in processes:
            needed += [n for n in NEEDS[self.mode][process] if n not in needed]
        return [name for name in needed if not _reveal(getattr(self, SETTING_OF[name]))]

    def missing_for_run(self) -> list[str]:
        return self.missing_for(Process.WEB, Process.WORKER)


def _reveal(value: SecretStr | str | None) -> str | None:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return value or None
