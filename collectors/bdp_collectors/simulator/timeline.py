"""Event times of a stream: calendar days in the configured time zone, in UTC milliseconds."""

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bdp_collectors.events import utc_iso

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def day_bounds_ms(day: date, zone: ZoneInfo) -> tuple[int, int]:
    """[start, end) of a calendar day in `zone` as epoch milliseconds (23 or 25 h on DST days)."""
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return to_ms(start), to_ms(end)


def to_ms(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


def ms_to_iso(ms: int) -> str:
    """Epoch milliseconds as a CONTRACT event time (exact: no float rounding)."""
    return utc_iso(EPOCH + timedelta(milliseconds=ms))


def event_date(ms: int, zone: ZoneInfo) -> str:
    """The event date (YYYY-MM-DD) of an instant in `zone`, the lake's dt."""
    return (EPOCH + timedelta(milliseconds=ms)).astimezone(zone).date().isoformat()


def event_times(
    rng: random.Random, start: date, days: int, per_day: int, zone: ZoneInfo
) -> list[int]:
    """per_day instants on each of `days` days from `start`, strictly increasing."""
    times: list[int] = []
    for offset in range(days):
        low, high = day_bounds_ms(start + timedelta(days=offset), zone)
        for moment in sorted(rng.randrange(low, high) for _ in range(per_day)):
            # Strictly increasing times keep two generated events from ever being identical.
            times.append(max(moment, times[-1] + 1) if times else moment)
    return times


def iso_to_ms(value: str) -> int:
    """Epoch milliseconds of an ISO-8601 time with a zone (Z included)."""
    return to_ms(datetime.fromisoformat(value))
