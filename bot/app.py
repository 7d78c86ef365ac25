"""The app factory: builds the Bolt app from settings. Nothing is built at import time."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot import errors
from bot.deps import Deps
from bot.listeners import actions, commands, events, home, logging_mw, views
from bot.services import workspaces

log = logging.getLogger(__name__)

# The logger every WebClient (and the client Bolt makes for each request) is given.
# slack_sdk decides whether to build its DEBUG messages -- the whole request, a modal's
# JSON included, and the whole response -- from ``logger.level``, the logger's *own*
# level, so a logger left at NOTSET (slack_sdk's default) has them formatted on every call
# only for logging to drop them: about as much CPU as sending the modal. Its level is set
# explicitly in ``make_client`` instead.
SDK_LOG = logging.getLogger("bot.slack_api")


def _pin_sdk_log_level() -> None:
    """Give SDK_LOG the level in effect for ``slack_sdk`` (never below INFO: at DEBUG the
    SDK logs request bodies; ``runtime.configure_logging`` keeps it at INFO too)."""
    level = max(logging.INFO, logging.getLogger("slack_sdk").getEffectiveLevel())
    if SDK_LOG.level != level:
        SDK_LOG.setLevel(level)


def make_client(token: str | None, deps: Deps, *, wait_on_rate_limit: bool = True
                ) -> WebClient:
    """A Web API client that retries 5xx and dropped connections, and (for request
    handling) waits out 429s. The scheduler's client does not wait: it defers only the
    rate-limited channel and carries on with the others."""
    _pin_sdk_log_level()
    client = WebClient(
        token=token,
        base_url=deps.settings.slack_api_url,
        timeout=int(deps.settings.slack_timeout_seconds),
        logger=SDK_LOG,
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
    app = logging_mw.LoggedApp(  # Bolt's App + one log line per request
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

    @app.middleware
    def remember_workspace(context: BoltContext, next: Callable[[], None]) -> None:
        # the workspace's org (Enterprise Grid), from the signed request, once per process:
        # the scheduler finds an org-wide install's token by it
        workspaces.seen(deps, context.team_id, context.enterprise_id)
        next()

    commands.register(app, deps)
    views.register(app, deps)
    actions.register(app, deps)
    events.register(app, deps)
    home.register(app, deps)
    return app
