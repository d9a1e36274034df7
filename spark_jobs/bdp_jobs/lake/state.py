"""The writer state after each batch, as `bdp ingest status` reads it (pure).

    {"batch_id": N, "updated_at": "<UTC ISO Z>",
     "sources": {"<source>": {"max_event_time": "<UTC ISO Z>" | null,
                              "complete_through": "YYYY-MM-DD" | null,
                              "offsets": {"<topic>": {"<partition>": next_offset}},
                              "rows_raw": n, "rows_late": n, "duplicates_dropped": n,
                              "rows_rejected": n, "rows_future": n,
                              "empty_days": n, "recent_empty_days": ["YYYY-MM-DD", ...]}}}

`rows_future` counts the rejected rows whose event time lay beyond the writer's clock plus
the allowed skew; `empty_days` counts the complete days without any event (held, never
marked `_SUCCESS`), the newest RECENT_EMPTY_DAYS of them listed.

Counters are totals since the checkpoint began; offsets are the next offset to read.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bdp_jobs.lake.days import bounded_watermark, complete_through

Offsets = dict[str, dict[str, int]]
RECENT_EMPTY_DAYS = 10


def iso_instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class SourceState:
    max_event_time: datetime | None = None
    complete_through: date | None = None
    offsets: Offsets = field(default_factory=dict)
    rows_raw: int = 0
    rows_late: int = 0
    duplicates_dropped: int = 0
    rows_rejected: int = 0
    rows_future: int = 0
    empty_days: int = 0
    recent_empty_days: tuple[date, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "max_event_time": iso_instant(self.max_event_time) if self.max_event_time else None,
            "complete_through": self.complete_through.isoformat()
            if self.complete_through
            else None,
            "offsets": self.offsets,
            "rows_raw": self.rows_raw,
            "rows_late": self.rows_late,
            "duplicates_dropped": self.duplicates_dropped,
            "rows_rejected": self.rows_rejected,
            "rows_future": self.rows_future,
            "empty_days": self.empty_days,
            "recent_empty_days": [day.isoformat() for day in self.recent_empty_days],
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> SourceState:
        moment, through = document.get("max_event_time"), document.get("complete_through")
        return cls(
            max_event_time=parse_instant(moment) if moment else None,
            complete_through=date.fromisoformat(through) if through else None,
            offsets={
                topic: {str(p): int(o) for p, o in partitions.items()}
                for topic, partitions in document.get("offsets", {}).items()
            },
            rows_raw=int(document.get("rows_raw", 0)),
            rows_late=int(document.get("rows_late", 0)),
            duplicates_dropped=int(document.get("duplicates_dropped", 0)),
            rows_rejected=int(document.get("rows_rejected", 0)),
            rows_future=int(document.get("rows_future", 0)),
            empty_days=int(document.get("empty_days", 0)),
            recent_empty_days=tuple(
                date.fromisoformat(day) for day in document.get("recent_empty_days", [])
            ),
        )


@dataclass(frozen=True)
class BatchCounts:
    """What one batch did for one source."""

    max_event_time: datetime | None = None
    offsets: Offsets = field(default_factory=dict)
    raw: int = 0
    late: int = 0
    duplicates: int = 0
    rejected: int = 0
    future: int = 0  # of the rejected


def merge_offsets(before: Offsets, batch: Offsets) -> Offsets:
    """The batch's next offsets over the previous ones; partitions it did not read carry over."""
    merged = {topic: dict(partitions) for topic, partitions in before.items()}
    for topic, partitions in batch.items():
        merged.setdefault(topic, {}).update(partitions)
    return merged


def advance(
    before: SourceState,
    counts: BatchCounts,
    timezone: str,
    lateness: timedelta,
    not_after: datetime,
) -> SourceState:
    """The state after a batch; the watermark moves at most to `not_after` (the writer's
    clock plus the allowed future skew)."""
    newest = bounded_watermark(before.max_event_time, counts.max_event_time, not_after)
    return replace(
        before,
        max_event_time=newest,
        complete_through=complete_through(newest, timezone, lateness),
        offsets=merge_offsets(before.offsets, counts.offsets),
        rows_raw=before.rows_raw + counts.raw,
        rows_late=before.rows_late + counts.late,
        duplicates_dropped=before.duplicates_dropped + counts.duplicates,
        rows_rejected=before.rows_rejected + counts.rejected,
        rows_future=before.rows_future + counts.future,
    )


def hold_empty_days(state: SourceState, days: list[date]) -> SourceState:
    """The state with `days` (complete days without any event) counted and listed."""
    if not days:
        return state
    recent = (*state.recent_empty_days, *days)[-RECENT_EMPTY_DAYS:]
    return replace(state, empty_days=state.empty_days + len(days), recent_empty_days=recent)


def render_state(batch_id: int, sources: dict[str, SourceState], now: datetime) -> dict[str, Any]:
    return {
        "batch_id": batch_id,
        "updated_at": iso_instant(now),
        "sources": {name: state.to_json() for name, state in sorted(sources.items())},
    }


def parse_state(document: dict[str, Any]) -> dict[str, SourceState]:
    return {
        name: SourceState.from_json(value) for name, value in document.get("sources", {}).items()
    }
