"""Properties of the collectors' validation and event ids, over random and hostile API items.

Whatever a page holds, each item is either accepted as an event that truly satisfies
schemas/events/<source>.json (checked here without jsonschema) under the CONTRACT id
event_id(source, event), or dead-lettered with a reason: nothing raises, nothing is dropped.
"""

import json
import math
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bdp.sources import platform_sources
from bdp_collectors.classify import (
    MAX_NESTING,
    REASON_CLASSES,
    Accepted,
    Rejected,
    classify,
    item_id,
    reason_class,
)
from bdp_collectors.collector.client import ApiError, Page, parse_page
from bdp_collectors.collector.records import Topics, page_records
from bdp_collectors.events import canonical, event_id, raw_event_id, raw_text
from bdp_collectors.validation import default_schema_dir, load_schema

SOURCES = platform_sources()
SCHEMA_DIR = default_schema_dir()
SCHEMAS = {source: load_schema(SCHEMA_DIR / f"{source}.json") for source in SOURCES}
DOCUMENTS = {source: json.loads((SCHEMA_DIR / f"{source}.json").read_text()) for source in SOURCES}
CONTRACT_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", re.ASCII)
TOPICS = Topics("src.events", "src.dlq")
RECEIVED_AT = datetime(2026, 11, 1, 12, tzinfo=UTC)
PLUS_NINE = timezone(timedelta(hours=9))
SKEW = timedelta(minutes=5)
PURE = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- an oracle for "truly satisfies the schema", written without jsonschema -----------------


def has_type(value: Any, name: str) -> bool:
    """JSON Schema's types over what json.loads makes; NaN and Infinity are not JSON numbers."""
    if name == "null":
        return value is None
    if name in ("boolean", "string"):
        return isinstance(value, bool if name == "boolean" else str)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return name == "number" or isinstance(value, int) or value.is_integer()


def ecma_search(pattern: str, text: str) -> bool:
    """A ^...$ pattern searched as ECMA-262 (JSON Schema's dialect) does: its `$` is the end of
    the text, Python's \\Z; Python's `$` also matches before a final newline."""
    assert pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$")
    return re.search(pattern[:-1] + r"\Z", text) is not None


def in_bounds(value: Any, spec: dict[str, Any]) -> bool:
    if value is None or isinstance(value, str | bool):
        return True
    return spec.get("minimum", -math.inf) <= value <= spec.get("maximum", math.inf)


def contract_instant(value: Any) -> datetime | None:
    """The instant of a CONTRACT event time (UTC ISO-8601, milliseconds, Z), else None."""
    if not isinstance(value, str) or not CONTRACT_TIME.fullmatch(value):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def satisfies(source: str, event: Any) -> bool:
    """An object whose properties all have their declared type, enum, bounds and pattern, with
    the required ones and no others, a CONTRACT event time, and UTF-8 JSON text."""
    document = DOCUMENTS[source]
    properties = document["properties"]
    if not isinstance(event, dict) or not set(document["required"]) <= set(event):
        return False
    for name, value in event.items():
        spec = properties.get(name)
        if spec is None:
            return False
        types = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
        if not any(has_type(value, kind) for kind in types):
            return False
        if ("enum" in spec and value not in spec["enum"]) or not in_bounds(value, spec):
            return False
        if "pattern" in spec and isinstance(value, str) and not ecma_search(spec["pattern"], value):
            return False
    if contract_instant(event[document["x-bdp"]["event_time"]]) is None:
        return False
    return utf8_json(event) is not None


def encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return False
    return True


def utf8_json(value: Any) -> bytes | None:
    """Strict JSON text as UTF-8, or None (NaN or Infinity, lone surrogates, deep nesting)."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (ValueError, RecursionError):
        return None


def decoded(item: Any) -> tuple[bool, Any]:
    """(parsed, value): what an item stands for, strings being payload text."""
    if not isinstance(item, str):
        return True, item
    try:
        return True, json.loads(item)
    except (ValueError, RecursionError):
        return False, None


def depth(value: Any) -> int:
    """How deeply arrays and objects nest, by recursion: an oracle independent of the
    collector's iterative count (generated values nest at most a few hundred levels)."""
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list):
        return 0
    return 1 + max(map(depth, value), default=0)


