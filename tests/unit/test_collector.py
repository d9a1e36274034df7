"""The collector against the real event API on loopback, with a fake sink standing in for Kafka."""

import json
import random
from collections import Counter

import pytest

from bdp_collectors.classify import reason_class
from bdp_collectors.collector.cursor import CursorStore
from bdp_collectors.collector.loop import Collector, Hooks
from bdp_collectors.simulator.stream import build_stream, expected
from bdp_collectors.validation import load_schema
from eventkit import (
    TOKEN,
    FakeSink,
    ScriptedRandom,
    collector_config,
    live_api,
    parse_api,
    served_status,
)


class Crash(Exception):
    pass


@pytest.fixture
def api(tmp_path):
    return parse_api(tmp_path)


def make_collector(tmp_path, base, source, sink, sleeps, hooks=None, **overrides):
    config = collector_config(tmp_path, base, source, **overrides)
    hooks = hooks or Hooks(sleep=sleeps.append, rng=random.Random(1))
    store = CursorStore(config.cursor_file, source)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    return Collector(config, load_schema(config.schema_file), sink, store, headers, hooks)


def split(sink, source):
    events = [r for r in sink.delivered if r.topic == f"{source}.events"]
    dlq = [r for r in sink.delivered if r.topic == f"{source}.dlq"]
    assert len(events) + len(dlq) == len(sink.delivered)
    return events, dlq


def assert_matches_expected(sink, source, api):
    """Valid output is the known valid set (duplicates identical), the DLQ the known invalid set."""
    known = expected(source, api)
    events, dlq = split(sink, source)
    for record in events:
        value = json.loads(record.value)
        ident = value.pop("event_id")
        assert record.event_id == ident
        assert value == known.valid[ident].event
        assert record.key == value["account"].encode()
    assert {record.event_id for record in events} == set(known.valid)
    letters = {json.loads(record.value)["event_id"]: json.loads(record.value) for record in dlq}
    assert set(letters) == {entry.event_id for entry in known.invalid}
    for entry in known.invalid:
        assert reason_class(letters[entry.event_id]["reason"]) == entry.reason_class
        assert letters[entry.event_id]["source"] == source
    return events, dlq


def test_collects_the_stream_exactly_once(tmp_path, api):
    sink, sleeps = FakeSink(), []
    with live_api(api) as base:
        collector = make_collector(tmp_path, base, "raid", sink, sleeps)
        assert collector.run(stop_at_end=True) == 0
    events, dlq = assert_matches_expected(sink, "raid", api)
    stream = build_stream("raid", api)
    assert len(events) + len(dlq) == len(stream)  # one record per item, duplicates included
    assert [record.event_id for record in sink.delivered][:3] == [
        json.loads(record.value)["event_id"] for record in sink.delivered[:3]
    ]
    assert CursorStore(tmp_path / "raid" / "cursor.json", "raid").load() == 120
    stats = collector.stats.snapshot()
    assert stats | {"last_poll_at": None} == {
        "source": "raid",
        "cursor": 120,
        "available": 120,
        "lag": 0,
        "polled": 120,
        "produced": len(events),
        "rejected": len(dlq),
        "api_errors": 0,
        "kafka_errors": 0,
        "cursor_backwards": 0,
        "cursor_stalled": 0,
        "empty_pages": 0,
        "oversized_response": 0,
        "stalled_response": 0,
        "last_error": None,
        "last_poll_at": None,
        "end": True,
    }
    assert sleeps == []


def test_a_wrong_clock_dead_letters_future_events_and_keeps_past_ones(tmp_path):
    api = parse_api(tmp_path, faults={"future_time": 0.1, "past_time": 0.1})
    sink = FakeSink()
    with live_api(api) as base:
        make_collector(tmp_path, base, "lodging", sink, []).run(stop_at_end=True)
    _, dlq = assert_matches_expected(sink, "lodging", api)
    kinds = Counter(item.kind for item in build_stream("lodging", api))
    assert len(dlq) == kinds["future"] > 0
    past = [e for e in expected("lodging", api).valid.values() if e.dt < "2026-01-01"]
    assert len(past) == kinds["past"] > 0


