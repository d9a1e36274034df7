"""Kafka records of one API page: valid events to <source>.events, the rest to <source>.dlq."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bdp_collectors.classify import Accepted, classify
from bdp_collectors.events import dlq_record, entity_key
from bdp_collectors.validation import EventSchema


@dataclass(frozen=True)
class Record:
    topic: str
    key: bytes
    value: bytes
    event_id: str
    reason: str | None = None  # why a DLQ record was rejected


@dataclass(frozen=True)
class Topics:
    events: str
    dlq: str


def truncated(text: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes of `text`, cut on a character boundary."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def page_records(
    items: Sequence[Any],
    schema: EventSchema,
    topics: Topics,
    max_event_bytes: int,
    dlq_raw_max_bytes: int,
    cursor: int,
    received_at: datetime,
    max_future_skew: timedelta,
) -> list[Record]:
    """The records of a page's items, in page order (cursor: where the page was requested).

    An event time more than `max_future_skew` after `received_at` is a dead letter."""
    records = []
    not_after = received_at + max_future_skew
    for item in items:
        outcome = classify(schema.source, item, schema, max_event_bytes, not_after)
        if isinstance(outcome, Accepted):
            value = {**outcome.event, "event_id": outcome.event_id}
            key = entity_key(outcome.event, schema.entity_key)
            records.append(Record(topics.events, key, _json(value), outcome.event_id))
            continue
        raw = outcome.raw
        letter = dlq_record(
            schema.source, outcome.event_id, outcome.reason, raw, cursor, received_at
        )
        if len(raw.encode("utf-8")) > dlq_raw_max_bytes:
            # Keeps a huge payload from exceeding Kafka's message size and blocking the page.
            letter |= {"raw": truncated(raw, dlq_raw_max_bytes), "raw_truncated": True}
            letter["raw_bytes"] = len(raw.encode("utf-8"))
        key = outcome.event_id.encode("utf-8")
        records.append(Record(topics.dlq, key, _json(letter), outcome.event_id, outcome.reason))
    return records


def _json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
