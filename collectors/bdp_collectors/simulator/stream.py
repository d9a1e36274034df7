"""The deterministic stream of each source and the known sets the tests check against."""

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bdp_collectors.classify import item_id
from bdp_collectors.events import raw_text
from bdp_collectors.simulator.config import STREAM_FAULTS, ApiConfig, as_api_config, pick
from bdp_collectors.simulator.faults import malformed, oversize, violate
from bdp_collectors.simulator.registry import generators
from bdp_collectors.simulator.timeline import (
    day_bounds_ms,
    event_date,
    event_times,
    iso_to_ms,
    ms_to_iso,
)

DUPLICATE_DISTANCE = 20  # a duplicate repeats one of this many previous valid items
# Item kinds: valid ones, then the invalid ones with the reason class the collector gives them.
# A source with a wrong clock sends `future` events (dead letters: later than collection time
# plus the allowed skew) and `past` ones (valid, and late once the source has complete days).
VALID_KINDS = ("event", "late", "duplicate", "past")
KIND_OF_FAULT = {
    "duplicate": "duplicate",
    "late": "late",
    "malformed_json": "malformed",
    "schema_violation": "schema_violation",
    "oversized": "oversized",
    "future_time": "future",
    "past_time": "past",
}
INVALID_KINDS = {
    "malformed": "malformed",
    "schema_violation": "schema",
    "oversized": "oversized",
    "future": "future",
}


@dataclass(frozen=True)
class StreamItem:
    position: int
    kind: str  # event, late, duplicate, past, malformed, schema_violation, oversized or future
    payload: Any  # the JSON object served, or the broken payload text (str)
    original: int | None = None  # a duplicate's original position


@dataclass(frozen=True)
class ExpectedEvent:
    event_id: str
    event: dict[str, Any]  # as served, without event_id
    dt: str  # event date in the configured time zone
    late: bool


@dataclass(frozen=True)
class ExpectedInvalid:
    position: int
    event_id: str
    reason_class: str  # oversized, malformed, schema or future (see classify.reason_class)


@dataclass(frozen=True)
class Expected:
    valid: dict[str, ExpectedEvent]  # by event_id, duplicates counted once
    invalid: list[ExpectedInvalid]  # in stream order


def build_stream(source: str, config: ApiConfig | Mapping[str, Any]) -> list[StreamItem]:
    """events_per_day * days items of `source`, a function of the config alone."""
    config = as_api_config(config)
    simulated = generators()
    if source not in simulated:
        raise ValueError(f"unknown source {source!r}; known: {', '.join(simulated)}")
    rng = random.Random(f"{config.seed}:{source}")
    generator = simulated[source]()
    zone = config.zone
    times = event_times(rng, config.start_date, config.days, config.events_per_day, zone)
    stream_start = day_bounds_ms(config.start_date, zone)[0]
    # Times of the valid events so far: distinct times keep distinct events distinct. Generated
    # times increase strictly, so only late events can meet an earlier time.
    taken: set[int] = set()
    valid_positions: list[int] = []
    items: list[StreamItem] = []
    for position, ms in enumerate(times):
        kind = KIND_OF_FAULT.get(pick(rng.random(), config.faults, STREAM_FAULTS), "event")
        recent = [
            p for p in valid_positions[-DUPLICATE_DISTANCE:] if position - p <= DUPLICATE_DISTANCE
        ]
        if kind == "duplicate" and recent:
            original = rng.choice(recent)
            items.append(StreamItem(position, kind, items[original].payload, original))
            continue
        event = generator.event(rng, ms)
        if kind == "late":
            hours = rng.uniform(*config.late_hours)
            late_ms = ms - int(hours * 3_600_000)
            while late_ms in taken:
                late_ms -= 1
            if late_ms >= stream_start:
                ms = late_ms
                event = dict(event, event_time=ms_to_iso(late_ms))
            else:
                kind = "event"  # keeps every event date inside the simulated days
        if kind in ("future", "past"):
            skew = config.clock_skew_days * 86_400_000
            ms = ms + skew if kind == "future" else ms - skew
            event = dict(event, event_time=ms_to_iso(ms))
        if kind == "future":
            items.append(StreamItem(position, kind, event))
        elif kind == "malformed":
            items.append(StreamItem(position, kind, malformed(rng, event)))
        elif kind == "schema_violation":
            items.append(StreamItem(position, kind, violate(rng, event, generator)))
        elif kind == "oversized":
            items.append(
                StreamItem(position, kind, oversize(rng, event, generator, config.oversized_bytes))
            )
        else:
            kind = "event" if kind == "duplicate" else kind  # nothing recent to repeat
            taken.add(ms)
            valid_positions.append(position)
            items.append(StreamItem(position, kind, event))
    return items


def expected(source: str, config: ApiConfig | Mapping[str, Any]) -> Expected:
    """The valid de-duplicated events and the invalid items of the stream, by construction."""
    config = as_api_config(config)
    valid: dict[str, ExpectedEvent] = {}
    invalid: list[ExpectedInvalid] = []
    for item in build_stream(source, config):
        ident = item_id(source, item.payload, raw_text(item.payload))
        if item.kind in VALID_KINDS:
            day = event_date(iso_to_ms(item.payload["event_time"]), config.zone)
            # A duplicate's original came first, so setdefault keeps the first delivery.
            late = item.kind in ("late", "past")
            valid.setdefault(ident, ExpectedEvent(ident, item.payload, day, late))
        else:
            invalid.append(ExpectedInvalid(item.position, ident, INVALID_KINDS[item.kind]))
    return Expected(valid, invalid)
