"""The lake writer's state document as samples (pure).

The document's format and parsing belong to the lake writer (`bdp_jobs.lake.state`); this
module only maps the parsed state to metrics.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from bdp_exporter import days
from bdp_exporter.metrics import (
    LAKE_BATCH_ID,
    LAKE_COMPLETE_THROUGH,
    LAKE_DAY_DUE,
    LAKE_LAST_BATCH,
    LAKE_OFFSET,
    LAKE_ROWS,
    NamedSample,
    sample,
)
from bdp_jobs.lake.state import SourceState, parse_instant, parse_state


class StateError(ValueError):
    """The state document is not what the lake writer writes."""


def _row_kinds(state: SourceState) -> dict[str, int]:
    return {
        "raw": state.rows_raw,
        "late": state.rows_late,
        "duplicate": state.duplicates_dropped,
        "rejected": state.rows_rejected,
        "future": state.rows_future,
    }


def lake_samples(
    document: Any, sources: Iterable[str], timezone: str, raw_grace: timedelta
) -> list[NamedSample]:
    """Samples of the writer state `document` for the configured `sources`.

    A configured source the writer has not seen yet gets no samples; a source in the state
    but not configured is left out. Raises StateError when the document does not parse.
    """
    try:
        if not isinstance(document, dict):
            raise TypeError("not a JSON object")
        batch_id = int(document["batch_id"])
        updated_at = parse_instant(document["updated_at"])
        states = parse_state(document)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StateError(f"lake writer state does not parse: {type(exc).__name__}: {exc}") from exc
    samples = [
        sample(LAKE_LAST_BATCH, updated_at.timestamp()),
        sample(LAKE_BATCH_ID, batch_id),
    ]
    for source in sources:
        state = states.get(source)
        if state is None:
            continue
        for topic, partitions in state.offsets.items():
            for partition, offset in partitions.items():
                samples.append(
                    sample(LAKE_OFFSET, offset, source=source, topic=topic, partition=partition)
                )
        for kind, rows in _row_kinds(state).items():
            samples.append(sample(LAKE_ROWS, rows, source=source, kind=kind))
        if state.complete_through is not None:
            through = state.complete_through
            end = days.end_of_day(through, timezone)
            next_due = days.due(through + timedelta(days=1), timezone, raw_grace)
            samples.append(sample(LAKE_COMPLETE_THROUGH, end.timestamp(), source=source))
            samples.append(sample(LAKE_DAY_DUE, next_due.timestamp(), source=source))
    return samples