def canonicalisable(value: Any) -> bool:
    return depth(value) <= MAX_NESTING and utf8_json(value) is not None


def strict_loads(data: bytes) -> Any:
    """json.loads of UTF-8 that refuses the NaN and Infinity tokens Python's json writes."""

    def refuse(token: str) -> None:
        raise AssertionError(f"{token} in a Kafka record")

    return json.loads(data.decode("utf-8"), parse_constant=refuse)


# --- strategies -------------------------------------------------------------------------------

lone_surrogates = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3)
any_text = st.text(max_size=30)  # any Unicode but surrogates: controls, combining, astral...
huge_strings = st.integers(70_000, 150_000).map(lambda size: "x" * size)
non_finite_numbers = st.sampled_from([math.nan, math.inf, -math.inf])
huge_integers = st.integers(min_value=2**63).map(lambda n: n * 10**30)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | any_text
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3),
    max_leaves=8,
)


def nested(levels: int, kind: str) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value] if kind == "array" else {"a": value}
    return value


near_miss_suffixes = st.sampled_from(["\n", "\r\n", " ", "\x00", "é"])
deeply_nested = st.builds(nested, st.integers(1, 300), st.sampled_from(["array", "object"]))
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)


def contract_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def other_time_forms(moment: datetime) -> st.SearchStrategy[str]:
    """The instant, but not in the CONTRACT's form (no zone, +09:00, no milliseconds, ...)."""
    text = contract_time(moment)
    return st.sampled_from(
        [
            text.removesuffix("Z"),  # no zone
            moment.astimezone(PLUS_NINE).isoformat(timespec="milliseconds"),
            moment.isoformat(timespec="milliseconds"),  # +00:00
            text[:-5] + "Z",  # no milliseconds
            text[:-1] + "000Z",  # microseconds
            text.replace("T", " "),
            text.lower(),
            text + "\n",
            " " + text,
            text[:10],  # a date
            str(int(moment.timestamp())),
        ]
    )


