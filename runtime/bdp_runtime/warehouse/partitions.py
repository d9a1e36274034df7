"""Daily partitions of the warehouse tables: which to add and which to drop; no I/O here.

Tables are `PARTITION BY RANGE COLUMNS(dt)`. The partition of day D is named pYYYYMMDD and
holds `dt < D + 1`; because partitions are added in day order, each holds exactly its day.
Partitions with other names (the first one of a new table, anything made by hand) are
never dropped.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from . import WarehouseError

_DAILY = re.compile(r"^p(\d{8})$")
_DAY_LITERAL = re.compile(r"^'(\d{4}-\d{2}-\d{2})'$")


@dataclass(frozen=True)
class Partition:
    name: str
    bound: date | None  # VALUES LESS THAN; None for MAXVALUE


@dataclass(frozen=True)
class Plan:
    table: str
    add: tuple[date, ...]  # days whose partition is added, in order
    drop: tuple[str, ...]  # names of partitions past the retention
    existing_through: date | None  # newest day that already had its partition

    def statements(self) -> list[str]:
        table = "`" + self.table.replace("`", "``") + "`"
        result = []
        if self.add:
            parts = ", ".join(
                f"PARTITION {daily_name(day)} VALUES LESS THAN ('{day + timedelta(days=1)}')"
                for day in self.add
            )
            result.append(f"ALTER TABLE {table} ADD PARTITION ({parts})")
        if self.drop:
            result.append(f"ALTER TABLE {table} DROP PARTITION {', '.join(self.drop)}")
        return result


def today_in(timezone: str, now: datetime) -> date:
    """The platform's today at the aware instant `now`: its date in `timezone`."""
    return now.astimezone(ZoneInfo(timezone)).date()


def daily_name(day: date) -> str:
    return f"p{day:%Y%m%d}"


def partition(name: str, description: str) -> Partition:
    """A partition as information_schema.PARTITIONS describes it (MariaDB and MySQL alike)."""
    if description.strip().upper() == "MAXVALUE":
        return Partition(name, None)
    literal = _DAY_LITERAL.match(description.strip())
    if not literal:
        raise WarehouseError(
            f"partition {name}: bound {description!r} is not a day; the warehouse tables are "
            "PARTITION BY RANGE COLUMNS(dt)"
        )
    return Partition(name, date.fromisoformat(literal[1]))


def plan(table: str, existing: list[Partition], today: date, future: int, retention: int) -> Plan:
    """Partitions for every day from today - retention to today + future, none older.

    New days are only ever added above the highest bound (RANGE partitions cannot be
    inserted below it), so a new table gets the whole retention window at once.
    """
    if future < 0 or retention < 0:
        raise WarehouseError(
            f"partition plan for {table}: future ({future}) and retention ({retention}) "
            "must not be negative"
        )
    unbounded = [p.name for p in existing if p.bound is None]
    if unbounded:
        raise WarehouseError(
            f"table {table}: partition {unbounded[0]} is VALUES LESS THAN MAXVALUE, so no day "
            "can be added after it; reorganize it into daily partitions by hand"
        )
    oldest_kept = today - timedelta(days=retention)
    bounds = [p.bound for p in existing if p.bound is not None]
    first_new = max([*bounds, oldest_kept])
    last_new = today + timedelta(days=future)
    days = tuple(first_new + timedelta(days=n) for n in range((last_new - first_new).days + 1))
    daily = [(p, _daily_day(p.name)) for p in existing]
    old = tuple(p.name for p, day in daily if day is not None and day < oldest_kept)
    existing_days = [day for _, day in daily if day is not None]
    return Plan(table, days, old, max(existing_days, default=None))


def _daily_day(name: str) -> date | None:
    match = _DAILY.match(name)
    if not match:
        return None
    try:
        return date(int(match[1][:4]), int(match[1][4:6]), int(match[1][6:]))
    except ValueError:
        return None  # p followed by eight digits that are not a date: not one of ours
