"""One structured log line per Slack request: kind, team, user, what was asked, status,
latency.

Only ids go into the line: no payload text, no tokens. A request whose signature did not
verify (401) is logged without reading its body. A health-check rating is logged as
``health_rate`` with its team only: neither who clicked nor which colour, since a line
naming both would undo the anonymity of the answers (docs/privacy.md).

The line is written around ``App.dispatch`` (``LoggedApp``), not from a global middleware:
in Bolt's sync App, a middleware's ``next()`` only marks the chain to go on, and the
listener runs after the middleware has returned, so a middleware can neither time the
listener nor see the response (such a line always said 0 ms and no status).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.logger import get_bolt_app_logger

from bot.listeners.command_text import parse_command_text
from bot.views.ids import Action

log = logging.getLogger("bot.requests")
# clicks logged without their author or their value (the colour is in the action id)
ANONYMOUS = Action.HEALTH_RATE.value


def describe(body: dict[str, Any]) -> dict[str, Any]:
    kind = body.get("type") or ("command" if "command" in body else "unknown")
    team = (body.get("team") or {}).get("id") if isinstance(body.get("team"), dict) \
        else body.get("team_id")
    user = (body.get("user") or {}).get("id") if isinstance(body.get("user"), dict) \
        else body.get("user_id")
    what = body.get("command")
    if kind == "command":  # the subcommand only (a known word or "?"), never the text
        what = f"{what} {parse_command_text(body.get('text') or '').sub or '?'}"
    elif kind == "block_actions":
        actions = [str(a.get("action_id")) for a in body.get("actions") or []
                   if isinstance(a, dict)]
        if any(a.startswith(ANONYMOUS) for a in actions):
            return {"kind": kind, "team": team, "what": ANONYMOUS}
        what = ",".join(actions)
    elif kind in ("view_submission", "view_closed"):
        what = (body.get("view") or {}).get("callback_id")
    elif kind == "event_callback":
        what = (body.get("event") or {}).get("type")
    return {"kind": kind, "team": team, "user": user, "what": what}


class LoggedApp(App):
    """Bolt's ``App``, logging one line for every request it dispatches: from the start of
    signature verification to the ack response (lazy work after the ack is not included)."""

    logs_requests = True  # bot.transport.http.WsgiApp then writes no access line of its own
    # told the line's fields after each request (the web front's metrics)
    request_observers: tuple[Callable[[dict[str, Any]], None], ...] = ()
    _context_logger: logging.Logger | None = None

    def _init_context(self, req: BoltRequest) -> None:
        """Bolt (1.15 and later) builds a new ``WebClient`` for every request, in case a
        listener changes the token on ``context.client``. Ours never do, and with one bot
        token (single-workspace mode) every request would get a copy of ``app.client``: it
        is given that client itself (parse + dispatch of a slash command 164 -> 101 µs,
        measured in-process). In
        OAuth mode each request's client carries its workspace's token, as Bolt makes it."""
        super_init = super()._init_context
        if self._token is None or self._oauth_flow is not None:
            super_init(req)
            return
        if self._context_logger is None:  # the logger Bolt gives each request, made once
            self._context_logger = get_bolt_app_logger(app_name=self.name,
                                                       base_logger=self._base_logger)
        req.context["logger"] = self._context_logger
        req.context["token"] = self._token
        req.context["client"] = self._client
        req.context["listener_runner"] = self.listener_runner

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        started = time.perf_counter()
        status: int | None = None
        try:
            response = super().dispatch(req)
            status = response.status if response is not None else None
            return response
        finally:
            logging_on = log.isEnabledFor(logging.INFO)
            if logging_on or self.request_observers:
                fields: dict[str, Any] = (describe(req.body or {}) if status != 401
                                          else {"kind": "unverified"})
                fields["ms"] = round((time.perf_counter() - started) * 1000, 1)
                fields["status"] = status  # None: dispatch raised
                if logging_on:  # LOG_FORMAT=json writes the fields themselves
                    log.info("slack %s", json.dumps(fields, separators=(",", ":")),
                             extra={"fields": fields})
                for observe in self.request_observers:
                    observe(fields)
