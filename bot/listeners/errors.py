"""The one error path. Whatever a listener or the work after its ack raises reaches
``report``, which turns it into words for the person who clicked and picks where they see
them:

* a modal submission (still in its ack): the modal shows the problem
  (``response_action=update``);
* a button on the App Home tab: the same page again, with the problem as its notice;
* anything else: an ephemeral message in the channel they acted in, else a DM.

Slack always gets 200: the request was understood, and the person hears what went wrong.
Errors not written for people are logged with a reference id, and the person is given the
id (never a traceback).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.errors import BadModalState, NotAllowed, SlackUnreachable, UserFacingError, user_id_of
from bot.views import notices
from bot.views.metadata import MetadataError

log = logging.getLogger("bot.errors")

STALE_MODAL = ("This window is out of date or was changed on the way, so I did not save it. "
               "Please start again.")
NO_ANSWER = ("Slack did not answer in time. Nothing was lost: try again in a minute.")


def user_facing(error: Exception) -> UserFacingError:
    """The error as the person should hear it; unexpected ones are logged with a reference."""
    if isinstance(error, UserFacingError):
        log.info("user-facing error: %s", type(error).__name__)
        return error
    if isinstance(error, MetadataError):
        log.warning("refused a modal whose private_metadata does not decode")
        return BadModalState(STALE_MODAL)
    if isinstance(error, OSError):  # a timeout or reset after the client's own retries
        log.warning("Slack did not answer: %s", type(error).__name__)
        return SlackUnreachable(NO_ANSWER)
    ref = uuid.uuid4().hex[:8]
    detail = error.response.get("error") if isinstance(error, SlackApiError) else ""
    log.error("unhandled error ref=%s %s %s", ref, type(error).__name__, detail, exc_info=error)
    return UserFacingError(notices.something_went_wrong(ref))


def report(error: Exception, body: dict[str, Any], client: Any, deps: Deps | None) -> None:
    """Tell the person what went wrong, on the surface they acted on (after the ack)."""
    problem = user_facing(error)
    user_id = user_id_of(body or {})
    if not user_id or client is None:
        return
    view = body.get("view") if isinstance(body.get("view"), dict) else None
    if view is not None and view.get("type") == "home" and deps is not None:
        from bot.services import home as home_service
        from bot.views.home import Notice, Tone

        tone = Tone.REFUSED if isinstance(problem, NotAllowed) else Tone.PROBLEM
        team = (body.get("team") or {}).get("id") or body.get("team_id")
        try:
            home_service.publish(client, deps, team_id=str(team), user_id=user_id,
                                 page=home_service.page_of(view),
                                 notice=Notice(problem.message, tone))
            return
        except Exception:
            log.warning("could not show a problem on App Home; telling the user instead")
    _tell(client, body, user_id, problem.message)


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Work after an ack: Bolt only logs what it raises; this tells the person too."""

    def wrapper(**kwargs: Any) -> Any:
        try:
            return fn(**kwargs)
        except Exception as exc:
            report(exc, kwargs.get("body") or {}, kwargs.get("client"), kwargs.get("deps"))
            return None

    wrapper.__name__ = getattr(fn, "__name__", "after_ack")
    wrapper.__doc__ = fn.__doc__
    return wrapper


def handle_error(error: Exception, body: dict[str, Any], context: BoltContext,
                 client: Any) -> BoltResponse:
    """Bolt's error handler: a listener raised before or while acking."""
    body = body or {}
    if body.get("type") == "view_submission":  # the ack is the only answer a modal gets
        problem = user_facing(error)
        return BoltResponse(status=200, body=json.dumps(
            {"response_action": "update", "view": notices.problem_modal(problem.message)}),
            headers={"content-type": ["application/json;charset=utf-8"]})
    later = context.get("later")
    deps = context.get("deps")
    if later is not None:
        later.submit(lambda: report(error, body, client, deps))
    else:
        report(error, body, client, deps)
    return BoltResponse(status=200, body="")


def register(app: App) -> None:
    app.error(handle_error)


def _tell(client: Any, body: dict[str, Any], user_id: str, message: str) -> None:
    """Best effort: ephemeral in the channel the user acted in, else a DM."""
    raw = body.get("channel")
    channel = raw.get("id") if isinstance(raw, dict) else body.get("channel_id")
    try:
        if channel:
            client.chat_postEphemeral(channel=channel, user=user_id, text=message)
            return
    except Exception:
        log.info("ephemeral in %s failed; trying a DM", channel)
    try:
        client.chat_postMessage(channel=user_id, text=message)
    except Exception:
        log.warning("could not tell a user about an error")
