import json
from datetime import UTC, date, datetime, timedelta

import pytest
from lake_fixtures import schema_document, write_schemas
from pyspark.sql.types import BooleanType, DoubleType, LongType, StringType, TimestampType

from bdp_jobs.lake.days import (
    bounded_watermark,
    complete_through,
    days_to_complete,
    empty_days,
    end_of_day,
    is_complete,
)
from bdp_jobs.lake.kafka import jaas_config, source_options
from bdp_jobs.lake.layout import batch_file, batch_prefix, parse_day_dir, state_batch_id
from bdp_jobs.lake.state import (
    RECENT_EMPTY_DAYS,
    BatchCounts,
    SourceState,
    advance,
    hold_empty_days,
    merge_offsets,
    parse_state,
    render_state,
)
from bdp_jobs.sparkschema import SchemaError, convert, load_schema

TWO_HOURS = timedelta(hours=2)
FAR = datetime(2100, 1, 1, tzinfo=UTC)  # a clock bound no test event reaches


def at(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_schema_becomes_typed_struct_with_timestamps(tmp_path):
    schema = load_schema(write_schemas(tmp_path), "game")
    types = {f.name: (f.dataType, f.nullable) for f in schema.struct.fields}
    assert types == {
        "event_time": (TimestampType(), False),
        "account": (StringType(), False),
        "method": (StringType(), False),
        "x": (LongType(), True),
        "speed": (DoubleType(), True),
        "cheater": (BooleanType(), False),
    }
    assert (schema.timestamps, schema.event_time, schema.entity_key) == (
        ("event_time",),
        "event_time",
        "account",
    )
    assert schema.json_struct()["event_time"].dataType == StringType()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"type": "object", "properties": {}}, "unsupported keyword(s) properties"),
        ({"type": "array", "items": {"type": "string"}}, "unsupported keyword(s) items"),
        ({"anyOf": [{"type": "string"}]}, "unsupported keyword(s) anyOf"),
        ({"type": ["string", "integer"]}, "type ['string', 'integer'] is not supported"),
        ({"type": "integer", "format": "date-time"}, "format date-time needs type string"),
    ],
)
def test_unsupported_property_names_file_and_property(spec, message):
    document = schema_document()
    document["properties"]["bad"] = spec
    with pytest.raises(SchemaError) as caught:
        convert(document, "schemas/events/game.json")
    assert str(caught.value).startswith("schemas/events/game.json: property 'bad': ")
    assert message in str(caught.value)


def test_event_time_must_be_a_required_date_time(tmp_path):
    document = schema_document()
    document["required"] = ["account", "method"]
    with pytest.raises(SchemaError, match=r"'event_time' .* must be a required date-time"):
        convert(document, "g.json")


def test_missing_schema_file_and_wrong_source_are_named(tmp_path):
    with pytest.raises(SchemaError, match=r"raid\.json: no schema file for source 'raid'"):
        load_schema(tmp_path, "raid")
    (tmp_path / "ads.json").write_text(json.dumps(schema_document("game")))
    with pytest.raises(SchemaError, match=r"x-bdp source is 'game', expected 'ads'"):
        load_schema(tmp_path, "ads")


def test_day_completes_at_end_of_day_plus_lateness_utc():
    day = date(2026, 11, 1)
    assert not is_complete(day, at("2026-11-02T01:59:59.999Z"), "UTC", TWO_HOURS)
    assert is_complete(day, at("2026-11-02T02:00:00.000Z"), "UTC", TWO_HOURS)
    assert complete_through(at("2026-11-02T01:59:59.999Z"), "UTC", TWO_HOURS) == date(2026, 10, 31)
    assert complete_through(at("2026-11-02T02:00:00.000Z"), "UTC", TWO_HOURS) == day
    assert complete_through(None, "UTC", TWO_HOURS) is None


def test_day_completion_in_a_zone_ahead_of_utc():
    # Seoul is UTC+9: 2026-11-01 ends at 2026-11-01T15:00Z.
    day = date(2026, 11, 1)
    assert end_of_day(day, "Asia/Seoul") == at("2026-11-01T15:00:00Z")
    assert complete_through(at("2026-11-01T16:59:59Z"), "Asia/Seoul", TWO_HOURS) == date(
        2026, 10, 31
    )
    assert complete_through(at("2026-11-01T17:00:00Z"), "Asia/Seoul", TWO_HOURS) == day


def test_completion_decision_agrees_with_complete_through_across_dst():
    # New York leaves daylight time on 2026-11-01: that day is 25 hours long.
    for hours in range(0, 80):
        moment = at("2026-10-31T00:00:00Z") + timedelta(hours=hours, minutes=30)
        through = complete_through(moment, "America/New_York", TWO_HOURS)
        for offset in range(-3, 4):
            day = date(2026, 11, 1) + timedelta(days=offset)
            assert is_complete(day, moment, "America/New_York", TWO_HOURS) == (day <= through)


def test_days_to_complete_marks_unmarked_day_directories_only():
    d = date(2026, 11, 1)
    existing = {d: True, d + timedelta(1): False, d + timedelta(4): False}
    # Days 2 and 3 had no events: held, never marked; day 4 is not complete yet.
    assert days_to_complete(existing, d + timedelta(3)) == [d + timedelta(1)]
    assert days_to_complete(existing, None) == []
    assert days_to_complete({}, d) == []


