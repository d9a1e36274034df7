"""The writer state after each batch, as `bdp ingest status` reads it (pure).

    {"batch_id": N, "updated_at": "<UTC ISO Z>",
     "sources": {"<source>": {"max_event_time": "<UTC ISO Z>" | null,
                              "complete_through": "YYYY-MM-DD" | null,
                              "offsets": {"<topic>": {"<partition>": next_offset}},
                              "rows_raw": n, "rows_late": n, "duplicates_dropped": n,
                              "rows_rejected": n}}}

Counters are totals since the checkpoint began; offsets are the next offset to read.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bdp_jobs.lake.days import complete_through

Offsets = dict[str, dict[str, int]]


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


def merge_offsets(before: Offsets, batch: Offsets) -> Offsets:
    """The batch's next offsets over the previous ones; partitions it did not read carry over."""
    merged = {topic: dict(partitions) for topic, partitions in before.items()}
    for topic, partitions in batch.items():
        merged.setdefault(topic, {}).update(partitions)
    return merged


def advance(
    before: SourceState, counts: BatchCounts, timezone: str, lateness: timedelta
) -> SourceState:
    newest = max(
        (t for t in (before.max_event_time, counts.max_event_time) if t is not None),
        default=None,
    )
    return replace(
        before,
        max_event_time=newest,
        complete_through=complete_through(newest, timezone, lateness),
        offsets=merge_offsets(before.offsets, counts.offsets),
        rows_raw=before.rows_raw + counts.raw,
        rows_late=before.rows_late + counts.late,
        duplicates_dropped=before.duplicates_dropped + counts.duplicates,
        rows_rejected=before.rows_rejected + counts.rejected,
    )


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
