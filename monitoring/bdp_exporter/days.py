"""Day arithmetic in the platform time zone (pure).

A day runs from its midnight to the next midnight in the platform time zone, so it lasts 23
or 25 hours on a daylight-saving change. Instants are computed in the zone and compared in
UTC: adding a timedelta to a zoned datetime adds wall-clock time, which is wrong across a
change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bdp_jobs.lake.days import end_of_day

__all__ = ["due", "end_of_day", "start_of_day", "today"]


def start_of_day(day: date, timezone: str) -> datetime:
    """The instant (in UTC) `day` starts in `timezone`: the end of the day before."""
    return end_of_day(day - timedelta(days=1), timezone)


def due(day: date, timezone: str, grace: timedelta) -> datetime:
    """When `day` should be done: its end plus `grace` (grace is real elapsed time)."""
    return end_of_day(day, timezone) + grace


def today(now: datetime, timezone: str) -> date:
    """The date at instant `now` in `timezone`."""
    return now.astimezone(UTC).astimezone(ZoneInfo(timezone)).date()
