"""When a day of a source is complete (pure Python on dates and instants).

Day D (in the platform time zone) is complete once the newest event time seen for the source
is at least the end of D plus the allowed lateness. That holds for every day up to one, so a
single date, `complete_through`, describes the complete days. The newest event time counts
only up to the writer's own clock plus the allowed future skew (`bounded_watermark`), so one
event from a source with a wrong clock cannot complete days that have not happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def end_of_day(day: date, timezone: str) -> datetime:
    """The instant (in UTC) the next day starts in `timezone`.

    In UTC, because adding a timedelta to a zoned datetime adds wall-clock time, which is
    wrong across a daylight-saving change.
    """
    midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=ZoneInfo(timezone))
    return midnight.astimezone(UTC)


def is_complete(day: date, max_event_time: datetime, timezone: str, lateness: timedelta) -> bool:
    return max_event_time >= end_of_day(day, timezone) + lateness


def bounded_watermark(
    before: datetime | None, newest: datetime | None, not_after: datetime
) -> datetime | None:
    """A source's newest event time after a batch whose newest is `newest`: it never goes
    back, and the batch moves it at most to `not_after` (the writer's clock plus the allowed
    future skew)."""
    capped = None if newest is None else min(newest, not_after)
    return max((t for t in (before, capped) if t is not None), default=None)


def complete_through(
    max_event_time: datetime | None, timezone: str, lateness: timedelta
) -> date | None:
    """The newest complete day, or None before any event."""
    if max_event_time is None:
        return None
    watermark_day = (
        (max_event_time.astimezone(UTC) - lateness).astimezone(ZoneInfo(timezone)).date()
    )
    return watermark_day - timedelta(days=1)


def days_to_complete(existing: Mapping[date, bool], current: date | None) -> list[date]:
    """The days to compact and mark now, oldest first: the unmarked day directories up to
    `current`. `existing` maps each day directory of the source to whether it has its
    `_SUCCESS`. A complete day without any event has no directory and is never marked
    (see `empty_days`)."""
    if current is None:
        return []
    return sorted(day for day, marked in existing.items() if not marked and day <= current)


def empty_days(
    existing: Mapping[date, bool], previous: date | None, current: date | None
) -> list[date]:
    """The days that became complete since `previous` without a single event, oldest first,
    from the source's first day on.

    They are held, not published: a day with no events at all, while the source sent events
    after it, means the source or its collector was down, so an empty partition would be
    wrong data rather than a quiet day. The lake writer counts them in its state and the
    daily ETL fails such a day loudly instead of waiting for it."""
    if current is None or not existing:
        return []
    day = min(existing)
    if previous is not None:
        day = max(day, previous + timedelta(days=1))
    held = []
    while day <= current:
        if day not in existing:
            held.append(day)
        day += timedelta(days=1)
    return held