def test_empty_days_are_the_complete_days_without_a_directory_since_the_last_batch():
    d = date(2026, 11, 1)
    existing = {d: True, d + timedelta(1): False, d + timedelta(4): False}
    assert empty_days(existing, d, d + timedelta(3)) == [d + timedelta(2), d + timedelta(3)]
    # Only days that became complete in this batch: earlier ones were counted before.
    assert empty_days(existing, d + timedelta(2), d + timedelta(3)) == [d + timedelta(3)]
    assert empty_days(existing, None, None) == []
    assert empty_days({}, None, d) == []
    # Nothing before the source's first day.
    assert empty_days({d: False}, None, d + timedelta(1)) == [d + timedelta(1)]


def test_the_watermark_never_passes_the_clock_plus_skew_nor_goes_back():
    limit = at("2026-11-05T12:05:00Z")
    assert bounded_watermark(None, at("2027-06-01T00:00:00Z"), limit) == limit
    assert bounded_watermark(None, None, limit) is None
    assert bounded_watermark(at("2026-11-05T10:00:00Z"), None, limit) == at("2026-11-05T10:00:00Z")
    assert bounded_watermark(at("2026-11-05T10:00:00Z"), at("2026-11-01T00:00:00Z"), limit) == at(
        "2026-11-05T10:00:00Z"
    )
    # One event from a source whose clock is months ahead completes nothing past today.
    state = advance(
        SourceState(),
        BatchCounts(max_event_time=at("2027-06-01T00:00:00Z")),
        "UTC",
        TWO_HOURS,
        limit,
    )
    assert state.complete_through == date(2026, 11, 4)


def test_empty_days_are_counted_and_the_newest_listed():
    days = [date(2026, 1, 1) + timedelta(n) for n in range(RECENT_EMPTY_DAYS + 3)]
    state = hold_empty_days(hold_empty_days(SourceState(), days[:2]), days[2:])
    assert state.empty_days == len(days)
    assert list(state.recent_empty_days) == days[-RECENT_EMPTY_DAYS:]
    assert hold_empty_days(state, []) is state
    assert SourceState.from_json(json.loads(json.dumps(state.to_json()))) == state


def test_state_advances_counts_offsets_and_completion():
    before = SourceState(
        max_event_time=at("2026-11-01T10:00:00Z"),
        offsets={"game.events": {"0": 10, "1": 7}},
        rows_raw=5,
        duplicates_dropped=1,
    )
    counts = BatchCounts(
        max_event_time=at("2026-11-02T03:00:00.123Z"),
        offsets={"game.events": {"1": 12, "2": 3}},
        raw=4,
        late=1,
        duplicates=2,
        rejected=1,
    )
    after = advance(before, counts, "UTC", TWO_HOURS, FAR)
    assert after.to_json() == {
        "max_event_time": "2026-11-02T03:00:00.123Z",
        "complete_through": "2026-11-01",
        "offsets": {"game.events": {"0": 10, "1": 12, "2": 3}},
        "rows_raw": 9,
        "rows_late": 1,
        "duplicates_dropped": 3,
        "rows_rejected": 1,
        "rows_future": 0,
        "empty_days": 0,
        "recent_empty_days": [],
    }
    # An older batch maximum does not move the watermark back.
    older = BatchCounts(max_event_time=at("2026-11-01T00:00:00Z"))
    again = advance(after, older, "UTC", TWO_HOURS, FAR)
    assert again.max_event_time == after.max_event_time
    document = render_state(7, {"game": after}, datetime(2026, 11, 3, tzinfo=UTC))
    assert document["batch_id"] == 7 and document["updated_at"] == "2026-11-03T00:00:00.000Z"
    assert parse_state(json.loads(json.dumps(document))) == {"game": after}
    assert merge_offsets({}, {"t": {"0": 1}}) == {"t": {"0": 1}}


def test_batch_file_names_carry_the_batch_id():
    assert batch_file(42, 3) == "part-b000000000042-00003.parquet"
    assert batch_file(42, 3).startswith(batch_prefix(42))
    assert not batch_file(420, 0).startswith(batch_prefix(42))
    assert state_batch_id("b000000000042.json") == 42
    assert state_batch_id("latest.json") is None
    assert parse_day_dir("dt=2026-11-01") == date(2026, 11, 1)
    assert parse_day_dir("dt=nope") is None


def test_kafka_options_use_scram_over_tls_and_the_group_prefix():
    options = source_options(
        bootstrap="k1:9092,k2:9092",
        topics=["game.events", "ads.events"],
        user="lake-writer",
        password='pa"ss',
        mechanism="SCRAM-SHA-512",
        ca_file="/etc/ca.crt",
        starting_offsets="earliest",
        max_offsets_per_trigger=1000,
    )
    assert options["subscribe"] == "game.events,ads.events"
    assert options["groupIdPrefix"] == "lake-writer"
    assert options["failOnDataLoss"] == "true"
    assert options["kafka.security.protocol"] == "SASL_SSL"
    assert options["kafka.ssl.truststore.type"] == "PEM"
    assert options["kafka.ssl.truststore.location"] == "/etc/ca.crt"
    assert options["kafka.sasl.jaas.config"] == jaas_config("lake-writer", 'pa"ss')
    assert 'password="pa\\"ss";' in options["kafka.sasl.jaas.config"]
    assert "ScramLoginModule required" in options["kafka.sasl.jaas.config"]
