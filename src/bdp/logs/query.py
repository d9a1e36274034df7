"""Turn `bdp logs search` arguments into an OpenSearch query; no I/O here.

Records follow the log contract (time, host, service, level, message, context) and live in
daily indices `logs-<service>-YYYY.MM.DD`.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bdp.errors import BdpError

LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
INDEX_PREFIX = "logs"
_RELATIVE = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_time(value: str, option: str, now: datetime) -> datetime:
    """`15m`, `2h`, `7d` (that long before now) or an ISO-8601 time (UTC unless it says)."""
    relative = _RELATIVE.match(value.strip())
    if relative:
        return now - timedelta(**{_UNITS[relative[2]]: int(relative[1])})
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BdpError(
            f"{option} {value!r} is not a time: use 15m, 2h, 7d or ISO-8601 such as "
            "2026-11-22T14:00:00Z"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def levels_from(minimum: str | None) -> list[str]:
    """The levels at or above `minimum` (all when None)."""
    if minimum is None:
        return []
    wanted = minimum.upper().replace("WARNING", "WARN")
    if wanted not in LEVELS:
        raise BdpError(f"--level {minimum!r} is not one of {', '.join(LEVELS)}")
    return list(LEVELS[LEVELS.index(wanted) :])


@dataclass(frozen=True)
class Search:
    since: datetime
    until: datetime
    text: str = ""
    services: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    limit: int = 50

    def __post_init__(self) -> None:
        if self.since >= self.until:
            raise BdpError(
                f"--since ({self.since.isoformat()}) must be before --until "
                f"({self.until.isoformat()})"
            )
        if not 1 <= self.limit <= 10000:
            raise BdpError(f"--limit must be between 1 and 10000, not {self.limit}")

    def index(self) -> str:
        """Indices to search: one service's daily indices, or every log index."""
        if len(self.services) == 1:
            return f"{INDEX_PREFIX}-{self.services[0]}-*"
        return f"{INDEX_PREFIX}-*"

    def body(self) -> dict[str, Any]:
        """The search request: filters on fields, free text on the message, newest first."""
        time_range = {"gte": self.since.isoformat(), "lte": self.until.isoformat()}
        filters: list[dict[str, Any]] = [{"range": {"time": time_range}}]
        for name, values in (
            ("service", self.services),
            ("host", self.hosts),
            ("level", self.levels),
        ):
            if values:
                filters.append({"terms": {name: values}})
        must = []
        if self.text:
            must.append(
                {
                    "simple_query_string": {
                        "query": self.text,
                        "fields": ["message"],
                        "default_operator": "and",
                    }
                }
            )
        return {
            "query": {"bool": {"filter": filters, "must": must}},
            "sort": [{"time": {"order": "desc"}}],
            "size": self.limit,
        }
