"""Settings from the environment (and a ``.env`` file). ``.env.example`` documents each one."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.durations import DurationError, parse_duration, parse_durations

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///./engagement.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    # Slack credentials
    slack_bot_token: str | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_client_id: str | None = Field(default=None, validation_alias="SLACK_CLIENT_ID")
    slack_client_secret: str | None = Field(default=None,
                                            validation_alias="SLACK_CLIENT_SECRET")
    slack_scopes: str = Field(
        default="commands,chat:write,channels:join,channels:history,groups:history,"
                "channels:read,groups:read,im:write,users:read,files:write",
        validation_alias="SLACK_SCOPES")
    encryption_key: str | None = Field(default=None, validation_alias="ENGAGEMENT_ENCRYPTION_KEY")
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
    web_threads: int = Field(default=16, ge=1, le=256, validation_alias="WEB_THREADS")

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
    # how long a worker leads the scheduler without renewing before a standby takes over
    leader_lease: Annotated[timedelta, NoDecode] = Field(
        default=timedelta(seconds=30), validation_alias="ENGAGEMENT_LEADER_LEASE"
    )
    health_min_responses: int = Field(default=3, ge=1, validation_alias="HEALTH_MIN_RESPONSES")
    health_window: Annotated[timedelta, NoDecode] = Field(
        default=timedelta(hours=24), validation_alias="HEALTH_WINDOW"
    )
    secret_key: str | None = Field(default=None, validation_alias="ENGAGEMENT_SECRET_KEY")

    log_level: str = Field(default="INFO", validation_alias="LOG_LEVEL")

    @field_validator("checkin_offsets", mode="before")
    @classmethod
    def _offsets(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return parse_durations(value)
            except DurationError as exc:
                raise ValueError(f"ENGAGEMENT_CHECKIN_OFFSETS: {exc}") from None
        return value

    @field_validator("nudge_after", "miss_after", "health_window", "job_lease", "leader_lease",
                     mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return parse_duration(value)
            except DurationError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    @property
    def oauth(self) -> bool:
        """Multi-workspace mode: installs through /slack/install instead of one bot token."""
        return bool(self.slack_client_id and self.slack_client_secret) and not self.socket_mode

    def missing_for_run(self) -> list[str]:
        """Which variables are missing for the bot to talk to Slack, in the mode chosen."""
        missing = []
        if self.oauth:
            if not self.encryption_key:
                missing.append("ENGAGEMENT_ENCRYPTION_KEY")
        elif not self.slack_bot_token:
            missing.append("SLACK_BOT_TOKEN")
        if not self.socket_mode and not self.slack_signing_secret:
            missing.append("SLACK_SIGNING_SECRET")
        return missing