def test_dlq_records_carry_reason_raw_and_page_cursor(tmp_path, api):
    sink = FakeSink()
    with live_api(api) as base:
        make_collector(tmp_path, base, "game", sink, []).run(stop_at_end=True)
    stream = build_stream("game", api)
    _, dlq = split(sink, "game")
    letters = [json.loads(record.value) for record in dlq]
    invalid = [
        item for item in stream if item.kind in ("malformed", "schema_violation", "oversized")
    ]
    assert len(letters) == len(invalid)
    for letter, item in zip(letters, invalid, strict=True):
        assert letter["cursor"] == item.position - item.position % 25  # page_size 25
        assert letter["received_at"].endswith("Z")
        assert set(letter) == {"source", "event_id", "reason", "raw", "cursor", "received_at"}
        if item.kind == "malformed":
            assert letter["raw"] == item.payload
            assert letter["reason"].startswith("malformed JSON: ")
        elif item.kind == "oversized":
            assert letter["reason"] == "oversized"
            assert json.loads(letter["raw"]) == item.payload
        else:
            assert letter["reason"].startswith("schema: $")
            assert json.loads(letter["raw"]) == item.payload
        assert dlq[letters.index(letter)].key == letter["event_id"].encode()


def test_retries_throttling_errors_and_html_and_refuses_a_backwards_cursor(tmp_path):
    faults = {"throttle": 0.2, "server_error": 0.2, "html": 0.2, "cursor_backwards": 0.2}
    api = parse_api(tmp_path, faults=faults)
    # First page fine, then: throttle, 503, html, cursor backwards (distance roll 0.5), then fine.
    rolls = ScriptedRandom([0.9, 0.1, 0.3, 0.7, 0.5, 0.7, 0.5])
    sink, sleeps = FakeSink(), []
    with live_api(api, fault_rng=rolls) as base:
        collector = make_collector(tmp_path, base, "ads", sink, sleeps)
        collector.run(stop_at_end=True)
    assert rolls.rolls == []
    stats = collector.stats
    assert (stats.api_errors, stats.cursor_backwards) == (4, 1)
    assert "moved the cursor backwards from 25 to" in stats.last_error
    assert sleeps[0] >= 2  # Retry-After: 2
    # Exponential with jitter: each delay in [0.5, 1] x 0.5 * 2^n, until a success resets it.
    for n, delay in enumerate(sleeps[1:], start=1):
        assert 0.25 * 2**n <= delay <= 0.5 * 2**n
    assert_matches_expected(sink, "ads", api)
    assert len(sink.delivered) == 120  # the refused page produced nothing


def test_resumes_after_a_crash_without_loss(tmp_path, api):
    def crash_after_third_delivery(sink, records):
        if sink.calls == 3:
            sink.delivered.extend(records)  # delivered, but the cursor is never stored
            raise Crash

    sink = FakeSink()
    sink.on_send = crash_after_third_delivery
    with live_api(api) as base:
        with pytest.raises(Crash):
            make_collector(tmp_path, base, "lodging", sink, []).run(stop_at_end=True)
        assert CursorStore(tmp_path / "lodging" / "cursor.json", "lodging").load() == 50
        sink.on_send = None
        make_collector(tmp_path, base, "lodging", sink, []).run(stop_at_end=True)
    events, dlq = assert_matches_expected(sink, "lodging", api)
    assert len(events) + len(dlq) == 120 + 25  # the third page twice
    values: dict[str, bytes] = {}
    for record in events:
        assert values.setdefault(record.event_id, record.value) == record.value


