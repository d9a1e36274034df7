"""The event schemas follow the CONTRACT, and items are classified with exact reasons."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from bdp.sources import platform_sources
from bdp_collectors.classify import Accepted, Rejected, classify, reason_class
from bdp_collectors.events import event_id, raw_event_id
from bdp_collectors.validation import SchemaFileError, build_schema, load_schema, parse_event_time
from eventkit import SCHEMA_DIR

SOURCES = platform_sources()
NOT_UTC = "is not UTC ISO-8601 with milliseconds and Z"
ALLOWED_TYPES = {"string", "integer", "number", "boolean"}
GAME = {
    "event_time": "2026-11-01T13:45:12.123Z",
    "room_id": "room-000001",
    "account": "player0001",
    "champion": "Nox",
    "method": "/move",
    "x": 10.5,
    "y": 20.0,
    "input_key": "q",
    "status": 1,
    "death_count": 0,
    "in_game_time": 12,
}


@pytest.fixture(scope="module")
def game():
    return load_schema(SCHEMA_DIR / "game.json")


@pytest.mark.parametrize("source", SOURCES)
def test_schema_files_follow_the_contract(source):
    document = json.loads((SCHEMA_DIR / f"{source}.json").read_text())
    schema = build_schema(document, source)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["x-bdp"] == {
        "source": source,
        "version": 1,
        "position": document["x-bdp"]["position"],  # its own test: test_source_registry.py
        "entity_key": schema.entity_key,
        "event_time": "event_time",
    }
    assert document["additionalProperties"] is False
    assert document["properties"]["event_time"]["type"] == "string"
    assert document["properties"]["event_time"]["format"] == "date-time"
    assert "event_time" in document["required"]
    assert "event_id" not in document["properties"]
    assert set(document["required"]) <= set(document["properties"])
    for name, prop in document["properties"].items():
        types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
        assert set(types) - {"null"} <= ALLOWED_TYPES, name
        assert len(set(types) - {"null"}) == 1, name
        if "null" in types:
            assert name not in document["required"], f"{name} is nullable but required"


@pytest.mark.parametrize(
    ("source", "field"),
    [("lodging", "review_text"), ("raid", "chat_text"), ("ads", "ad_text"), ("ads", "ad_name")],
)
def test_text_sources_carry_free_text(source, field):
    document = json.loads((SCHEMA_DIR / f"{source}.json").read_text())
    assert "string" in document["properties"][field]["type"]


def test_a_valid_event_is_accepted_with_its_contract_id(game):
    outcome = classify("game", GAME, game, 4096)
    assert outcome == Accepted(event_id("game", GAME), GAME)


def test_a_json_string_holding_an_object_is_that_object(game):
    outcome = classify("game", json.dumps(GAME), game, 4096)
    assert outcome == Accepted(event_id("game", GAME), GAME)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"x": "10.5"}, "schema: $.x: '10.5' is not of type 'number'"),
        (
            {"method": "/fly"},
            "schema: $.method: '/fly' is not one of ['/move', '/wait', '/buyItem']",
        ),
        ({"extra": 1}, "schema: $: Additional properties are not allowed ('extra' was unexpected)"),
        (
            {"event_time": "2026-11-01 13:45:12"},
            f"schema: $.event_time: '2026-11-01 13:45:12' {NOT_UTC}",
        ),
        (
            {"event_time": "2026-11-01T13:45:12+09:00"},
            f"schema: $.event_time: '2026-11-01T13:45:12+09:00' {NOT_UTC}",
        ),
        (
            {"event_time": "2026-13-01T13:45:12.000Z"},
            f"schema: $.event_time: '2026-13-01T13:45:12.000Z' {NOT_UTC}",
        ),
    ],
)
def test_schema_violations_name_the_path_and_problem(game, change, reason):
    event = GAME | change
    assert classify("game", event, game, 4096) == Rejected(
        event_id("game", event), reason, json.dumps(event, separators=(",", ":"))
    )


def test_a_missing_required_field_is_reported_at_the_root(game):
    event = {key: value for key, value in GAME.items() if key != "account"}
    outcome = classify("game", event, game, 4096)
    assert isinstance(outcome, Rejected)
    assert outcome.reason == "schema: $: 'account' is a required property"
    assert outcome.event_id == event_id("game", event)


def test_malformed_json_gets_the_raw_id_and_the_parser_message(game):
    text = '{"account": "a", '
    outcome = classify("game", text, game, 4096)
    assert isinstance(outcome, Rejected)
    assert outcome.reason.startswith("malformed JSON: Expecting property name")
    assert outcome.raw == text
    assert outcome.event_id == raw_event_id("game", text.encode())


def test_json_that_is_not_an_object_is_rejected(game):
    for item, kind in (([1, 2], "list"), ("42", "int"), (None, "NoneType")):
        outcome = classify("game", item, game, 4096)
        assert isinstance(outcome, Rejected)
        assert outcome.reason == f"not an object: {kind}"
        assert outcome.event_id == raw_event_id("game", outcome.raw.encode())
        assert reason_class(outcome.reason) == "not_object"


def test_oversized_is_checked_first_and_keeps_the_object_id(game):
    event = GAME | {"input_key": "k" * 5000}
    outcome = classify("game", event, game, 4096)
    assert outcome == Rejected(
        event_id("game", event), "oversized", json.dumps(event, separators=(",", ":"))
    )
    # The limit counts UTF-8 bytes, not characters.
    wide = GAME | {"input_key": "키" * 1400}
    assert len(json.dumps(wide, ensure_ascii=False)) < 4096
    assert classify("game", wide, game, 4096).reason == "oversized"
    assert classify("game", "{" * 5000, game, 4096).event_id == raw_event_id("game", b"{" * 5000)


def test_reason_classes():
    assert reason_class("oversized") == "oversized"
    assert reason_class("malformed JSON: x") == "malformed"
    assert reason_class("schema: $.x: y") == "schema"


def test_parse_event_time_accepts_only_the_contract_form():
    assert parse_event_time("2026-11-01T23:59:59.999Z") is not None
    for bad in (
        "2026-11-01T23:59:59Z",
        "2026-11-01T23:59:59.999+00:00",
        "2026-02-30T00:00:00.000Z",
    ):
        assert parse_event_time(bad) is None


def test_unusable_schema_files_are_named(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"type": "object"}')
    with pytest.raises(SchemaFileError, match=r"bad\.json: missing the x-bdp object"):
        load_schema(path)
    path.write_text("{nope")
    with pytest.raises(SchemaFileError, match=r"bad\.json: not JSON"):
        load_schema(path)
    with pytest.raises(SchemaFileError, match=r"missing\.json: cannot read"):
        load_schema(tmp_path / "missing.json")
    document = {"type": "object", "x-bdp": {"source": "s", "entity_key": "k", "event_time": "t"}}
    with pytest.raises(SchemaFileError, match="entity_key 'k' is not a required field"):
        build_schema(document | {"required": ["t"]}, "inline")


def test_an_event_time_past_the_collection_time_and_skew_is_a_future_dead_letter(game):
    collected = datetime(2026, 11, 1, 13, 40, tzinfo=UTC)
    skew = timedelta(minutes=5)  # GAME's time is 5 min 12.123 s after `collected`
    outcome = classify("game", GAME, game, 4096, collected + skew)
    assert outcome == Rejected(
        event_id("game", GAME),
        "future: $.event_time 2026-11-01T13:45:12.123Z is later than 2026-11-01T13:45:00.000Z"
        " (the collection time plus max_future_skew)",
        json.dumps(GAME, separators=(",", ":")),
    )
    assert reason_class(outcome.reason) == "future"
    at_the_limit = collected + timedelta(minutes=5, seconds=12, milliseconds=123)
    assert classify("game", GAME, game, 4096, at_the_limit) == Accepted(
        event_id("game", GAME), GAME
    )
    far_past = dict(GAME, event_time="2001-01-01T00:00:00.000Z")
    assert isinstance(classify("game", far_past, game, 4096, collected + skew), Accepted)
