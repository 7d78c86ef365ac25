"""Our own budget for Slack's per-method limits, per workspace, for the scheduler's calls.

Slack rate-limits every Web API method per app and workspace by tier: tier 1 about one
request a minute, tier 2 twenty, tier 3 fifty, tier 4 a hundred, with some burst. Posting
(``chat.postMessage``) has limits of its own, paced per channel and per workspace by
``bot.scheduling.pacing``. Every other call the scheduler makes (marker lookups in a
channel's history or a thread, joining a channel, uploading a chart) goes through
:class:`LimitedClient`, which spends from a token bucket per (token, method) and, when it
is empty or Slack answered 429, raises ``SlackBusy`` instead of calling: the job is then
tried again later (not counted as an attempt), never carried on as if the call had
answered. A token is one workspace (an org-wide install spends one budget for its org:
stricter than Slack, never looser).

Times are ``time.monotonic()``: these limits are Slack's, in real seconds.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.scheduling import metrics
from bot.services.slack_io import SlackBusy, retry_after
from bot.transport.client import KeepAliveWebClient

# (per minute, burst) for each method the scheduler calls besides chat.postMessage: the
# tier's published rate, with a burst smaller than Slack tolerates
TIER = {1: (1.0, 1), 2: (20.0, 5), 3: (50.0, 8), 4: (100.0, 20)}
BUDGETS: dict[str, tuple[float, int]] = {
    "conversations.history": TIER[3],
    "conversations.replies": TIER[3],
    "conversations.join": TIER[3],
    "conversations.info": TIER[3],
    "conversations.open": TIER[3],
    "chat.update": TIER[3],
    "chat.delete": TIER[3],
    "users.info": TIER[4],
    "views.publish": TIER[4],
    "files.getUploadURLExternal": TIER[4],
    "files.completeUploadExternal": TIER[4],
}
MAX_KEYS = 100_000


class TierLimiter:
    """Token buckets per (token, method); thread-safe."""

    def __init__(self, budgets: dict[str, tuple[float, int]] | None = None) -> None:
        self.budgets = BUDGETS if budgets is None else budgets
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], list[float]] = {}  # [tokens, at, blocked]

    def take(self, token: str, method: str, now: float) -> float:
        """0: go (one request spent). Otherwise the seconds to wait (nothing spent)."""
        budget = self.budgets.get(method)
        if budget is None:
            return 0.0
        per_second, burst = budget[0] / 60, budget[1]
        with self._lock:
            bucket = self._buckets.get((token, method))
            if bucket is None:
                if len(self._buckets) > MAX_KEYS:
                    self._buckets.clear()
                bucket = self._buckets[(token, method)] = [float(burst), now, 0.0]
            if bucket[2] > now:
                return bucket[2] - now
            bucket[0] = min(float(burst), bucket[0] + (now - bucket[1]) * per_second)
            bucket[1] = now
            if bucket[0] >= 1.0:
                bucket[0] -= 1.0
                return 0.0
            return (1.0 - bucket[0]) / per_second

    def block(self, token: str, method: str, until: float) -> None:
        """Slack answered 429: nothing more until ``until``, then one request (the bucket
        fills from there)."""
        with self._lock:
            bucket = self._buckets.setdefault((token, method), [1.0, until, 0.0])
            bucket[0], bucket[1], bucket[2] = 1.0, until, max(bucket[2], until)


class LimitedClient(KeepAliveWebClient):
    """A keep-alive client whose calls (chat.postMessage aside) keep to ``limiter``."""

    limiter: TierLimiter = TierLimiter()

    @classmethod
    def limited(cls, client: WebClient, limiter: TierLimiter, *, token: str | None = None
                ) -> LimitedClient:
        made = cls.like(client, token=token)
        assert isinstance(made, LimitedClient)
        made.limiter = limiter
        return made

    def api_call(self, api_method: str, **kwargs: Any) -> Any:
        token = str(self.token or "")
        counted = metrics.scheduler()
        wait = self.limiter.take(token, api_method, time.monotonic())
        if wait > 0:
            counted.slack_call(api_method, "busy")
            raise SlackBusy(api_method, wait)
        try:
            response: SlackResponse | Any = super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            seconds = retry_after(exc)
            counted.slack_call(api_method, "error" if seconds is None else "ratelimited")
            if seconds is not None and api_method in self.limiter.budgets:
                self.limiter.block(token, api_method, time.monotonic() + seconds)
                raise SlackBusy(api_method, seconds) from exc
            raise
        except Exception:
            counted.slack_call(api_method, "unreachable")
            raise
        counted.slack_call(api_method, "ok")
        return response
