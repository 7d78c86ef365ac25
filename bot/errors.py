"""Typed errors and the one place that turns them into what the user sees.

Listeners raise; they never swallow. ``register(app)`` installs a single ``@app.error``
handler that maps each error type to a message for the person who clicked, and logs
everything else with a reference id instead of showing a traceback.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


class UserFacingError(Exception):
    """An error whose message is written for the person who triggered it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(UserFacingError):
    """The user may not do this (not the owner, not an admin)."""


class NotFound(UserFacingError):
    """What the user pointed at no longer exists (or belongs to another workspace)."""


class ChannelUnavailable(UserFacingError):
    """The bot cannot post in a channel: archived, private without the bot, or gone."""

    def __init__(self, message: str, *, channel_id: str, reason: str) -> None:
        super().__init__(message)
        self.channel_id = channel_id
        self.reason = reason


class BadModalState(UserFacingError):
    """private_metadata that does not decode: a tampered or outdated view."""


def user_id_of(body: dict[str, Any]) -> str | None:
    user = body.get("user")
    if isinstance(user, dict):
        uid = user.get("id")
        return uid if isinstance(uid, str) else None
    uid = body.get("user_id")
    return uid if isinstance(uid, str) else None


def report(error: Exception, body: dict[str, Any], client: Any) -> None:
    """Tell the user what went wrong, in words written for them; log the rest."""
    user_id = user_id_of(body or {})
    if isinstance(error, UserFacingError):
        message = error.message
        log.info("user-facing error for %s: %s", user_id, type(error).__name__)
    else:
        ref = uuid.uuid4().hex[:8]
        detail = error.response.get("error") if isinstance(error, SlackApiError) else ""
        log.error("unhandled error ref=%s %s %s", ref, type(error).__name__, detail,
                  exc_info=error)
        from bot.views.notices import something_went_wrong

        message = something_went_wrong(ref)
    if user_id and client is not None:
        _tell(client, body, user_id, message)


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a lazy listener: Bolt only logs their exceptions; we also tell the user."""

    @functools.wraps(fn)
    def wrapper(**kwargs: Any) -> Any:
        try:
            return fn(**kwargs)
        except Exception as exc:
            report(exc, kwargs.get("body") or {}, kwargs.get("client"))
            return None

    return wrapper


def register(app: App) -> None:
    @app.error
    def handle_error(error: Exception, body: dict[str, Any], client: Any) -> None:
        report(error, body, client)


def _tell(client: Any, body: dict[str, Any], user_id: str, message: str) -> None:
    """Best effort: ephemeral in the channel the user acted in, else a DM."""
    channel = (body.get("channel") or {}).get("id") if isinstance(body.get("channel"), dict) \
        else body.get("channel_id")
    try:
        if channel:
            client.chat_postEphemeral(channel=channel, user=user_id, text=message)
            return
    except Exception:
        log.info("ephemeral to %s in %s failed; trying a DM", user_id, channel)
    try:
        client.chat_postMessage(channel=user_id, text=message)
    except Exception:
        log.warning("could not tell user %s about an error", user_id)