def property_values(spec: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values a property of the schema allows."""
    options = []
    for kind in spec["type"] if isinstance(spec["type"], list) else [spec["type"]]:
        if "enum" in spec and kind != "null":
            options.append(st.sampled_from(spec["enum"]))
        elif kind == "null":
            options.append(st.none())
        elif kind == "boolean":
            options.append(st.booleans())
        elif kind == "string" and spec.get("format") == "date-time":
            options.append(instants.map(contract_time))
        elif kind == "string" and "pattern" in spec:
            options.append(st.from_regex(spec["pattern"], fullmatch=True))
        elif kind == "string":
            options.append(any_text)
        elif kind == "integer":
            options.append(st.integers(spec.get("minimum"), spec.get("maximum")))
        else:
            low = spec.get("minimum")
            options.append(st.floats(low, allow_nan=False, allow_infinity=False) | st.integers(low))
    return st.one_of(options)


@st.composite
def valid_events(draw: st.DrawFn, source: str) -> dict[str, Any]:
    document = DOCUMENTS[source]
    return {
        name: draw(property_values(spec))
        for name, spec in document["properties"].items()
        if name in document["required"] or draw(st.booleans())
    }


SPOILS = (
    "wrong_type",
    "null",
    "missing",
    "extra",
    "huge",
    "nested",
    "non_finite",
    "huge_integer",
    "surrogate",
    "surrogate_key",
    "time_form",
    "near_miss",
)


@st.composite
def hostile_events(
    draw: st.DrawFn, source: str, spoils: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """A valid event spoilt in the given ways, or in one to three."""
    names = list(DOCUMENTS[source]["properties"])
    event = draw(valid_events(source))
    for spoil in spoils or draw(st.lists(st.sampled_from(SPOILS), min_size=1, max_size=3)):
        name = draw(st.sampled_from(names))
        if spoil == "wrong_type":
            event[name] = draw(json_values)
        elif spoil == "null":
            event[name] = None
        elif spoil == "missing":
            event.pop(name, None)
        elif spoil == "extra":
            event[draw(any_text.filter(lambda key: key not in names))] = draw(json_values)
        elif spoil == "huge":
            event[name] = draw(huge_strings)
        elif spoil == "nested":
            event[name] = draw(deeply_nested)
        elif spoil == "non_finite":
            event[name] = draw(non_finite_numbers)
        elif spoil == "huge_integer":
            event[name] = draw(huge_integers)
        elif spoil == "surrogate":
            event[name] = draw(any_text) + draw(lone_surrogates)
        elif spoil == "surrogate_key":
            event[draw(lone_surrogates)] = 1
        elif spoil == "time_form":
            event["event_time"] = draw(instants.flatmap(other_time_forms))
        else:  # near_miss: a valid text with more after it
            texts = [key for key, value in event.items() if isinstance(value, str)]
            if texts:
                event[draw(st.sampled_from(texts))] += draw(near_miss_suffixes)
    return event


def json_texts(value: Any) -> st.SearchStrategy[str]:
    """The payload text of a value (json.dumps writes NaN and Infinity tokens), whole or cut."""
    texts = st.sampled_from([json.dumps(value), json.dumps(value, ensure_ascii=False)])
    cut = texts.flatmap(lambda text: st.integers(0, max(len(text) - 1, 0)).map(lambda n: text[:n]))
    return texts | cut


hostile_payload_texts = st.one_of(
    st.just(""),
    any_text,
    st.integers(900, 5000).map(lambda n: "[" * n + "]" * n),  # past the parser's recursion
    st.integers(4301, 6000).map(lambda n: '{"x": ' + "9" * n + "}"),  # past int's digit limit
    st.just('{"account": "a", "account": 1}'),
    st.just("NaN"),
    st.just("[Infinity]"),
)


def items(source: str) -> st.SearchStrategy[Any]:
    """Elements of a page's "events": objects, other JSON values, and payload texts."""
    objects = valid_events(source) | hostile_events(source)
    return st.one_of(
        objects,
        objects.flatmap(json_texts),
        json_values,
        json_values.flatmap(json_texts),
        deeply_nested,
        hostile_payload_texts,
    )


@st.composite
def pages(draw: st.DrawFn) -> tuple[str, list[Any]]:
    source = draw(st.sampled_from(SOURCES))
    return source, draw(st.lists(items(source), min_size=1, max_size=8))


def sourced(events: Any) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    return st.sampled_from(SOURCES).flatmap(lambda s: st.tuples(st.just(s), events(s)))


max_event_bytes = st.sampled_from([4096, 65536])
not_after_times = st.none() | instants


# --- classify ---------------------------------------------------------------------------------


def check_outcome(
    source: str, item: Any, outcome: Accepted | Rejected, limit: int, not_after: datetime | None
) -> None:
    parsed, value = decoded(item)
    if isinstance(outcome, Accepted):
        assert parsed and outcome.event == value
        assert satisfies(source, value), value
        assert len(raw_text(item).encode("utf-8")) <= limit
        assert not_after is None or contract_instant(value["event_time"]) <= not_after
        assert outcome.event_id == event_id(source, value)
        return
    assert isinstance(outcome, Rejected)
    assert outcome.reason and reason_class(outcome.reason) in REASON_CLASSES
    data = outcome.raw.encode("utf-8")  # a DLQ record can carry it
    if encodable(raw_text(item)):
        assert outcome.raw == raw_text(item)
    else:  # lone surrogates, kept as backslash escapes
        assert reason_class(outcome.reason) in ("malformed", "oversized")
    if parsed and isinstance(value, dict) and canonicalisable(value):
        assert outcome.event_id == event_id(source, value)
    else:
        assert outcome.event_id == raw_event_id(source, data)


@PURE
@given(pages(), max_event_bytes, not_after_times)
def test_every_item_is_a_valid_event_or_a_dead_letter_with_a_reason(page, limit, not_after):
    source, page_items = page
    for item in page_items:
        outcome = classify(source, item, SCHEMAS[source], limit, not_after)
        check_outcome(source, item, outcome, limit, not_after)
        again = classify(source, item, SCHEMAS[source], limit, not_after)
        assert (type(again), again.event_id) == (type(outcome), outcome.event_id)


@pytest.mark.parametrize("spoil", SPOILS)
@settings(PURE, max_examples=60)
@given(data=st.data())
def test_each_spoil_is_accepted_only_if_the_event_is_still_valid(spoil, data):
    source = data.draw(st.sampled_from(SOURCES))
    event = data.draw(hostile_events(source, (spoil,)))
    for item in (event, data.draw(json_texts(event))):
        outcome = classify(source, item, SCHEMAS[source], 65536, RECEIVED_AT)
        check_outcome(source, item, outcome, 65536, RECEIVED_AT)


@PURE
@given(sourced(valid_events))
def test_valid_events_are_accepted_with_their_contract_id(case):
    source, event = case
    for item in (event, json.dumps(event), json.dumps(event, ensure_ascii=False)):
        outcome = classify(source, item, SCHEMAS[source], 65536)
        assert outcome == Accepted(event_id(source, event), event)


@PURE
@given(sourced(valid_events), st.integers(-(10**6), 10**6))
def test_an_event_later_than_collection_plus_skew_is_a_future_dead_letter(case, offset_ms):
    source, event = case
    moment = contract_instant(event["event_time"])
    not_after = moment + timedelta(milliseconds=offset_ms)
    outcome = classify(source, event, SCHEMAS[source], 65536, not_after)
    if moment > not_after:
        assert isinstance(outcome, Rejected) and reason_class(outcome.reason) == "future"
        assert outcome.event_id == event_id(source, event)
    else:
        assert outcome == Accepted(event_id(source, event), event)


@PURE
@given(valid_events("lodging"), near_miss_suffixes)
def test_a_pattern_does_not_match_a_text_with_more_after_it(event, suffix):
    spoilt = event | {"method": event["method"] + suffix}
    outcome = classify("lodging", spoilt, SCHEMAS["lodging"], 65536)
    assert isinstance(outcome, Rejected) and outcome.reason.startswith("schema: $.method:")


# --- page_records -----------------------------------------------------------------------------


@PURE
@given(
    pages(),
    max_event_bytes,
    st.sampled_from([64, 262_144]),
    st.integers(0, 2**40),
    st.integers(0, 3600).map(lambda s: timedelta(seconds=s)),
)
def test_page_records_route_every_item_to_one_topic(page, limit, dlq_limit, cursor, skew):
    source, page_items = page
    schema = SCHEMAS[source]
    records = page_records(page_items, schema, TOPICS, limit, dlq_limit, cursor, RECEIVED_AT, skew)
    assert len(records) == len(page_items)
    for item, record in zip(page_items, records, strict=True):
        outcome = classify(source, item, schema, limit, RECEIVED_AT + skew)
        assert record.event_id == outcome.event_id
        value = strict_loads(record.value)
        if record.topic == TOPICS.events:
            assert isinstance(outcome, Accepted) and record.reason is None
            assert value.pop("event_id") == record.event_id == event_id(source, value)
            assert satisfies(source, value)
            assert record.key == str(value[schema.entity_key]).encode("utf-8")
            assert contract_instant(value["event_time"]) <= RECEIVED_AT + skew
            continue
        assert record.topic == TOPICS.dlq and isinstance(outcome, Rejected)
        assert record.reason == value["reason"]
        # The same class (a parser's recursion error depends on the stack's depth).
        assert reason_class(record.reason) == reason_class(outcome.reason)
        assert record.key == record.event_id.encode("utf-8")
        assert (value["source"], value["event_id"], value["cursor"]) == (
            source,
            record.event_id,
            cursor,
        )
        assert value["received_at"] == "2026-11-01T12:00:00.000Z"
        raw_bytes = len(outcome.raw.encode("utf-8"))
        if raw_bytes > dlq_limit:
            assert value["raw_truncated"] is True and value["raw_bytes"] == raw_bytes
            assert outcome.raw.startswith(value["raw"])
            assert len(value["raw"].encode("utf-8")) <= dlq_limit
        else:
            assert value["raw"] == outcome.raw and "raw_truncated" not in value


# --- parse_page -------------------------------------------------------------------------------


def deep_page(levels: int) -> bytes:
    """A page whose one event nests objects `levels` deep (up to past the parser's limit)."""
    event = b'{"a":' * levels + b"1" + b"}" * levels
    return b'{"events": [' + event + b'], "next_cursor": 0, "available": 0, "end": true}'


@st.composite
def page_bodies(draw: st.DrawFn) -> bytes:
    """Response bodies: API pages of hostile items and fields, other JSON, broken bytes."""
    source = draw(st.sampled_from(SOURCES))
    envelope = {
        "events": draw(st.lists(items(source), max_size=5)),
        "next_cursor": draw(st.integers(0, 10**6)),
        "available": draw(st.integers(0, 10**6)),
        "end": draw(st.booleans()),
    }
    for name in draw(st.lists(st.sampled_from(sorted(envelope)), max_size=2)):
        envelope[name] = draw(json_values)
    text = json.dumps(envelope, ensure_ascii=draw(st.booleans()))
    body = text.encode("utf-8", "surrogatepass")  # a lone surrogate so written is not UTF-8
    return draw(
        st.one_of(
            st.just(body),
            st.integers(0, len(body)).map(lambda cut: body[:cut]),
            st.just(body.replace(b'"', b"\xff", 1)),
            st.binary(max_size=64),
            json_values.map(lambda value: json.dumps(value).encode()),
            st.integers(0, 1100).map(deep_page),
            st.just(b'{"events": [], "next_cursor": ' + b"1" * 5000 + b"}"),
        )
    )


@PURE
@given(page_bodies(), st.sampled_from(["application/json", "text/html", "", "Application/JSON;x"]))
def test_parse_page_returns_a_page_or_a_bad_body_error(body, content_type):
    try:
        page = parse_page(body, content_type)
    except ApiError as error:
        assert error.kind == "bad_body" and error.reason
        return
    assert isinstance(page, Page) and isinstance(page.events, list)
    for number in (page.next_cursor, page.available):
        assert isinstance(number, int) and not isinstance(number, bool) and number >= 0
    assert isinstance(page.end, bool)
    for schema in SCHEMAS.values():
        records = page_records(page.events, schema, TOPICS, 65536, 262_144, 0, RECEIVED_AT, SKEW)
        assert len(records) == len(page.events)
        assert {record.topic for record in records} <= {TOPICS.events, TOPICS.dlq}


# --- event ids --------------------------------------------------------------------------------

json_objects = st.dictionaries(any_text, json_values, max_size=6).filter(
    lambda value: utf8_json(value) is not None
)


@PURE
@given(st.sampled_from(SOURCES), json_objects, st.randoms(use_true_random=False))
def test_event_ids_do_not_depend_on_key_order(source, event, rng):
    keys = list(event)
    rng.shuffle(keys)
    shuffled = {key: event[key] for key in keys}
    assert canonical(shuffled) == canonical(event)
    assert event_id(source, shuffled) == event_id(source, event)
    assert item_id(source, shuffled, raw_text(shuffled)) == event_id(source, event)


@PURE
@given(st.sampled_from(SOURCES), st.sampled_from(SOURCES), json_objects, json_objects)
def test_event_ids_differ_for_different_content_or_source(source, other, first, second):
    if canonical(first) != canonical(second):
        assert event_id(source, first) != event_id(source, second)
    if source != other:
        assert event_id(source, first) != event_id(other, first)


@PURE
@given(st.sampled_from(SOURCES), json_values.filter(lambda v: not isinstance(v, dict)), st.text())
def test_raw_ids_of_non_objects_are_deterministic_and_distinct(source, value, other_raw):
    raw = raw_text(value)
    ident = item_id(source, value, raw)
    assert ident == item_id(source, value, raw) == raw_event_id(source, raw.encode("utf-8"))
    if other_raw != raw:
        assert raw_event_id(source, other_raw.encode("utf-8")) != ident
