"""A job taking its channel's turn: wait for a turn milliseconds away, defer a later one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from bot.jobs.context import SHORT_WAIT, Deferred, JobContext
from bot.scheduling.pacing import ChannelPacer

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
S = timedelta(seconds=1)
MS = timedelta(milliseconds=1)


def context(pacer: ChannelPacer, job_id: int, now: datetime, waits: list[float],
            *, stopping: bool = False) -> JobContext:
    def wait(seconds: float) -> bool:
        waits.append(seconds)
        return not stopping

    deps: Any = SimpleNamespace(clock=lambda: now)  # a clock that stands still
    job: Any = SimpleNamespace(id=job_id)
    return JobContext(deps=deps, client=None, job=job, now=now,  # type: ignore[arg-type]
                      pacer=pacer, wait=wait)


def busy_channel() -> ChannelPacer:
    pacer = ChannelPacer(S)
    assert pacer.acquire("C1", 1, T0) is None
    pacer.release("C1", T0)
    return pacer


def test_a_turn_milliseconds_away_is_waited_for_in_the_thread() -> None:
    waits: list[float] = []
    ctx = context(busy_channel(), 2, T0 + S - 20 * MS, waits)
    ctx.use_channel("C1")
    assert waits == [pytest.approx(0.020)]
    assert ctx.posting == "C1" and ctx.now == T0 + S


def test_a_later_turn_goes_back_to_the_queue() -> None:
    waits: list[float] = []
    ctx = context(busy_channel(), 2, T0 + S - SHORT_WAIT - MS, waits)
    with pytest.raises(Deferred) as deferred:
        ctx.use_channel("C1")
    assert waits == [] and deferred.value.until == T0 + S and ctx.posting is None


def test_a_worker_stopping_during_the_wait_defers_the_job() -> None:
    waits: list[float] = []
    ctx = context(busy_channel(), 2, T0 + S - 10 * MS, waits, stopping=True)
    with pytest.raises(Deferred):
        ctx.use_channel("C1")
    assert len(waits) == 1 and ctx.posting is None
