"""The app factory: builds the Bolt app from settings. Nothing is built at import time."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App, BoltContext

from bot.deps import Deps
from bot.listeners import actions, commands, errors, events, home, views
from bot.listeners.after_ack import Later
from bot.services import workspaces
from bot.transport.client import make_client
from bot.transport.logged_app import LoggedApp

log = logging.getLogger(__name__)

def create_app(deps: Deps, *, token_verification: bool = True) -> App:
    settings = deps.settings
    oauth_settings = None
    if settings.oauth and deps.installation_store is not None:
        from slack_bolt.oauth.oauth_settings import OAuthSettings

        oauth_settings = OAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.client_secret,
            scopes=[s.strip() for s in settings.slack_scopes.split(",") if s.strip()],
            installation_store=deps.installation_store,
            state_store=deps.state_store,
            install_path="/slack/install",
            redirect_uri_path="/slack/oauth_redirect",
        )
    app = LoggedApp(  # Bolt's App + one log line per request
        client=make_client(None if oauth_settings else settings.bot_token, deps),
        oauth_settings=oauth_settings,
        signing_secret=settings.signing_secret,
        # Acks are sent as soon as the ack function returns; slow work runs after it on
        # Bolt's listener pool (bot.listeners.after_ack). No polling loop before each ack.
        process_before_response=True,
        token_verification_enabled=(token_verification and bool(settings.bot_token)
                                    and oauth_settings is None),
        raise_error_for_unhandled_request=False,
    )
    errors.register(app)
    if deps.installation_store is not None:  # record each install (the workspaces table)
        deps.installation_store.on_save = lambda inst: workspaces.installed(deps, inst)
    later = Later(app)

    @app.middleware
    def context(context: BoltContext, next: Callable[[], None]) -> None:
        # what every listener needs (deps, the after-ack runner), and the workspace's org
        # (Enterprise Grid) from the signed request, once per process: the scheduler finds
        # an org-wide install's token by it
        context["deps"], context["later"] = deps, later
        workspaces.seen(deps, context.team_id, context.enterprise_id)
        next()

    for surface in (commands, views, actions, events, home):
        surface.register(app)
    return app
