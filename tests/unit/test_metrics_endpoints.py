"""GET /metrics of the collector's status server and of the event API, over real HTTP."""

import random
import re
import time
import urllib.error
import urllib.request

import pytest

from bdp_collectors.collector.cursor import CursorStore
from bdp_collectors.collector.loop import Collector, Hooks
from bdp_collectors.collector.metrics import collector_families
from bdp_collectors.collector.stats import API_ERROR_KINDS, Stats, status_handler
from bdp_collectors.httpserve import make_server, serve_in_thread
from bdp_collectors.simulator.metrics import api_families
from bdp_collectors.simulator.registry import generators
from bdp_collectors.validation import load_schema
from bdp_runtime.exposition import CONTENT_TYPE, render
from eventkit import (
    NO_REQUEST_FAULTS,
    TOKEN,
    FakeSink,
    ScriptedRandom,
    collector_config,
    live_api,
    parse_api,
    served_status,
)

SAMPLE = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
STATUS_KEYS = {
    "source",
    "cursor",
    "available",
    "lag",
    "polled",
    "produced",
    "rejected",
    "api_errors",
    "kafka_errors",
    "cursor_backwards",
    "cursor_stalled",
    "empty_pages",
    "oversized_response",
    "stalled_response",
    "last_error",
    "last_poll_at",
    "end",
}
COLLECTOR_FAMILIES = {
    "bdp_collector_up": "gauge",
    "bdp_collector_events_polled_total": "counter",
    "bdp_collector_events_produced_total": "counter",
    "bdp_collector_events_rejected_total": "counter",
    "bdp_collector_api_errors_total": "counter",
    "bdp_collector_kafka_errors_total": "counter",
    "bdp_collector_lag_events": "gauge",
    "bdp_collector_last_poll_timestamp_seconds": "gauge",
    "bdp_collector_kafka_delivery_seconds": "summary",
}


def samples(text):
    """{(name, ((label, value), ...)): value} of an exposition whose labels need no unescaping."""
    found = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        name, labels, value = SAMPLE.fullmatch(line).groups()
        found[(name, tuple(LABEL.findall(labels or "")))] = float(value)
    return found


def by_label(found, name, label):
    """{value of `label`: sample value} of the samples of `name`."""
    return {dict(labels)[label]: value for (each, labels), value in found.items() if each == name}


def types(text):
    return dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.MULTILINE))


