"""Event ids, entity keys and DLQ records follow the CONTRACT."""

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

from bdp_collectors import events

NAMESPACE = uuid.UUID("6f1c1e8e-4b7a-5d2c-9a4e-3b1d2c0f7a11")


def test_event_id_is_uuid5_over_source_and_sorted_compact_json():
    event = {"b": 1, "a": "é", "event_time": "2026-11-01T00:00:00.000Z"}
    text = '{"a":"é","b":1,"event_time":"2026-11-01T00:00:00.000Z"}'
    assert events.canonical(event) == text
    assert events.event_id("game", event) == str(uuid.uuid5(NAMESPACE, f"game:{text}"))


def test_event_id_ignores_key_order_but_not_values_or_source():
    first = {"account": "a", "x": 1.5}
    same = {"x": 1.5, "account": "a"}
    assert events.event_id("game", first) == events.event_id("game", same)
    assert events.event_id("game", first) != events.event_id("game", {"account": "a", "x": 1.6})
    assert events.event_id("game", first) != events.event_id("raid", first)


def test_raw_event_id_hashes_the_bytes():
    raw = b'{"broken":'
    digest = hashlib.sha256(raw).hexdigest()
    assert events.raw_event_id("ads", raw) == str(uuid.uuid5(NAMESPACE, f"ads:raw:{digest}"))


def test_raw_text_keeps_strings_and_serialises_the_rest_compactly():
    assert events.raw_text("{'a': 1}") == "{'a': 1}"
    assert events.raw_text({"z": 1, "a": "ü"}) == '{"z":1,"a":"ü"}'
    assert events.raw_text([1, 2]) == "[1,2]"


def test_entity_key_is_utf8_of_the_field_as_text():
    assert events.entity_key({"account": "플레이어"}, "account") == "플레이어".encode()
    assert events.entity_key({"ad_id": 42}, "ad_id") == b"42"


def test_utc_iso_converts_to_utc_with_milliseconds():
    moment = datetime(2026, 11, 1, 9, 0, 0, 123456, tzinfo=timezone(timedelta(hours=9)))
    assert events.utc_iso(moment) == "2026-11-01T00:00:00.123Z"


def test_dlq_record_has_the_contract_fields():
    at = datetime(2026, 11, 2, 3, 4, 5, 6000, tzinfo=UTC)
    record = events.dlq_record("raid", "id-1", "oversized", "{...}", 40, at)
    assert record == {
        "source": "raid",
        "event_id": "id-1",
        "reason": "oversized",
        "raw": "{...}",
        "cursor": 40,
        "received_at": "2026-11-02T03:04:05.006Z",
    }
    json.dumps(record)
