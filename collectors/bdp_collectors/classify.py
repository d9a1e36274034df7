"""What the collector makes of one API item: a valid event or a dead letter (pure)."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bdp_collectors.events import event_id, raw_event_id, raw_text, utc_iso
from bdp_collectors.validation import EventSchema, parse_event_time

REASON_CLASSES = ("oversized", "malformed", "not_object", "schema", "future")
FUTURE = "future"
# Events are flat; a value nested deeper is refused before anything recurses into it, so a
# payload nested close to the interpreter's recursion limit cannot crash the collector.
MAX_NESTING = 64


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
    except (ValueError, RecursionError) as error:  # integers over 4300 digits, deep nesting
        return item, str(error)


def nesting(value: Any) -> int:
    """How deeply arrays and objects nest in `value` (without recursion), up to MAX_NESTING + 1."""
    deepest, pending = 0, [(value, 1)]
    while pending and deepest <= MAX_NESTING:
        node, depth = pending.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            children = node.values() if isinstance(node, dict) else node
            pending.extend((child, depth + 1) for child in children)
    return deepest


def json_problem(value: Any) -> str | None:
    """Why a decoded value is not interchangeable JSON: nested past MAX_NESTING, NaN or
    Infinity (json accepts and writes them, JSON has no such numbers), or a lone surrogate
    (text that is not Unicode, so not UTF-8)."""
    if nesting(value) > MAX_NESTING:
        return f"nested deeper than {MAX_NESTING} levels"
    try:
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except ValueError as error:  # UnicodeEncodeError included
        return str(error)
    return None


def future_reason(field: str, moment: datetime, not_after: datetime) -> str:
    """Why an event time past `not_after` (collection time plus the allowed skew) is refused."""
    return (
        f"{FUTURE}: $.{field} {utc_iso(moment)} is later than {utc_iso(not_after)}"
        " (the collection time plus max_future_skew)"
    )


def classify(
    source: str,
    item: Any,
    schema: EventSchema,
    max_event_bytes: int,
    not_after: datetime | None = None,
) -> Accepted | Rejected:
    """Validate one element of a page's "events"; an event time later than `not_after` (when
    given) is refused, so a source with a wrong clock cannot complete days that have not
    happened."""
    # A lone surrogate (a page's \ud800 escape) is kept as a backslash escape: UTF-8 has none.
    data = raw_text(item).encode("utf-8", "backslashreplace")
    raw = data.decode("utf-8")
    value, error = decode(item)
    if error is None:
        error = json_problem(value)
    # Malformed items, objects too, are known by their raw bytes (they have no canonical JSON).
    ident = raw_event_id(source, data) if error is not None else item_id(source, value, raw)
    if len(data) > max_event_bytes:
        return Rejected(ident, "oversized", raw)
    if error is not None:
        return Rejected(ident, f"malformed JSON: {error}", raw)
    if not isinstance(value, dict):
        return Rejected(ident, f"not an object: {type(value).__name__}", raw)
    problem = schema.violation(value)
    if problem:
        return Rejected(ident, problem, raw)
    moment = parse_event_time(value[schema.event_time])
    if not_after is not None and moment is not None and moment > not_after:
        return Rejected(ident, future_reason(schema.event_time, moment, not_after), raw)
    return Accepted(ident, value)


def reason_class(reason: str) -> str:
    """The class of a rejection reason: oversized, malformed, not_object, schema or future."""
    if reason.startswith(f"{FUTURE}:"):
        return FUTURE
    if reason == "oversized":
        return "oversized"
    if reason.startswith("malformed JSON"):
        return "malformed"
    if reason.startswith("not an object"):
        return "not_object"
    return "schema"
