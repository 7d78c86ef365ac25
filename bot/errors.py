"""Typed errors written for the person who triggered them.

Services and listeners raise these and never swallow them; one handler
(``bot.listeners.errors``) picks the surface that shows them (the modal, the Home tab, an
ephemeral message or a DM) and answers Slack 200. Anything else is logged with a reference
id and shown as "something went wrong (ref ...)", never as a traceback.
"""

from __future__ import annotations


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


class SlackUnreachable(UserFacingError):
    """Slack did not answer (a timeout, a dropped connection, a 5xx after retries)."""


def user_id_of(body: dict[str, object]) -> str | None:
    user = body.get("user")
    if isinstance(user, dict):
        uid = user.get("id")
        return uid if isinstance(uid, str) else None
    uid = body.get("user_id")
    return uid if isinstance(uid, str) else None
