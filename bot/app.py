"""The app factory: builds the Bolt app from settings. Nothing is built at import time."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot import errors
from bot.deps import Deps
from bot.listeners import actions, commands, events, home, logging_mw, views

log = logging.getLogger(__name__)


def make_client(token: str | None, deps: Deps, *, wait_on_rate_limit: bool = True
                ) -> WebClient:
    """A Web API client that retries 5xx and dropped connections, and (for request
    handling) waits out 429s. The scheduler's client does not wait: it defers only the
    rate-limited channel and carries on with the others."""
    client = WebClient(
        token=token,
        base_url=deps.settings.slack_api_url,
        timeout=int(deps.settings.slack_timeout_seconds),
    )
    client.retry_handlers.append(ServerErrorRetryHandler(max_retry_count=2))
    if wait_on_rate_limit:
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    if not any(isinstance(h, ConnectionErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(ConnectionErrorRetryHandler(max_retry_count=2))
    return client


def create_app(deps: Deps, *, token_verification: bool = True) -> App:
    settings = deps.settings
    oauth_settings = None
    if settings.oauth and deps.installation_store is not None:
        from slack_bolt.oauth.oauth_settings import OAuthSettings

        oauth_settings = OAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            scopes=[s.strip() for s in settings.slack_scopes.split(",") if s.strip()],
            installation_store=deps.installation_store,
            state_store=deps.state_store,
            install_path="/slack/install",
            redirect_uri_path="/slack/oauth_redirect",
        )
    app = App(
        client=make_client(None if oauth_settings else settings.slack_bot_token, deps),
        oauth_settings=oauth_settings,
        signing_secret=settings.slack_signing_secret,
        # Acks are sent as soon as the ack function returns; slow work runs in lazy
        # listeners. This avoids Bolt's polling loop before each ack.
        process_before_response=True,
        token_verification_enabled=(token_verification and bool(settings.slack_bot_token)
                                    and oauth_settings is None),
        raise_error_for_unhandled_request=False,
    )
    errors.register(app)
    logging_mw.register(app)
    commands.register(app, deps)
    views.register(app, deps)
    actions.register(app, deps)
    events.register(app, deps)
    home.register(app, deps)
    return app
