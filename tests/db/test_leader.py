"""The scheduler's leader lease on both databases."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.db import leader

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
Sessions = sessionmaker[Session]


def test_first_comer_leads_others_wait_until_the_lease_runs_out(
        session_factory: Sessions) -> None:
    assert leader.hold(session_factory, owner="a", now=T0, lease=LEASE)
    assert not leader.hold(session_factory, owner="b", now=T0 + timedelta(seconds=29),
                           lease=LEASE)
    assert leader.hold(session_factory, owner="a", now=T0 + timedelta(seconds=20), lease=LEASE)
    # a renewed at +20 s: its lease now runs to +50 s
    assert not leader.hold(session_factory, owner="b", now=T0 + timedelta(seconds=45),
                           lease=LEASE)
    assert leader.hold(session_factory, owner="b", now=T0 + timedelta(seconds=51), lease=LEASE)
    assert leader.holder(session_factory) == ("b", T0 + timedelta(seconds=81))
    assert not leader.hold(session_factory, owner="a", now=T0 + timedelta(seconds=52),
                           lease=LEASE)


def test_resigning_hands_over_at_once_and_only_the_holder_can(
        session_factory: Sessions) -> None:
    assert leader.hold(session_factory, owner="a", now=T0, lease=LEASE)
    assert not leader.resign(session_factory, owner="b", now=T0)
    assert leader.resign(session_factory, owner="a", now=T0)
    assert leader.holder(session_factory) == (None, None)
    assert leader.hold(session_factory, owner="b", now=T0 + timedelta(seconds=1), lease=LEASE)


def test_contenders_at_once_get_one_leader(session_factory: Sessions) -> None:
    barrier = threading.Barrier(6)
    results: dict[str, bool] = {}

    def contend(name: str) -> None:
        barrier.wait()
        results[name] = leader.hold(session_factory, owner=name, now=T0, lease=LEASE)

    threads = [threading.Thread(target=contend, args=(f"w{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sum(results.values()) == 1 and len(results) == 6
