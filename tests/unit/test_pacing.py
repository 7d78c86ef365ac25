"""The per-channel pacer: one post per channel per interval, consecutive turns, 429s."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.scheduling.pacing import ChannelPacer

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
S = timedelta(seconds=1)


def test_first_post_goes_at_once_then_the_channel_waits() -> None:
    p = ChannelPacer(S)
    assert p.acquire("C1", 1, T0) is None
    assert p.acquire("C2", 2, T0) is None  # other channels are not held up
    assert p.acquire("C1", 3, T0) == T0 + S  # in flight: next turn
    p.release("C1", T0)
    assert p.blocked_until("C1", T0) == T0 + S
    assert p.blocked_until("C1", T0 + S) is None


def test_waiting_jobs_get_consecutive_turns_and_keep_them() -> None:
    p = ChannelPacer(S)
    assert p.acquire("C1", 1, T0) is None
    turns = [p.acquire("C1", job, T0) for job in (2, 3, 4)]
    assert turns == [T0 + S, T0 + 2 * S, T0 + 3 * S]
    p.release("C1", T0)
    # each job goes when it comes back at its turn; a newcomer queues behind the line
    assert p.acquire("C1", 2, T0 + S) is None
    p.release("C1", T0 + S)
    assert p.acquire("C1", 9, T0 + 2 * S) == T0 + 4 * S
    assert p.acquire("C1", 3, T0 + 2 * S) is None


def test_turns_count_from_the_start_of_a_post_but_never_overlap_a_slow_one() -> None:
    p = ChannelPacer(S)
    assert p.acquire("C1", 1, T0) is None
    assert p.acquire("C1", 2, T0) == T0 + S
    p.release("C1", T0 + timedelta(milliseconds=700))  # Slack took 0.7 s to answer
    assert p.acquire("C1", 2, T0 + S) is None  # one interval after the first one started
    assert p.acquire("C1", 3, T0 + 3 * S) == T0 + 3 * S + S  # still in flight: no overlap
    p.release("C1", T0 + 5 * S)  # and it took 4 s
    assert p.acquire("C1", 3, T0 + 5 * S) is None  # free again as soon as it finished


def test_retry_after_blocks_the_channel() -> None:
    p = ChannelPacer(S)
    p.block("C1", T0 + 30 * S)
    assert p.acquire("C1", 1, T0 + S) == T0 + 30 * S
    assert p.acquire("C1", 1, T0 + 30 * S) is None


def test_zero_interval_disables_pacing() -> None:
    p = ChannelPacer(timedelta(0))
    assert all(p.acquire("C1", job, T0) is None for job in range(5))


def test_idle_channels_are_forgotten() -> None:
    p = ChannelPacer(S)
    for i in range(20_001):
        assert p.acquire(f"C{i}", i, T0) is None
        p.release(f"C{i}", T0)
    p.release("C0", T0 + 10 * S)  # triggers the prune
    assert len(p._free_at) < 10


def test_a_turn_taken_a_little_late_keeps_the_timetable() -> None:
    ms = timedelta(milliseconds=1)
    p = ChannelPacer(S, absorb=15 * ms)
    assert p.acquire("C1", 1, T0) is None
    assert [p.acquire("C1", j, T0) for j in (2, 3)] == [T0 + S, T0 + 2 * S]
    p.release("C1", T0)
    assert p.acquire("C1", 2, T0 + S + 10 * ms) is None  # 10 ms late: absorbed
    p.release("C1", T0 + S + 12 * ms)
    assert p.acquire("C1", 3, T0 + 2 * S) is None  # on its timetable, not 10 ms later
    p.release("C1", T0 + 2 * S)
    assert p.acquire("C1", 4, T0 + 2 * S) == T0 + 3 * S


def test_lateness_beyond_absorb_moves_the_next_turn_but_never_below_the_gap() -> None:
    ms = timedelta(milliseconds=1)
    p = ChannelPacer(S, absorb=15 * ms)
    assert p.acquire("C1", 1, T0) is None
    assert p.acquire("C1", 2, T0) == T0 + S
    p.release("C1", T0)
    late = T0 + S + 100 * ms
    assert p.acquire("C1", 2, late) is None
    p.release("C1", late)
    # the next may start interval - absorb after this one started, not a whole interval
    assert p.blocked_until("C1", late) == late + S - 15 * ms
    # without a turn handed out (a newcomer) there is nothing to absorb
    q = ChannelPacer(S, absorb=15 * ms)
    assert q.acquire("C1", 1, T0) is None
    q.release("C1", T0)
    assert q.blocked_until("C1", T0) == T0 + S


# ------------------------------------------------------------------ workspace pacing
def ws_pacer(per_minute: float = 60, burst: int = 2):  # type: ignore[no-untyped-def]
    from bot.scheduling.pacing import WorkspacePacer

    return WorkspacePacer(ChannelPacer(S), per_minute=per_minute, burst=burst)


def test_a_workspace_posts_its_burst_then_one_a_slot_each_job_deferred_once() -> None:
    p = ws_pacer()  # one a second, two ahead
    granted = [p.acquire(f"C{i}", i, T0, "T1") for i in range(3)]
    assert granted == [None, None, None]  # the slot now and two ahead
    turns = [p.acquire(f"C{i}", i, T0, "T1") for i in range(3, 6)]
    assert turns == [T0 + 3 * S, T0 + 4 * S, T0 + 5 * S]
    assert p.acquire("C9", 9, T0, "T2") is None  # another workspace: its own slots
    # each comes back at its turn and goes; none is sent round again
    assert [p.acquire(f"C{i}", i, T0 + (i) * S, "T1") for i in range(3, 6)] == [None] * 3


def test_the_channel_limit_still_holds_inside_a_workspace() -> None:
    p = ws_pacer(per_minute=600, burst=5)
    assert p.acquire("C1", 1, T0, "T1") is None
    p.release("C1", T0)
    assert p.acquire("C1", 2, T0, "T1") == T0 + S  # the channel's turn, not the next slot
    assert p.acquire("C1", 2, T0 + S, "T1") is None


def test_a_429_blocks_the_whole_workspace_and_a_second_one_slows_it_down() -> None:
    p = ws_pacer(per_minute=60, burst=0)
    assert p.acquire("C1", 1, T0, "T1") is None
    p.release("C1", T0)
    until = T0 + 2 * S
    p.block("C1", until, "T1")
    p.block("C2", until, "T1")  # the 429 of a post already on its way: the same event
    assert p.rate("T1") == pytest.approx(60)  # one 429: a pause, not a slower pace
    assert p.acquire("C3", 3, T0 + S, "T1") == until  # another channel waits as well
    assert p.acquire("C3", 3, until, "T1") is None
    p.block("C4", until + 10 * S, "T1")  # again within a minute: slower from now on
    p.block("C5", until + 10 * S, "T1")
    assert p.rate("T1") == pytest.approx(60 / 1.25)


def test_turns_another_worker_handed_out_are_kept() -> None:
    p = ws_pacer(per_minute=60, burst=0)
    p.adopt([("T1", 7, T0 + 2 * S), ("T1", 8, T0 + 3 * S)], T0)
    assert p.reserve("T1", 9, T0) is None  # slot 0 is free
    assert p.reserve("T1", 10, T0) == T0 + S
    assert p.reserve("T1", 11, T0) == T0 + 4 * S  # 2 and 3 are the adopted jobs'
    assert p.reserve("T1", 7, T0 + 2 * S) is None and p.acquire("C7", 7, T0 + 2 * S,
                                                                "T1") is None


def test_an_unknown_workspace_limit_is_paced_from_the_first_429() -> None:
    p = ws_pacer(per_minute=0)
    assert p.rate("T1") is None
    assert [p.acquire(f"C{i}", i, T0, "T1") for i in range(20)] == [None] * 20
    p.block("C1", T0 + S, "T1")
    assert p.rate("T1") is not None
    granted = [p.acquire(f"C{i}", i, T0 + S, "T1") for i in range(30, 40)]
    assert granted.count(None) == 3  # paced now: its slot and the burst of two, no more


def test_a_job_of_a_busy_workspace_is_sent_back_before_it_runs() -> None:
    p = ws_pacer(per_minute=60, burst=1)
    assert [p.reserve("T1", job, T0) for job in (1, 2, 3, 4)] == [None, None, T0 + 2 * S,
                                                                  T0 + 3 * S]
    # the two that may run now post in their own channels; the others at their turns
    assert p.acquire("C1", 1, T0, "T1") is None and p.acquire("C2", 2, T0, "T1") is None
    assert p.reserve("T1", 3, T0 + 2 * S) is None
    assert p.acquire("C3", 3, T0 + 2 * S, "T1") is None
    assert p.reserve("T2", 9, T0) is None  # another workspace


def test_a_worker_running_late_does_not_burst_its_missed_slots() -> None:
    """Slots that went by while the worker was busy come due at once; the posts still keep
    to the rate (a burst of 3 here, then one a second)."""
    p = ws_pacer(per_minute=60, burst=2)
    turns = [p.reserve("T1", job, T0) for job in range(10)]
    assert turns[:3] == [None, None, None] and turns[9] == T0 + 9 * S
    late = T0 + 20 * S  # every slot has come
    posted = [p.acquire(f"C{job}", job, late, "T1") for job in range(10)]
    assert posted.count(None) == 3
    assert all(t is not None and late < t <= late + 2 * S for t in posted if t is not None)
