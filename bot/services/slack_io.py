"""Posting to Slack with the failures that matter turned into typed errors.

``not_in_channel`` on a public channel: join and try again. Private channel without the
bot, unknown channel, archived channel: ``ChannelUnavailable`` with a reason the caller
turns into a message for the right person. Revoked tokens: ``WorkspaceGone``.
429 and 5xx are retried by the client's retry handlers before they get here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.errors import ChannelUnavailable
from bot.views import notices

log = logging.getLogger(__name__)

CHANNEL_ERRORS = {
    "channel_not_found": "not_found",
    "is_archived": "archived",
    "not_in_channel": "not_member",
    "method_not_supported_for_channel_type": "not_member",
    "restricted_action": "restricted",
}
WORKSPACE_GONE_ERRORS = {"token_revoked", "account_inactive", "invalid_auth", "not_authed",
                         "team_disabled", "org_login_required"}


class SlackBusy(Exception):
    """Slack (or our own budget for the method) says not now: try again in ``seconds``.
    A lookup that cannot be made is never taken for "nothing there"."""

    def __init__(self, method: str, seconds: float) -> None:
        super().__init__(f"{method}: rate limited, try again in {seconds:.1f} s")
        self.method = method
        self.seconds = seconds


def retry_after(exc: SlackApiError) -> float | None:
    """The Retry-After of a 429 (seconds; 1 when Slack gave none), None for anything else."""
    resp = exc.response
    if resp is None or getattr(resp, "status_code", None) != 429:
        return None
    headers: Any = getattr(resp, "headers", {}) or {}
    raw = None
    for key, value in dict(headers).items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
    try:
        return max(float(raw), 0.0) if raw is not None else 1.0
    except ValueError:
        return 1.0


class WorkspaceGone(Exception):
    """The bot's token no longer works for this workspace (revoked, uninstalled)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def slack_error(exc: SlackApiError) -> str:
    error = exc.response.get("error") if exc.response is not None else None
    return str(error or "unknown_error")


def channel_problem(channel_id: str, reason: str) -> ChannelUnavailable:
    return ChannelUnavailable(notices.cannot_post(channel_id, reason), channel_id=channel_id,
                              reason=reason)


