"""What the collector makes of one API item: a valid event or a dead letter (pure)."""

import json
from dataclasses import dataclass
from typing import Any

from bdp_collectors.events import event_id, raw_event_id, raw_text
from bdp_collectors.schemas import EventSchema

REASON_CLASSES = ("oversized", "malformed", "not_object", "schema")


@dataclass(frozen=True)
class Accepted:
    event_id: str
    event: dict[str, Any]  # as received, without event_id


@dataclass(frozen=True)
class Rejected:
    event_id: str
    reason: str
    raw: str


def item_id(source: str, item: Any, raw: str) -> str:
    """CONTRACT id of an item: over the canonical event for objects, over the raw bytes if not."""
    if isinstance(item, dict):
        return event_id(source, item)
    return raw_event_id(source, raw.encode("utf-8"))


def decode(item: Any) -> tuple[Any, str | None]:
    """The JSON value an item stands for (strings are payload text), or the parse error."""
    if not isinstance(item, str):
        return item, None
    try:
        return json.loads(item), None
    except json.JSONDecodeError as error:
        return item, str(error)


def classify(
    source: str, item: Any, schema: EventSchema, max_event_bytes: int
) -> Accepted | Rejected:
    """Validate one element of a page's "events"."""
    raw = raw_text(item)
    value, error = decode(item)
    ident = item_id(source, value, raw)
    if len(raw.encode("utf-8")) > max_event_bytes:
        return Rejected(ident, "oversized", raw)
    if error is not None:
        return Rejected(ident, f"malformed JSON: {error}", raw)
    if not isinstance(value, dict):
        return Rejected(ident, f"not an object: {type(value).__name__}", raw)
    problem = schema.violation(value)
    if problem:
        return Rejected(ident, problem, raw)
    return Accepted(ident, value)


def reason_class(reason: str) -> str:
    """The class of a rejection reason: oversized, malformed, not_object or schema."""
    if reason == "oversized":
        return "oversized"
    if reason.startswith("malformed JSON"):
        return "malformed"
    if reason.startswith("not an object"):
        return "not_object"
    return "schema"
