"""Properties of the lake writer's pure transforms over random and hostile Kafka records.

Every record of a batch lands exactly once, counted by offset: accepted as a typed row that an
independent oracle (below) finds valid under the lake's schema, or rejected with a reason and
its payload byte for byte. Spark is slow to start a job, so each example is a whole batch and
there are few examples.

The lake is the second gate (the collector validates first) and is knowingly more lenient than
the JSON Schema, which the oracle allows for: a non-string JSON value of a string property
(event_id included) is stored as its JSON text, Spark's from_json has no strict mode; properties
outside the schema are ignored; null in an optional property is stored as absent; an offset
other than Z is converted to UTC; a fraction past microseconds is truncated.
"""

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lake_fixtures import KAFKA_COLUMNS, NOW, SKEW, schema_document, write_schemas
from pyspark.sql import functions as F

from bdp_collectors.events import event_id
from bdp_jobs.lake.transforms import (
    DAY,
    LATE,
    REASON,
    accepted,
    dedupe_batch,
    mark_late,
    parse_events,
    rejected,
)
from bdp_jobs.sparkschema import load_schema

SOURCE = "game"
DOCUMENT = schema_document(SOURCE)
PROPERTIES = DOCUMENT["properties"]
REQUIRED = DOCUMENT["required"]
TOPIC = f"{SOURCE}.events"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PLUS_NINE = timezone(timedelta(hours=9))
RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})",
    re.ASCII,
)
SPARK = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    return load_schema(write_schemas(tmp_path_factory.mktemp("schemas")), SOURCE)


@dataclass(frozen=True)
class Record:
    """One Kafka record of a batch; `pristine`: a valid event as a collector writes it."""

    key: bytes | None
    payload: bytes | None
    kafka_time: datetime
    pristine: bool = False


# --- the oracle: what the lake may store for a record -----------------------------------------


class Invalid(Exception):
    """A record the lake must refuse."""


@dataclass(frozen=True)
class AnyText:
    """A string property given another JSON value: stored as its JSON text (`text`, when it
    is predictable: Jackson rewrites numbers with a fraction or an exponent)."""

    text: str | None


def micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def instant_micros(text: Any) -> int:
    """The instant of an RFC 3339 date-time, in microseconds (a longer fraction truncated)."""
    found = RFC3339.fullmatch(text) if isinstance(text, str) else None
    if not found:
        raise Invalid(f"not an RFC 3339 date-time: {text!r}")
    *fields, fraction, zone = found.groups()
    try:
        offset = UTC
        if zone not in "Zz":
            sign = -1 if zone[0] == "-" else 1
            offset = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
        microsecond = int((fraction or "").ljust(6, "0")[:6])
        return micros(datetime(*map(int, fields), microsecond, tzinfo=offset))
    except ValueError as error:  # no such date, hour, offset...
        raise Invalid(str(error)) from error


