"""Pure helpers of the event CONTRACT: canonical JSON, event ids, entity keys, DLQ records."""

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

EVENT_NAMESPACE = uuid.UUID("6f1c1e8e-4b7a-5d2c-9a4e-3b1d2c0f7a11")


def canonical(event: dict[str, Any]) -> str:
    """The event's canonical JSON text, the input of its event_id."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def raw_text(item: Any) -> str:
    """An API item as text: strings as they are (broken payloads), anything else as compact JSON."""
    if isinstance(item, str):
        return item
    return json.dumps(item, separators=(",", ":"), ensure_ascii=False)


def event_id(source: str, event: dict[str, Any]) -> str:
    """The deterministic id of a JSON-object event, as received (without event_id)."""
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{source}:{canonical(event)}"))


def raw_event_id(source: str, raw: bytes) -> str:
    """The deterministic id of a payload that is not a JSON object."""
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{source}:raw:{hashlib.sha256(raw).hexdigest()}"))


def entity_key(event: dict[str, Any], field: str) -> bytes:
    """The Kafka key of a valid event: its entity-key field as UTF-8 text."""
    return str(event[field]).encode("utf-8")


def utc_iso(moment: datetime) -> str:
    """A time as the platform writes it: UTC ISO-8601 with milliseconds and Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def dlq_record(
    source: str, item_event_id: str, reason: str, raw: str, cursor: int, received_at: datetime
) -> dict[str, Any]:
    """The value of a `<source>.dlq` record."""
    return {
        "source": source,
        "event_id": item_event_id,
        "reason": reason,
        "raw": raw,
        "cursor": cursor,
        "received_at": utc_iso(received_at),
    }