def get(url, headers=None):
    """(status, Content-Type, body) of a GET, errors included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def served_metrics(stats):
    """(status, Content-Type, body) of GET /metrics through a real status server."""
    server = make_server("127.0.0.1", 0, status_handler(stats))
    serve_in_thread(server)
    try:
        return get(f"http://127.0.0.1:{server.server_address[1]}/metrics")
    finally:
        server.shutdown()
        server.server_close()


def collector_samples(stats):
    return samples(render(collector_families(stats)))


def make_collector(tmp_path, base, source, sink, hooks):
    config = collector_config(tmp_path, base, source)
    store = CursorStore(config.cursor_file, source)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    return Collector(config, load_schema(config.schema_file), sink, store, headers, hooks)


def test_status_server_serves_the_contract_metrics_and_status_keeps_its_shape():
    stats = Stats("game", cursor=40, available=100, polled=40, produced=35, rejected=5)
    stats.last_poll_at = "2026-11-01T00:00:01.500Z"
    status, content_type, body = served_metrics(stats)
    assert (status, content_type) == (200, CONTENT_TYPE)
    assert types(body) == COLLECTOR_FAMILIES
    found = samples(body)
    game = (("source", "game"),)
    assert found[("bdp_collector_lag_events", game)] == 60
    assert found[("bdp_collector_events_produced_total", game)] == 35
    assert found[("bdp_collector_last_poll_timestamp_seconds", game)] == 1793491201.5
    assert found[("bdp_collector_up", game)] == 0
    assert set(served_status(stats)) == STATUS_KEYS


def test_before_the_first_poll_lag_and_poll_time_have_no_sample():
    found = collector_samples(Stats("raid"))
    names = {name for name, _ in found}
    assert "bdp_collector_lag_events" not in names
    assert "bdp_collector_last_poll_timestamp_seconds" not in names
    kinds = by_label(found, "bdp_collector_api_errors_total", "kind")
    assert kinds == dict.fromkeys(API_ERROR_KINDS, 0)  # every kind there from the start


def test_a_run_is_counted_and_each_send_timed(tmp_path):
    api = parse_api(tmp_path)
    clock = [0.0]
    during = []

    def on_send(sink, records):
        clock[0] += 0.5  # each send takes half a second on the fake clock
        during.append(collector_samples(collector.stats))

    sink = FakeSink(fail_calls=1)
    sink.on_send = on_send
    hooks = Hooks(sleep=lambda s: None, monotonic=lambda: clock[0], rng=random.Random(1))
    before = time.time()
    with live_api(api) as base:
        collector = make_collector(tmp_path, base, "raid", sink, hooks)
        collector.run(stop_at_end=True)
    raid = (("source", "raid"),)
    assert all(found[("bdp_collector_up", raid)] == 1 for found in during)
    found = collector_samples(collector.stats)
    assert found[("bdp_collector_up", raid)] == 0  # the loop has stopped
    assert found[("bdp_collector_events_polled_total", raid)] == 120
    produced = found[("bdp_collector_events_produced_total", raid)]
    assert produced + found[("bdp_collector_events_rejected_total", raid)] == 120
    assert produced == collector.stats.produced > 0
    assert found[("bdp_collector_kafka_errors_total", raid)] == 1
    assert found[("bdp_collector_lag_events", raid)] == 0
    assert before - 1 <= found[("bdp_collector_last_poll_timestamp_seconds", raid)] <= time.time()
    # The failed send is timed too: it is how long Kafka took to give its verdict.
    assert sink.calls == 6  # five pages of 25, the first sent twice
    assert found[("bdp_collector_kafka_delivery_seconds_count", raid)] == 6
    assert found[("bdp_collector_kafka_delivery_seconds_sum", raid)] == 3.0


def test_a_failed_poll_reports_down_and_counts_its_kind(tmp_path):
    faults = NO_REQUEST_FAULTS | {"throttle": 0.2, "server_error": 0.2}
    api = parse_api(tmp_path, faults=faults)
    rolls = ScriptedRandom([0.9, 0.1, 0.3, 0.7])  # fine, throttle, 503, fine
    ups = []

    def sleep(seconds):
        ups.append(collector_samples(collector.stats)[("bdp_collector_up", (("source", "ads"),))])

    hooks = Hooks(sleep=sleep, rng=random.Random(1))
    with live_api(api, fault_rng=rolls) as base:
        collector = make_collector(tmp_path, base, "ads", FakeSink(), hooks)
        collector.run(stop_at_end=True)
    assert ups == [0, 0]  # the back-off after each failed poll
    found = collector_samples(collector.stats)
    kinds = by_label(found, "bdp_collector_api_errors_total", "kind")
    assert kinds == dict.fromkeys(API_ERROR_KINDS, 0) | {"throttled": 1, "server_error": 1}
    assert sum(kinds.values()) == collector.stats.api_errors


@pytest.fixture
def event_api(tmp_path):
    with live_api(parse_api(tmp_path)) as base:
        yield base


def test_event_api_counts_requests_and_served_events(event_api):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for cursor in (0, 100):
        assert get(f"{event_api}/v1/game/events?cursor={cursor}&limit=30", auth)[0] == 200
    assert get(f"{event_api}/v1/game/events", {"Authorization": "Bearer nope"})[0] == 401
    assert get(f"{event_api}/v1/game/events?cursor=999", auth)[0] == 400
    assert get(f"{event_api}/v1/no_such/events", auth)[0] == 404
    assert get(f"{event_api}/v1/%22%0Aevil/events", auth)[0] == 404
    assert get(f"{event_api}/healthz")[0] == 200
    status, content_type, body = get(f"{event_api}/metrics")
    assert (status, content_type) == (200, CONTENT_TYPE)
    assert types(body) == {
        "bdp_event_api_requests_total": "counter",
        "bdp_event_api_events_served_total": "counter",
    }
    found = samples(body)
    requests = {labels: n for (name, labels), n in found.items() if name.endswith("requests_total")}
    assert requests == {
        (("source", "game"), ("status", "200")): 2,
        (("source", "game"), ("status", "401")): 1,
        (("source", "game"), ("status", "400")): 1,
        # Unknown sources are not labels: a client cannot add series at will.
        (("source", ""), ("status", "404")): 2,
        (("source", ""), ("status", "200")): 1,  # /healthz; /metrics is not counted
    } | {(("source", s), ("status", "200")): 0 for s in generators() if s != "game"}
    served = by_label(found, "bdp_event_api_events_served_total", "source")
    assert served == dict.fromkeys(generators(), 0) | {"game": 50}  # 30, then the last 20


def test_event_api_families_are_sorted_and_labelled():
    text = render(api_families({("raid", 429): 2, ("ads", 200): 5}, {"raid": 7, "ads": 0}))
    assert text.splitlines()[2:4] == [
        'bdp_event_api_requests_total{source="ads",status="200"} 5',
        'bdp_event_api_requests_total{source="raid",status="429"} 2',
    ]
    assert text.splitlines()[-2:] == [
        'bdp_event_api_events_served_total{source="ads"} 0',
        'bdp_event_api_events_served_total{source="raid"} 7',
    ]