def typed(spec: dict[str, Any], value: Any) -> Any:
    """The column value of a non-null JSON value of a property, or Invalid."""
    kind = spec["type"] if isinstance(spec["type"], str) else spec["type"][0]
    if spec.get("format") == "date-time":
        return instant_micros(value)
    if kind == "string":
        if isinstance(value, str):
            return value
        exact = isinstance(value, bool) or (isinstance(value, int) and abs(value) < 10**15)
        return AnyText(json.dumps(value) if exact else None)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        raise Invalid(f"not a boolean: {value!r}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(f"not a number: {value!r}")
    if kind == "integer":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and -(2**63) <= value < 2**63:
            return value
        raise Invalid(f"not a 64-bit integer: {value!r}")
    try:
        number = float(value)
    except OverflowError as error:
        raise Invalid(f"no double: {value!r}") from error
    if not math.isfinite(number):
        raise Invalid(f"not finite: {value!r}")
    return number


def refuse_constant(token: str) -> None:
    raise Invalid(f"{token} is not JSON")


def expected_row(payload: bytes | None) -> dict[str, Any]:
    """The row the lake may store for a payload (event_time in microseconds); Invalid if none."""
    if payload is None:
        raise Invalid("no value")
    try:
        data = json.loads(payload.decode("utf-8"), parse_constant=refuse_constant)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError included
        raise Invalid(str(error)) from error
    if not isinstance(data, dict):
        raise Invalid("not an object")
    row = {}
    for name, spec in PROPERTIES.items():
        value = data.get(name)
        if value is None and name in REQUIRED:
            raise Invalid(f"{name} missing or null")
        row[name] = None if value is None else typed(spec, value)
    if data.get("event_id") is None:
        raise Invalid("no event_id")
    row["event_id"] = typed({"type": "string"}, data["event_id"])
    return row


def matches(stored: Any, expected: Any) -> bool:
    if isinstance(expected, AnyText):
        return isinstance(stored, str) and expected.text in (None, stored)
    return type(stored) is type(expected) and stored == expected


# --- strategies -------------------------------------------------------------------------------

any_text = st.text(max_size=20)  # any Unicode but lone surrogates
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3),
    max_leaves=6,
)
instants = st.datetimes(
    min_value=datetime(2026, 10, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)
# Before the writer's clock (NOW): a spoilt event is then refused for its spoil, not as future.
past_instants = st.datetimes(
    min_value=datetime(2026, 10, 1), max_value=datetime(2026, 11, 30), timezones=st.just(UTC)
)


def contract_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# An event time in other forms than the CONTRACT's, RFC 3339 instants or not.
TIME_FORMS = {
    "+09:00": lambda moment: moment.astimezone(PLUS_NINE).isoformat(timespec="milliseconds"),
    "+00:00, microseconds": lambda moment: moment.isoformat(timespec="microseconds"),
    "nanoseconds": lambda moment: contract_time(moment)[:-1] + "123456Z",
    "lower case": lambda moment: contract_time(moment).lower(),
    "no zone": lambda moment: contract_time(moment)[:-1],  # a local time, not an instant
    "space": lambda moment: contract_time(moment).replace("T", " "),
    "a date": lambda moment: contract_time(moment)[:10],
    "final newline": lambda moment: contract_time(moment) + "\n",
    "+19:00": lambda moment: contract_time(moment)[:-1] + "+19:00",
    "no such day": lambda moment: contract_time(moment)[:5] + "02-30" + contract_time(moment)[10:],
    "hour 24": lambda moment: contract_time(moment)[:11] + "24" + contract_time(moment)[13:],
    "epoch seconds": lambda moment: str(int(moment.timestamp())),
}


@st.composite
def valid_bodies(draw: st.DrawFn, times: st.SearchStrategy[datetime] = instants) -> dict[str, Any]:
    """An event of the lake's test schema, as a collector sends it (without event_id)."""
    body = {
        "event_time": contract_time(draw(times)),
        "account": draw(any_text),
        "method": draw(st.sampled_from(["/move", "/wait", "/buyItem"])),
    }
    optional = {
        "x": st.none() | st.integers(-(2**63), 2**63 - 1),
        "speed": st.none() | st.floats(allow_nan=False, allow_infinity=False) | st.integers(),
        "cheater": st.booleans(),
    }
    for name, values in optional.items():
        if draw(st.booleans()):
            body[name] = draw(values)
    return body


def with_id(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "event_id": event_id(SOURCE, body)}


def deep_text(levels: int) -> str:
    return "[" * levels + "]" * levels


NAMES = (*PROPERTIES, "event_id")
# How a valid event is spoilt, and which of its properties each spoil is tried on.
SPOILS = {
    "wrong_type": NAMES,
    "null": NAMES,
    "missing": NAMES,
    "huge": NAMES,
    "nested": NAMES,
    "non_finite": NAMES,  # NaN and Infinity tokens (json.dumps writes them)
    "nan_text": NAMES,  # "NaN" and "Infinity" strings, which Spark reads as doubles
    "huge_number": NAMES,
    "extra": ("event_id",),
    "time_form": tuple(TIME_FORMS),  # tried on event_time
    "bad_id": ("event_id",),
}


def spoil_value(spoil: str, name: str) -> st.SearchStrategy[tuple[str, Any]]:
    """(how to write it, value): "json" values go through json.dumps, "text" is written as is."""
    if spoil == "wrong_type":
        return st.tuples(st.just("json"), json_values)
    if spoil in ("null", "missing"):
        return st.tuples(st.just(spoil), st.none())
    if spoil == "huge":
        return st.tuples(st.just("json"), st.integers(10_000, 200_000).map(lambda n: "x" * n))
    if spoil == "nested":  # past Jackson's 1000 levels too
        return st.tuples(st.just("text"), st.integers(1, 1500).map(deep_text))
    if spoil == "non_finite":
        return st.tuples(st.just("json"), st.sampled_from([math.nan, math.inf, -math.inf]))
    if spoil == "nan_text":
        return st.tuples(st.just("json"), st.sampled_from(["NaN", "Infinity", "-Infinity"]))
    if spoil == "huge_number":  # past a long, a double, Jackson's 1000 digits, Python's 4300
        digits = st.integers(19, 5000).map(lambda n: "9" * n)
        return st.tuples(
            st.just("text"), st.tuples(st.sampled_from(["", "-"]), digits).map("".join)
        )
    if spoil == "time_form":
        return st.tuples(st.just("json"), past_instants.map(TIME_FORMS[name]))
    if spoil == "bad_id":  # forged, or another event's
        return st.tuples(st.just("json"), any_text | st.just(event_id(SOURCE, {"other": 1})))
    assert name == "event_id"  # extra: a property outside the schema
    return st.tuples(
        st.just("extra"), st.tuples(any_text.filter(lambda k: k not in NAMES), json_values)
    )


@st.composite
def spoilt_payloads(draw: st.DrawFn, spoils: list[tuple[str, str]]) -> bytes:
    """A valid event spoilt in the given ways, as JSON text."""
    event = with_id(draw(valid_bodies(past_instants)))
    texts = {}  # property -> JSON text that json.dumps cannot write
    for spoil, target in spoils:
        how, value = draw(spoil_value(spoil, target))
        name = "event_time" if spoil == "time_form" else target
        if how == "missing":
            event.pop(name, None)
        elif how == "extra":
            event[value[0]] = value[1]
        elif how == "text":
            event[name], texts[name] = f"@{name}@", value
        else:
            event[name] = value
    text = json.dumps(event, ensure_ascii=draw(st.booleans()))
    for name, value in texts.items():
        text = text.replace(json.dumps(f"@{name}@"), value)
    return text.encode("utf-8")


STRAYS = (b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf", b"\x80")


@st.composite
def broken_bytes(draw: st.DrawFn, stray: bytes, in_text: bool) -> bytes:
    """A valid payload made invalid UTF-8 by a stray byte, a cut character, an encoded
    surrogate or an overlong form: within a string value, or anywhere."""
    body = draw(valid_bodies(past_instants))
    payload = json.dumps(with_id(body | {"account": "@@"}), ensure_ascii=False).encode("utf-8")
    if in_text:
        return payload.replace(b"@@", draw(any_text).encode() + stray)
    at = draw(st.integers(0, len(payload)))
    return payload[:at] + stray + payload[at:]


any_spoils = st.lists(
    st.sampled_from([(spoil, name) for spoil, names in SPOILS.items() for name in names]),
    min_size=1,
    max_size=3,
)
# Payloads that are no event at all, or no UTF-8 JSON.
BROKEN_PAYLOADS = (
    st.none(),
    st.just(b""),
    *(broken_bytes(stray, in_text) for stray in STRAYS for in_text in (True, False)),
    st.binary(max_size=40),
    json_values.map(lambda value: json.dumps(value).encode()),  # other JSON than an object
    any_spoils.flatmap(spoilt_payloads).flatmap(
        lambda p: st.integers(0, len(p)).map(lambda cut: p[:cut])
    ),
    st.integers(900, 3000).map(lambda n: deep_text(n).encode()),
    st.just(b'{"event_time": "2026-11-01T00:00:00.000Z", "account": 1, "account": "a"}'),
)
keys = st.none() | any_text.map(str.encode)


@st.composite
def pristine_records(draw: st.DrawFn) -> Record:
    """A valid event with its CONTRACT id, as UTF-8 JSON, its Kafka time near its event time
    (an hour before it, which makes it a future event, to a day after)."""
    event = with_id(draw(valid_bodies()))
    payload = json.dumps(event, ensure_ascii=draw(st.booleans())).encode("utf-8")
    moment = datetime.fromisoformat(event["event_time"])
    time = moment + timedelta(seconds=draw(st.integers(-3600, 86_400)))
    return Record(draw(keys), payload, time, pristine=True)


def hostile_records(payloads: st.SearchStrategy[bytes | None]) -> st.SearchStrategy[Record]:
    return st.builds(Record, keys, payloads, st.just(NOW))


@st.composite
def batches(draw: st.DrawFn) -> list[Record]:
    """Records at consecutive offsets, shuffled: valid events, every spoil of every property,
    every kind of broken payload, a few random mixes, and repeats (a retry, a replayed page)."""
    batch = draw(st.lists(pristine_records(), min_size=1, max_size=10))
    for spoil, names in SPOILS.items():
        batch += [draw(hostile_records(spoilt_payloads([(spoil, name)]))) for name in names]
    batch += [draw(hostile_records(payloads)) for payloads in BROKEN_PAYLOADS]
    batch += draw(st.lists(hostile_records(any_spoils.flatmap(spoilt_payloads)), max_size=5))
    batch += draw(st.lists(st.sampled_from(batch), max_size=5))
    return draw(st.permutations(batch))


@st.composite
def batches_with_duplicates(draw: st.DrawFn) -> list[Record]:
    """Valid events, repeated, and events under a forged or another event's id."""
    batch = draw(st.lists(pristine_records(), min_size=1, max_size=15))
    forged = spoilt_payloads([("bad_id", "event_id")])
    batch += draw(st.lists(hostile_records(forged), max_size=4))
    batch += draw(st.lists(st.sampled_from(batch), max_size=8))
    return draw(st.permutations(batch))


def kafka_rows(spark, batch: list[Record]):
    rows = [
        (record.key, record.payload, TOPIC, 0, offset, record.kafka_time, 0)
        for offset, record in enumerate(batch)
    ]
    return spark.createDataFrame(rows, KAFKA_COLUMNS)


def not_after(record: Record) -> int:
    return micros(min(record.kafka_time, NOW) + SKEW)


COLUMNS = ["account", "method", "x", "speed", "cheater", "event_id"]


def typed_rows(frame, *extra: str) -> list[dict[str, Any]]:
    """Rows with event_time as microseconds (collect() turns timestamps into local times)."""
    selected = frame.select(*extra, F.unix_micros("event_time").alias("event_time"), *COLUMNS, DAY)
    return [row.asDict() for row in selected.collect()]


# --- properties -------------------------------------------------------------------------------


@SPARK
@given(batches())
def test_every_record_is_accepted_as_a_valid_row_or_rejected_with_its_payload(spark, schema, batch):
    parsed = parse_events(kafka_rows(spark, batch), schema, NOW, SKEW).cache()
    try:
        good = {}  # offset -> the typed row of an accepted record
        for row in typed_rows(parsed.where(F.col(REASON).isNull()), "offset"):
            good[row.pop("offset")] = row
        refused = {
            row["offset"]: row
            for row in rejected(parsed).withColumn("raw", F.col("value").cast("binary")).collect()
        }
        stored = typed_rows(accepted(parsed, schema))
    finally:
        parsed.unpersist()
    assert sorted([*good, *refused]) == list(range(len(batch)))  # each offset exactly once
    assert sorted(map(repr, stored)) == sorted(map(repr, good.values()))

    for offset, row in good.items():
        record = batch[offset]
        expected = expected_row(record.payload)  # Invalid: accepted, but not valid
        assert all(matches(row[name], value) for name, value in expected.items()), (row, expected)
        assert row["event_time"] <= not_after(record)
        assert row[DAY] == (EPOCH + timedelta(microseconds=row["event_time"])).date()

    for offset, row in refused.items():
        record = batch[offset]
        assert row[REASON]
        assert row["raw"] == record.payload  # byte for byte, invalid UTF-8 too
        assert (row["topic"], row["partition"]) == (TOPIC, 0)
        assert row["key"] == (None if record.key is None else record.key.decode())
        if record.pristine:
            assert row[REASON].startswith("future:"), row[REASON]
            assert instant_micros(json.loads(record.payload)["event_time"]) > not_after(record)

    for offset, record in enumerate(batch):
        if record.pristine and offset in good:
            event = json.loads(record.payload)
            assert good[offset]["event_id"] == event["event_id"]


@SPARK
@given(
    batches_with_duplicates(),
    st.none() | st.dates(date(2026, 9, 25), date(2027, 1, 5)),
    st.lists(st.dates(date(2026, 9, 25), date(2027, 1, 5)), max_size=4),
)
def test_dedupe_keeps_one_row_per_id_and_mark_late_flags_complete_days(
    spark, schema, batch, complete_through, complete_days
):
    events = accepted(parse_events(kafka_rows(spark, batch), schema, NOW, SKEW), schema).cache()
    try:
        rows = typed_rows(events)
        unique = typed_rows(dedupe_batch(events))
        marked = mark_late(events, complete_through, complete_days)
        flagged = [(row.pop(LATE), row) for row in typed_rows(marked, LATE)]
    finally:
        events.unpersist()
    ids = [row["event_id"] for row in unique]
    assert len(ids) == len(set(ids)) and set(ids) == {row["event_id"] for row in rows}
    assert all(row in rows for row in unique)
    assert sorted(map(repr, (row for _, row in flagged))) == sorted(map(repr, rows))
    for late, row in flagged:
        day = row[DAY]
        assert late == (
            day in complete_days or (complete_through is not None and day <= complete_through)
        )
