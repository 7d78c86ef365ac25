"""Socket Mode that lets the envelopes being handled send their acks before it closes.

Bolt's ``SocketModeHandler.close()`` drops the WebSocket at once; a listener still running
then has no socket to ack on, and Slack shows the user a timeout (or retries the event).
HTTP mode finishes the requests it has received before stopping; this does the same here.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from slack_bolt.adapter.socket_mode import SocketModeHandler

log = logging.getLogger(__name__)

DRAIN_TIMEOUT = 10.0  # seconds close() waits for envelopes in flight


class DrainingSocketModeHandler(SocketModeHandler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._busy = 0
        self._idle = threading.Condition()

    def handle(self, client: Any, req: Any) -> None:
        with self._idle:
            self._busy += 1
        try:
            super().handle(client, req)
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def close(self, timeout: float = DRAIN_TIMEOUT) -> None:
        with self._idle:
            if not self._idle.wait_for(lambda: self._busy == 0, timeout):
                log.warning("closing Socket Mode with %d envelope(s) still being handled",
                            self._busy)
        super().close()  # type: ignore[no-untyped-call]  # unannotated in slack_bolt
