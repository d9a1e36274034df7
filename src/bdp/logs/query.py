"""Turn `bdp logs search` arguments into an OpenSearch query; no I/O here.

Records follow the log contract (time, host, service, level, message, context) and live in
daily indices `logs-<service>-YYYY.MM.DD`.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bdp.errors import BdpError

LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
INDEX_PREFIX = "logs"
_RELATIVE = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
# --stats: at most this many services (the daily indices hold a few dozen at most).
STATS_SERVICES = 1000
# --follow: records are still printed when they reach OpenSearch this much later than a
# newer one (shippers flush every 5 s, multi-line records wait 5 s more); each poll asks
# for at most FOLLOW_PAGE records and asks again at once when it got that many.
FOLLOW_LOOKBACK_MS = 30_000
FOLLOW_PAGE = 1000


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

    def _query(self, time_range: dict[str, Any]) -> dict[str, Any]:
        """Filters on fields and time, free text on the message."""
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
        return {"bool": {"filter": filters, "must": must}}

    def _time_range(self) -> dict[str, Any]:
        return {"gte": self.since.isoformat(), "lte": self.until.isoformat()}

    def body(self) -> dict[str, Any]:
        """The search request: filters on fields, free text on the message, newest first."""
        return {
            "query": self._query(self._time_range()),
            "sort": [{"time": {"order": "desc"}}],
            "size": self.limit,
        }

    def stats_body(self) -> dict[str, Any]:
        """The `--stats` request: no records, an exact total and a count per service."""
        return {
            "query": self._query(self._time_range()),
            "size": 0,
            "track_total_hits": True,
            "aggs": {"services": {"terms": {"field": "service", "size": STATS_SERVICES}}},
        }

    def follow_body(
        self, start_ms: int, now: datetime, printed_ids: list[str], size: int
    ) -> dict[str, Any]:
        """A `--follow` poll: records from `start_ms` to now not printed yet, oldest first."""
        time_range = {"gte": start_ms, "lte": epoch_ms(now), "format": "epoch_millis"}
        query = self._query(time_range)
        if printed_ids:
            query["bool"]["must_not"] = [{"ids": {"values": printed_ids}}]
        return {"query": query, "sort": [{"time": {"order": "asc"}}], "size": size}


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since 1970 UTC: how OpenSearch keeps and sorts a `date` field."""
    return int(moment.timestamp() * 1000)


def hit_key(hit: dict[str, Any]) -> tuple[str, str]:
    """What tells one stored record from another: its index and id."""
    return hit["_index"], hit["_id"]


def hit_ms(hit: dict[str, Any]) -> int:
    """The record's time as OpenSearch sorted it (a request sorted on `time` only)."""
    return int(hit["sort"][0])


@dataclass
class Follow:
    """Where `--follow` stands, so that no record is printed twice or left out.

    Each poll asks for records from `lookback_ms` before the newest one printed (never
    before `floor_ms`) up to now, minus the ones already printed in that window.
    Records sharing one millisecond are therefore told apart by their id rather than by a
    sort tie-breaker (OpenSearch 2 cannot sort on `_id`), and a record that reaches
    OpenSearch late (log shippers send in batches every few seconds) is still printed if
    it is at most `lookback_ms` older than the newest one printed. Records stamped in the
    future wait until their time has come, so they cannot push the window past the others.
    """

    floor_ms: int
    newest_ms: int
    printed: dict[tuple[str, str], int] = field(default_factory=dict)
    lookback_ms: int = FOLLOW_LOOKBACK_MS
    page: int = FOLLOW_PAGE

    @classmethod
    def after(cls, search: Search, hits: list[dict[str, Any]], page: int = FOLLOW_PAGE) -> "Follow":
        """The state after printing the first page (`hits`, the answer to `search.body()`).

        A full page left older records out on purpose (--limit), and maybe some of the same
        time as its oldest: following starts just after that one."""
        times = [hit_ms(hit) for hit in hits]
        full = len(hits) >= search.limit
        state = cls(
            floor_ms=min(times) + 1 if full else epoch_ms(search.since),
            newest_ms=max(times, default=epoch_ms(search.until)),
            page=page,
        )
        state.remember(hits)
        return state

    def start_ms(self) -> int:
        return max(self.floor_ms, self.newest_ms - self.lookback_ms)

    def body(self, search: Search, now: datetime) -> dict[str, Any]:
        """The next poll's request."""
        ids = sorted({record_id for _, record_id in self.printed})
        return search.follow_body(self.start_ms(), now, ids, self.page)

    def take(self, hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The hits of a poll not printed yet, in time order; they count as printed now."""
        fresh: dict[tuple[str, str], dict[str, Any]] = {}
        for hit in sorted(hits, key=hit_ms):
            if hit_key(hit) not in self.printed:
                fresh.setdefault(hit_key(hit), hit)
        self.remember(list(fresh.values()))
        return list(fresh.values())

    def remember(self, hits: list[dict[str, Any]]) -> None:
        """Count `hits` as printed; forget records older than the next poll's window."""
        for hit in hits:
            self.printed[hit_key(hit)] = hit_ms(hit)
            self.newest_ms = max(self.newest_ms, hit_ms(hit))
        start = self.start_ms()
        self.printed = {key: ms for key, ms in self.printed.items() if ms >= start}


def check_follow_interval(seconds: float) -> float:
    """`--interval`: a finite number of seconds above 0."""
    if not math.isfinite(seconds) or seconds <= 0:
        raise BdpError(f"--interval must be a number of seconds above 0, not {seconds:g}")
    return seconds
