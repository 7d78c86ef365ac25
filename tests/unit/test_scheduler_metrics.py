"""The worker's backlog metrics as a scrape reads them, and a scrape that survives a
database that is away for a moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest

from bot.scheduling.metrics import BacklogCollector

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def scrape(read) -> str:  # type: ignore[no-untyped-def]
    registry = CollectorRegistry()
    registry.register(BacklogCollector(read, lambda: NOW))  # type: ignore[arg-type]
    return generate_latest(registry).decode()


def test_depth_and_age_per_kind() -> None:
    text = scrape(lambda now: [("checkin_post", 12, now - timedelta(seconds=90)),
                               ("health_post", 1, now)])
    assert 'engagement_jobs_due{kind="checkin_post"} 12.0' in text
    assert 'engagement_jobs_due_oldest_seconds{kind="checkin_post"} 90.0' in text
    assert 'engagement_jobs_due{kind="health_post"} 1.0' in text
    assert 'engagement_jobs_due_oldest_seconds{kind="health_post"} 0.0' in text


def test_a_database_away_leaves_the_families_empty_not_the_scrape_failed() -> None:
    def away(now: datetime) -> list:
        raise OSError("connection refused")

    text = scrape(away)
    assert "# TYPE engagement_jobs_due gauge" in text
    assert 'engagement_jobs_due{' not in text
