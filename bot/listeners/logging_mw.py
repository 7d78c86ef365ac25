"""One structured log line per Slack request: kind, team, user, what was asked, latency.

Only ids go into the line: no payload text, no tokens.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

log = logging.getLogger("bot.requests")


def describe(body: dict[str, Any]) -> dict[str, Any]:
    kind = body.get("type") or ("command" if "command" in body else "unknown")
    team = (body.get("team") or {}).get("id") if isinstance(body.get("team"), dict) \
        else body.get("team_id")
    user = (body.get("user") or {}).get("id") if isinstance(body.get("user"), dict) \
        else body.get("user_id")
    what = body.get("command")
    if kind == "block_actions":
        what = ",".join(str(a.get("action_id")) for a in body.get("actions") or [])
    elif kind in ("view_submission", "view_closed"):
        what = (body.get("view") or {}).get("callback_id")
    elif kind == "event_callback":
        what = (body.get("event") or {}).get("type")
    return {"kind": kind, "team": team, "user": user, "what": what}


def register(app: App) -> None:
    @app.middleware
    def log_request(request: BoltRequest, next: Callable[[], BoltResponse]) -> BoltResponse:
        started = time.perf_counter()
        response = next()
        fields = describe(request.body or {})
        fields["ms"] = round((time.perf_counter() - started) * 1000, 1)
        fields["status"] = response.status if response else None
        log.info("slack %s", json.dumps(fields, separators=(",", ":")))
        return response
