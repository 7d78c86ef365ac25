"""The part of Slack's app manifest this app uses, with the limits of Slack's manifest
reference (docs.slack.dev/reference/app-manifest), as a strict pydantic model: an unknown
key, a value out of range or a missing section is a problem, each named by its path."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Metadata(_Strict):
    major_version: Literal[1, 2]
    minor_version: int = Field(ge=0)


class DisplayInformation(_Strict):
    name: str = Field(min_length=1, max_length=35)
    description: str | None = Field(default=None, max_length=140)
    long_description: str | None = Field(default=None, min_length=175, max_length=4000)
    background_color: str | None = Field(default=None,
                                         pattern=r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$")


class AppHome(_Strict):
    home_tab_enabled: bool = False
    messages_tab_enabled: bool = False
    messages_tab_read_only_enabled: bool = False


class BotUser(_Strict):
    display_name: str = Field(min_length=1, max_length=80, pattern=r"^[a-zA-Z0-9 ._-]+$")
    always_online: bool = False


class SlashCommand(_Strict):
    command: str = Field(pattern=r"^/[a-z0-9_-]{1,31}$")
    description: str = Field(min_length=1, max_length=2000)
    url: str | None = Field(default=None, pattern=r"^https://")
    usage_hint: str | None = Field(default=None, max_length=1000)
    should_escape: bool = False


class Features(_Strict):
    app_home: AppHome | None = None
    bot_user: BotUser
    slash_commands: list[SlashCommand] = Field(default_factory=list, max_length=50)


class Scopes(_Strict):
    bot: list[str] = Field(min_length=1, max_length=255)


class OAuthConfig(_Strict):
    redirect_urls: list[str] | None = Field(default=None, max_length=1000)
    scopes: Scopes


class EventSubscriptions(_Strict):
    request_url: str | None = Field(default=None, pattern=r"^https://")
    bot_events: list[str] = Field(default_factory=list, max_length=100)


class Interactivity(_Strict):
    is_enabled: bool
    request_url: str | None = Field(default=None, pattern=r"^https://")


class AppSettings(_Strict):
    event_subscriptions: EventSubscriptions | None = None
    interactivity: Interactivity | None = None
    org_deploy_enabled: bool = False
    socket_mode_enabled: bool = False
    token_rotation_enabled: bool = False


class Manifest(_Strict):
    metadata_: Metadata | None = Field(default=None, alias="_metadata")
    display_information: DisplayInformation
    features: Features
    oauth_config: OAuthConfig
    settings: AppSettings


SCOPE = r"^[a-z]+(\.[a-z]+)?(:[a-z.]+)+$|^commands$"


def manifest_problems(data: Any) -> list[str]:
    import re

    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        return [f"{'/'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
    problems = [f"oauth_config/scopes/bot: {scope!r} is not a scope"
                for scope in manifest.oauth_config.scopes.bot if not re.match(SCOPE, scope)]
    commands = [c.command for c in manifest.features.slash_commands]
    if len(commands) != len(set(commands)):
        problems.append("features/slash_commands: the same command twice")
    if not manifest.settings.socket_mode_enabled:
        # over HTTP, Slack needs somewhere to send each kind of request
        settings = manifest.settings
        if settings.interactivity and settings.interactivity.is_enabled \
                and not settings.interactivity.request_url:
            problems.append("settings/interactivity/request_url: required without Socket Mode")
        if settings.event_subscriptions and not settings.event_subscriptions.request_url:
            problems.append("settings/event_subscriptions/request_url: required without "
                            "Socket Mode")
        problems += [f"features/slash_commands/{c.command}: url required without Socket Mode"
                     for c in manifest.features.slash_commands if not c.url]
    return problems