def post_message(
    client: WebClient,
    channel: str,
    *,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    thread_ts: str | None = None,
    join: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """chat.postMessage; joins a public channel once on ``not_in_channel``."""
    try:
        resp = client.chat_postMessage(
            channel=channel, text=text, blocks=blocks, thread_ts=thread_ts, **extra
        )
        return dict(resp.data) if isinstance(resp.data, dict) else {}
    except SlackApiError as exc:
        error = slack_error(exc)
        if error in WORKSPACE_GONE_ERRORS:
            raise WorkspaceGone(error) from exc
        if error == "not_in_channel" and join:
            try:
                client.conversations_join(channel=channel)
            except SlackApiError as join_exc:
                reason = CHANNEL_ERRORS.get(slack_error(join_exc), "not_member")
                raise channel_problem(channel, reason) from join_exc
            return post_message(
                client, channel, text=text, blocks=blocks, thread_ts=thread_ts, join=False, **extra
            )
        if error in CHANNEL_ERRORS:
            raise channel_problem(channel, CHANNEL_ERRORS[error]) from exc
        raise


def dm(client: WebClient, user_id: str, *, text: str, blocks: list[dict[str, Any]] | None = None
       ) -> str | None:
    """Send a direct message; returns its ts, or None when even that is impossible."""
    try:
        resp = client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
        return str(resp.get("ts") or "") or None
    except SlackApiError as exc:
        log.warning("could not DM %s: %s", user_id, slack_error(exc))
        return None


def permalink(client: WebClient, channel: str, ts: str) -> str | None:
    try:
        return str(client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink"))
    except SlackApiError:
        return None


# ---------------------------------------------------------------- metadata markers
# Every post that may be retried carries a marker (message metadata). A post whose answer
# never came may still have reached Slack; before posting again, look for the marker.
def marker(event_type: str, **payload: Any) -> dict[str, Any]:
    return {"event_type": event_type, "event_payload": payload}


def marked(client: WebClient, channel: str, *, thread: str | None = None
           ) -> list[dict[str, Any]]:
    """The markers (metadata) of a thread's messages, or of the channel's recent top-level
    messages, each with its ``ts``.

    Rate limited (429, or our own budget for the method: ``SlackBusy``): raises
    ``SlackBusy``, so the caller tries later; a lookup that was not made must not read as
    "not posted yet". A revoked token: ``WorkspaceGone``. Anything else (no access to the
    channel's history, say): empty, as posting then beats never posting."""
    method = "conversations.replies" if thread else "conversations.history"
    try:
        if thread:
            resp = client.conversations_replies(channel=channel, ts=thread, limit=200,
                                                include_all_metadata=True)
        else:
            resp = client.conversations_history(channel=channel, limit=100,
                                                include_all_metadata=True)
    except SlackApiError as exc:
        wait = retry_after(exc)
        if wait is not None:
            raise SlackBusy(method, wait) from exc
        error = slack_error(exc)
        if error in WORKSPACE_GONE_ERRORS:
            raise WorkspaceGone(error) from exc
        log.warning("could not look for earlier posts in %s: %s", channel, error)
        return []
    return [{**msg["metadata"], "ts": str(msg.get("ts"))}
            for msg in resp.get("messages") or [] if msg.get("metadata")]


def find_marked(client: WebClient, channel: str, wanted: dict[str, Any], *,
                thread: str | None = None) -> str | None:
    """The ts of the message carrying ``wanted`` (see ``marked``), or None."""
    for found in marked(client, channel, thread=thread):
        if (found.get("event_type") == wanted["event_type"]
                and found.get("event_payload") == wanted["event_payload"]):
            return str(found["ts"])
    return None


def post_chart(client: WebClient, channel: str, thread: str | None, *, text: str,
               png: Callable[[], bytes] | None, filename: str, title: str) -> bool:
    """A chart in a thread with its text equivalent beside it, or the text alone when there
    is no PNG (``png`` None: the charts extra is not installed). Never fatal: a failed
    upload is logged and the message it belongs to stands. True when something was posted."""
    try:
        if png is None:
            client.chat_postMessage(channel=channel, thread_ts=thread, text=text)
        else:
            client.files_upload_v2(channel=channel, thread_ts=thread, content=png(),
                                   filename=filename, title=title, alt_txt=text[:1000],
                                   initial_comment=text)
    except (SlackApiError, SlackBusy, OSError) as exc:
        error = slack_error(exc) if isinstance(exc, SlackApiError) else type(exc).__name__
        log.warning("chart %s not posted in %s: %s", filename, channel, error)
        return False
    return True


def upload_image(client: WebClient, *, png: Callable[[], bytes], filename: str, title: str,
                 alt: str) -> str | None:
    """Upload an image without sharing it anywhere, for a message's image block to show
    (``slack_file``): the message then keeps its metadata marker, so a retry finds it. The
    file id, or None when the upload did not work (logged; the message goes without it,
    its text says what the image shows)."""
    try:
        resp = client.files_upload_v2(content=png(), filename=filename, title=title,
                                      alt_txt=alt[:1000])
    except (SlackApiError, SlackRequestError, OSError) as exc:
        error = slack_error(exc) if isinstance(exc, SlackApiError) else type(exc).__name__
        log.warning("%s not uploaded: %s", filename, error)
        return None
    file = resp.get("file") or {}
    file_id = file.get("id") if isinstance(file, dict) else None
    return str(file_id) if file_id else None


# ---------------------------------------------------------------- users
# users.info is tier 4 (about 100 a minute per workspace), and a user's time zone and admin
# flag rarely change: every caller (Home, permission checks, the health check modal) reads
# them through this cache, kept for USER_TTL per (Slack API, token, user).
USER_TTL = 600.0  # seconds
USERS_MAX = 50_000
_users: OrderedDict[tuple[str, str, str], tuple[float, dict[str, Any]]] = OrderedDict()
_users_lock = threading.Lock()


def _user_key(client: WebClient, user_id: str) -> tuple[str, str, str] | None:
    token = getattr(client, "token", None)
    if not token:
        return None  # (a stand-in client of a test): not cached
    return (str(getattr(client, "base_url", "")), str(token), user_id)


def cached_user(client: WebClient, user_id: str) -> dict[str, Any] | None:
    """The cached ``users.info`` user, without calling Slack (None: not known now)."""
    key = _user_key(client, user_id)
    if key is None:
        return None
    with _users_lock:
        hit = _users.get(key)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]


def user_info(client: WebClient, user_id: str) -> dict[str, Any]:
    """``users.info``'s user, cached for USER_TTL. Raises what ``users_info`` raises,
    except for a user Slack does not know or show us: that is an empty user, cached too
    (asking again would only spend the method's tier)."""
    hit = cached_user(client, user_id)
    if hit is not None:
        return hit
    try:
        user = dict(client.users_info(user=user_id).get("user") or {})
    except SlackApiError as exc:
        if slack_error(exc) not in ("user_not_found", "user_not_visible"):
            raise
        user = {}
    key = _user_key(client, user_id)
    if key is not None:
        with _users_lock:
            _users[key] = (time.monotonic() + USER_TTL, user)
            _users.move_to_end(key)
            while len(_users) > USERS_MAX:
                _users.popitem(last=False)
    return user


def forget_users() -> None:
    """Empty the cache (tests start each fake Slack with it empty)."""
    with _users_lock:
        _users.clear()


# ---------------------------------------------------------------- replies to a click
def reply_by_response_url(body: dict[str, Any], text: str, timeout: float = 10.0) -> bool:
    """An ephemeral answer through the request's ``response_url`` (Slack's way to answer a
    command or a click: no method tier, so a channel of people clicking at once does not
    run into ``chat.postEphemeral``'s, about 100 a minute per workspace). False: there is
    none, or it did not take the reply."""
    from slack_sdk.webhook import WebhookClient

    url = body.get("response_url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return False
    try:
        sent = WebhookClient(url, timeout=max(int(timeout), 1)).send(
            text=text, response_type="ephemeral", replace_original=False)
    except (OSError, ValueError) as exc:
        log.info("response_url unreachable (%s)", type(exc).__name__)
        return False
    if sent.status_code != 200:
        log.info("response_url refused the reply (%s)", sent.status_code)
    return sent.status_code == 200


def ephemeral(client: WebClient, body: dict[str, Any], text: str) -> None:
    """``chat.postEphemeral`` to whoever clicked, in the channel of the click; a DM when
    the click was not in a channel."""
    channel = (body.get("channel") or {}).get("id")
    user = body["user"]["id"]
    if channel:
        client.chat_postEphemeral(channel=channel, user=user, text=text)
    else:
        client.chat_postMessage(channel=user, text=text)


def reply_privately(client: WebClient, body: dict[str, Any], text: str) -> None:
    """Answer a click on a message privately: by its response_url, else
    ``chat.postEphemeral`` (a DM outside a channel); a 429 there is logged and the answer
    dropped, since it only confirms what is already stored."""
    if reply_by_response_url(body, text, client.timeout or 10):
        return
    try:
        ephemeral(client, body, text)
    except SlackApiError as exc:
        if retry_after(exc) is None:
            raise
        log.warning("a private reply was dropped: rate limited (it only confirmed a click)")