def test_kafka_outage_pauses_polling_and_loses_nothing(tmp_path, api):
    store = CursorStore(tmp_path / "game" / "cursor.json", "game")
    cursors_seen = []
    sink = FakeSink(fail_calls=3)
    sink.on_send = lambda sink, records: cursors_seen.append(store.load())
    sleeps = []
    with live_api(api) as base:
        collector = make_collector(tmp_path, base, "game", sink, sleeps)
        collector.run(stop_at_end=True)
    assert cursors_seen[:4] == [0, 0, 0, 0]  # three failures and the retry: cursor not advanced
    assert cursors_seen[4] == 25
    assert collector.stats.kafka_errors == 3
    assert collector.stats.last_error == "kafka: broker down (fake)"
    assert len(sleeps) == 3
    events, dlq = assert_matches_expected(sink, "game", api)
    assert len(events) + len(dlq) == 120


def test_stop_request_finishes_the_page_and_stores_its_cursor(tmp_path, api):
    sink = FakeSink()
    with live_api(api) as base:
        collector = make_collector(tmp_path, base, "raid", sink, [])
        sink.on_send = lambda sink, records: collector.request_stop()
        assert collector.run(stop_at_end=True) == 0
        assert len(sink.delivered) == 25
        assert CursorStore(tmp_path / "raid" / "cursor.json", "raid").load() == 25
        sink.on_send = None
        make_collector(tmp_path, base, "raid", sink, []).run(stop_at_end=True)
    assert len(sink.delivered) == 120
    assert_matches_expected(sink, "raid", api)


def test_without_stop_at_end_it_keeps_polling_and_serves_status(tmp_path, api):
    sink = FakeSink()
    with live_api(api) as base:
        collector = make_collector(tmp_path, base, "ads", sink, [], poll_interval_s=0.01)
        idle = []

        def sleep(seconds):
            idle.append(seconds)
            if len(idle) == 3:
                collector.request_stop()

        collector.hooks = Hooks(sleep=sleep)
        collector.run()
    assert idle == [0.01, 0.01, 0.01]
    status = served_status(collector.stats)
    assert (status["cursor"], status["available"], status["lag"], status["end"]) == (
        120,
        120,
        0,
        True,
    )
    assert status["polled"] == 120 and status["last_poll_at"].endswith("Z")


def test_rate_cap_spaces_pages(tmp_path, api):
    sleeps = []
    hooks = Hooks(sleep=sleeps.append, monotonic=lambda: 0.0)
    with live_api(api) as base:
        collector = make_collector(
            tmp_path, base, "game", FakeSink(), sleeps, hooks, max_rate_per_s=50
        )
        collector.run(stop_at_end=True)
    assert sleeps == [0.5, 0.5, 0.5, 0.5]  # 25 events per page at 50/s; none after the last page


def test_unreachable_api_is_retried_with_the_reason(tmp_path, api):
    sleeps = []
    with live_api(api) as base:
        pass  # the port is closed again
    collector = make_collector(tmp_path, base, "game", FakeSink(), sleeps)

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 2:
            collector.request_stop()

    collector.hooks = Hooks(sleep=sleep, rng=random.Random(1))
    collector.run()
    assert collector.stats.api_errors == 2
    assert collector.stats.last_error.startswith("connection: cannot reach http://127.0.0.1:")


def test_wrong_token_is_a_client_error(tmp_path, api):
    sleeps = []
    with live_api(api) as base:
        collector = make_collector(tmp_path, base, "game", FakeSink(), sleeps)
        collector.headers = {"Authorization": "Bearer nope"}
        collector.hooks = Hooks(sleep=lambda s: collector.request_stop())
        collector.run()
    assert collector.stats.last_error.startswith("client_error: HTTP 401")


def test_stop_while_kafka_fails_keeps_the_cursor_before_the_page(tmp_path, api):
    sink = FakeSink(fail_calls=10**6)
    with live_api(api) as base:
        collector = make_collector(tmp_path, base, "game", sink, [])
        collector.hooks = Hooks(sleep=lambda seconds: collector.request_stop())
        assert collector.run(stop_at_end=True) == 0
    assert sink.calls == 2 and sink.delivered == []
    assert collector.stats.kafka_errors == 2
    assert not (tmp_path / "game" / "cursor.json").exists()
