"""Per-source ingestion status from what each stage reports (pure: no I/O)."""

from dataclasses import dataclass
from typing import Any

# (low, high) watermark of each partition of a topic.
Offsets = dict[int, tuple[int, int]]


@dataclass(frozen=True)
class SourceStatus:
    source: str
    api_cursor: int | None  # None: the collector did not answer
    api_lag: int | None  # events the API has released that the collector has not polled
    produced: int  # records in <source>.events (duplicates of the API included)
    rejected: int  # records in <source>.dlq
    lake_lag: int  # records of <source>.events the lake writer has not committed
    complete_through: str | None  # newest day with _SUCCESS
    late: int  # events that came after their day was complete (/lake/late)
    future: int  # records the lake writer refused for an event time past its clock + skew
    empty_days: int  # complete days without any event: held, never marked _SUCCESS
    last_empty_day: str | None
    collector_error: str | None  # the latest error the collector met and recovered from
    # The collector's failed polls, and the misbehaviours of its API among them (API_COUNTERS);
    # None: the collector did not answer.
    api_errors: int | None = None
    cursor_backwards: int | None = None
    cursor_stalled: int | None = None
    empty_pages: int | None = None
    oversized_response: int | None = None
    stalled_response: int | None = None

    @property
    def api_error_summary(self) -> str | None:
        """api_errors with the misbehaviours among them, e.g. `5 (cursor_stalled 3, ...)`."""
        if self.api_errors is None:
            return None
        kinds = [f"{name} {n}" for name in API_COUNTERS[1:] if (n := getattr(self, name))]
        return f"{self.api_errors} ({', '.join(kinds)})" if kinds else str(self.api_errors)


# Counters of a collector's /status about its API (see collectors/README.md).
API_COUNTERS = (
    "api_errors",
    "cursor_backwards",
    "cursor_stalled",
    "empty_pages",
    "oversized_response",
    "stalled_response",
)


def api_counters(collector: dict[str, Any] | None) -> dict[str, int | None]:
    """API_COUNTERS from a collector's /status: a missing one is 0 (a collector of an older
    release does not have it), all None when the collector did not answer."""
    return {name: int(collector.get(name) or 0) if collector else None for name in API_COUNTERS}


def records(offsets: Offsets) -> int:
    return sum(high - low for low, high in offsets.values())


def lake_lag(events: Offsets, committed: dict[str, int]) -> int:
    """Records between the lake writer's committed offsets and the topic's end."""
    return sum(high - max(low, committed.get(str(p), low)) for p, (low, high) in events.items())


def summarise(
    source: str,
    collector: dict[str, Any] | None,
    events: Offsets,
    dlq: Offsets,
    lake_state: dict[str, Any] | None,
) -> SourceStatus:
    lake = (lake_state or {}).get("sources", {}).get(source, {})
    committed = lake.get("offsets", {}).get(f"{source}.events", {})
    return SourceStatus(
        source=source,
        api_cursor=collector.get("cursor") if collector else None,
        api_lag=collector.get("lag") if collector else None,
        produced=records(events),
        rejected=records(dlq),
        lake_lag=lake_lag(events, committed),
        complete_through=lake.get("complete_through"),
        late=int(lake.get("rows_late", 0)),
        future=int(lake.get("rows_future", 0)),
        empty_days=int(lake.get("empty_days", 0)),
        last_empty_day=(lake.get("recent_empty_days") or [None])[-1],
        collector_error=collector.get("last_error") if collector else "no answer",
        **api_counters(collector),
    )


COLUMNS = (
    ("source", "SOURCE"),
    ("api_cursor", "API CURSOR"),
    ("api_lag", "API LAG"),
    ("produced", "PRODUCED"),
    ("rejected", "REJECTED"),
    ("lake_lag", "LAKE LAG"),
    ("complete_through", "COMPLETE THROUGH"),
    ("late", "LATE"),
    ("future", "FUTURE"),
    ("empty_days", "EMPTY DAYS"),
    ("last_empty_day", "LAST EMPTY DAY"),
    ("api_error_summary", "API ERRORS"),
    ("collector_error", "LAST COLLECTOR ERROR"),
)


def as_table(rows: list[SourceStatus]) -> str:
    cells = [[title for _, title in COLUMNS]]
    cells += [
        ["-" if (v := getattr(row, key)) is None else str(v) for key, _ in COLUMNS] for row in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        + "\n"
        for line in cells
    )
