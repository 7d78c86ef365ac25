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
