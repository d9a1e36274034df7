"""When a day of a source is complete (pure Python on dates and instants).

Day D (in the platform time zone) is complete once the newest event time seen for the source
is at least the end of D plus the allowed lateness. That holds for every day up to one, so a
single date, `complete_through`, describes the complete days.
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


def complete_through(
    max_event_time: datetime | None, timezone: str, lateness: timedelta
) -> date | None:
    """The newest complete day, or None before any event."""
    if max_event_time is None:
        return None
    watermark_day = (max_event_time - lateness).astimezone(ZoneInfo(timezone)).date()
    return watermark_day - timedelta(days=1)


def days_to_complete(
    existing: Mapping[date, bool], previous: date | None, current: date | None
) -> list[date]:
    """The days to compact and mark now, oldest first.

    `existing` maps each day directory of the source to whether it has its `_SUCCESS`. Due are
    the unmarked directories up to `current`, and the days that became complete since
    `previous` without any event (marked as empty days, so daily jobs waiting for them run),
    from the source's first day on.
    """
    if current is None or not existing:
        return []
    due = {day for day, marked in existing.items() if not marked and day <= current}
    day = min(existing)
    if previous is not None:
        day = max(day, previous + timedelta(days=1))
    while day <= current:
        if day not in existing:
            due.add(day)
        day += timedelta(days=1)
    return sorted(due)
