"""The collector against a real HTTP server on loopback that misbehaves as scripted: a cursor that
never moves, endless empty pages, responses far larger than a page, and responses that stall or
trickle. Each must be detected, counted, backed off, and lose nothing once the server recovers."""

import json
import random
import threading
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from bdp_collectors.classify import item_id
from bdp_collectors.collector.client import ApiError, fetch_page
from bdp_collectors.collector.cursor import CursorStore
from bdp_collectors.collector.loop import Collector, Hooks
from bdp_collectors.configfile import ConfigError
from bdp_collectors.events import raw_text
from bdp_collectors.httpserve import Request, Response
from bdp_collectors.simulator.service import EventApi
from bdp_collectors.simulator.stream import build_stream, expected
from bdp_collectors.validation import load_schema
from eventkit import TOKEN, FakeSink, ScriptedRandom, collector_config, parse_api, served_status

SOURCE = "raid"
ENDLESS_BYTES = 32 * 1024 * 1024  # more than loopback socket buffers hold, so a hang-up shows


class MisbehavingApi:
    """The real event API behind a server that misbehaves as scripted, request by request.

    `script` names the behaviour of each coming request (a method below); once it is used up the
    server is honest. `release` ends stalls and trickles when the test is over."""

    def __init__(self, api, script: list[str]) -> None:
        streams = {SOURCE: build_stream(SOURCE, api)}
        self.api = EventApi(api, streams, TOKEN, 0.0, lambda: 0.0, ScriptedRandom([]))
        self.script = list(script)
        self.requests: list[tuple[int, int, str]] = []  # cursor, limit, behaviour
        self.release = threading.Event()
        self.hung_up = 0  # responses the client stopped reading
        self.lock = threading.Lock()

    def respond(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        headers = {key.lower(): value for key, value in handler.headers.items()}
        honest = self.api.handle(Request(parts.path, query, headers))
        cursor = int(query.get("cursor", 0))
        with self.lock:
            behaviour = self.script.pop(0) if self.script else "honest"
            self.requests.append((cursor, int(query.get("limit", 0)), behaviour))
        try:
            getattr(self, behaviour)(handler, honest, cursor)
        except (BrokenPipeError, ConnectionResetError):
            with self.lock:
                self.hung_up += 1

    # Behaviours: (handler, the honest response, the request's cursor).

    def honest(self, handler, response: Response, cursor: int) -> None:
        send(handler, response.status, response.body, response.content_type)

    def same_page(self, handler, response: Response, cursor: int) -> None:
        body = json.loads(response.body) | {"next_cursor": cursor}
        send(handler, 200, json.dumps(body).encode())

    def empty_claiming_more(self, handler, response: Response, cursor: int) -> None:
        body = json.loads(response.body) | {"events": [], "next_cursor": cursor, "end": False}
        send(handler, 200, json.dumps(body).encode())

    def huge_declared(self, handler, response: Response, cursor: int) -> None:
        headers(handler, 10**12)
        handler.wfile.write(response.body[:100])
        self.release.wait(5)  # a client reading on would wait here

    def endless_body(self, handler, response: Response, cursor: int) -> None:
        headers(handler, None)  # no Content-Length: the body ends with the connection
        handler.wfile.write(b'{"events": [')
        for _ in range(ENDLESS_BYTES // 65536):
            handler.wfile.write(b" " * 65536)

    def stall_after_headers(self, handler, response: Response, cursor: int) -> None:
        headers(handler, len(response.body))
        handler.wfile.write(response.body[:10])
        self.release.wait(10)

    def trickle(self, handler, response: Response, cursor: int) -> None:
        """A byte every 10 ms: far inside any per-read timeout, for ~3 s at most."""
        headers(handler, len(response.body))
        for index in range(min(len(response.body), 300)):
            handler.wfile.write(response.body[index : index + 1])
            if self.release.wait(0.01):
                return


def headers(handler, length: int | None) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    if length is not None:
        handler.send_header("Content-Length", str(length))
    handler.end_headers()


def send(handler, status: int, body: bytes, content_type: str = "application/json") -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@contextmanager
def misbehaving(api, script: list[str]) -> Iterator[tuple[str, MisbehavingApi]]:
    """A MisbehavingApi on 127.0.0.1 (any free port); yields its base URL and itself."""
    fake = MisbehavingApi(api, script)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fake.respond(self)

        def log_message(self, format, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    # A short poll interval: shutdown() waits for one, and every test shuts a server down.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()


class CheckedStore(CursorStore):
    """A cursor store that fails the test when a cursor would pass an item not yet delivered."""

    def __init__(self, path, sink: FakeSink, ids: list[str]) -> None:
        super().__init__(path, SOURCE)
        self.sink, self.ids, self.saved = sink, ids, []

    def save(self, cursor: int) -> None:
        delivered = {record.event_id for record in self.sink.delivered}
        missing = [p for p in range(cursor) if self.ids[p] not in delivered]
        assert not missing, f"cursor {cursor} stored before items {missing[:5]} were delivered"
        self.saved.append(cursor)
        super().save(cursor)


@pytest.fixture
def api(tmp_path):
    return parse_api(tmp_path)


def make_collector(tmp_path, api, base, sink, sleeps, fetch=fetch_page, **overrides):
    """A collector whose sleeps are recorded (and end the run if it never stops by itself)."""
    config = collector_config(tmp_path, base, SOURCE, **overrides)
    ids = [
        item_id(SOURCE, item.payload, raw_text(item.payload)) for item in build_stream(SOURCE, api)
    ]
    store = CheckedStore(config.cursor_file, sink, ids)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    collector = Collector(config, load_schema(config.schema_file), sink, store, headers)

    # A loop that never ends fails the test instead of hanging it.
    collector.hooks = Hooks(
        fetch=fetch, sleep=stop_after(100, sleeps, collector), rng=random.Random(1)
    )
    return collector


def stop_after(count: int, sleeps: list[float], collector: Collector):
    """A sleep that records, and asks the collector to stop at the `count`th."""

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == count:
            collector.request_stop()

    return sleep


def assert_everything_delivered(sink, api) -> None:
    known = expected(SOURCE, api)
    wanted = set(known.valid) | {entry.event_id for entry in known.invalid}
    assert {record.event_id for record in sink.delivered} == wanted


def assert_exponential(delays: list[float]) -> None:
    """Backoff of consecutive failures: [0.5, 1] x 0.5 * 2^n (retry initial_s 0.5, jitter)."""
    for n, delay in enumerate(delays):
        assert 0.25 * 2**n <= delay <= 0.5 * 2**n


def timed(durations: list[float]):
    """fetch_page, recording how long each call took."""

    def fetch(*args):
        started = time.monotonic()
        try:
            return fetch_page(*args)
        finally:
            durations.append(time.monotonic() - started)

    return fetch


@pytest.mark.parametrize("allowed", [0, 3])
def test_a_cursor_that_never_moves_is_backed_off_after_max_stalled_pages(tmp_path, api, allowed):
    sink, sleeps = FakeSink(), []
    with misbehaving(api, ["honest"] + ["same_page"] * 5) as (base, fake):
        collector = make_collector(tmp_path, api, base, sink, sleeps, max_stalled_pages=allowed)
        assert collector.run(stop_at_end=True) == 0
    stats = collector.stats
    assert (stats.cursor_stalled, stats.api_errors) == (5 - allowed, 5 - allowed)
    assert stats.last_error == (
        "cursor_stalled: API sent 25 events without moving the cursor at cursor 25, 5 pages in a "
        "row; page refused"
    )
    assert_exponential(sleeps)  # pages with events: no other waits
    assert len(sleeps) == 5 - allowed
    assert [cursor for cursor, _, _ in fake.requests[:7]] == [0] + [25] * 6
    # The stalled pages taken were delivered again (harmless: same ids); the cursor stayed put.
    assert collector.store.saved[: 1 + allowed + 1] == [25] * (1 + allowed) + [50]
    assert len(sink.delivered) == 120 + 25 * allowed
    assert_everything_delivered(sink, api)
    snapshot = collector.stats.snapshot()
    assert snapshot["cursor_stalled"] == 5 - allowed and snapshot["empty_pages"] == 0


def test_endless_empty_pages_claiming_more_are_backed_off_exponentially(tmp_path, api):
    sink, sleeps = FakeSink(), []
    with misbehaving(api, ["honest"] + ["empty_claiming_more"] * 6) as (base, _):
        collector = make_collector(tmp_path, api, base, sink, sleeps)
        collector.run(stop_at_end=True)
    stats = collector.stats
    assert (stats.empty_pages, stats.api_errors, stats.cursor_stalled) == (3, 3, 0)
    assert stats.last_error == (
        "empty_pages: API sent no events while claiming 120 available and no end at cursor 25, "
        "6 pages in a row; page refused"
    )
    # max_empty_pages (3) taken as idling at poll_interval_s, then exponential backoff.
    assert sleeps[:3] == [0.01, 0.01, 0.01]
    assert len(sleeps) == 6
    assert_exponential(sleeps[3:])
    assert collector.store.saved[:5] == [25, 25, 25, 25, 50]
    assert_everything_delivered(sink, api)
    assert len(sink.delivered) == 120


def test_empty_pages_at_the_end_or_before_release_are_idling_not_errors(tmp_path):
    # The clock stands still with one item released: pages at cursor 1 are empty, end false,
    # available 1 (nothing more yet, not an error). Then the whole stream, idling at its end.
    for release_rate, cursor in ((1, 1), (0, 120)):
        api = parse_api(tmp_path / str(release_rate), release_rate=release_rate)
        sink, sleeps = FakeSink(), []
        with misbehaving(api, []) as (base, _):
            collector = make_collector(tmp_path / str(release_rate), api, base, sink, sleeps)
            collector.hooks = Hooks(sleep=stop_after(8, sleeps, collector))
            collector.run()
        assert sleeps == [0.01] * 8
        assert (collector.stats.api_errors, collector.stats.empty_pages) == (0, 0)
        assert collector.stats.cursor == cursor and collector.stats.last_error is None
        assert collector.stats.snapshot()["empty_pages"] == 0


def test_a_response_declaring_a_huge_body_is_refused_unread(tmp_path, api):
    sink, sleeps = FakeSink(), []
    with misbehaving(api, ["huge_declared"] * 2) as (base, fake):
        collector = make_collector(tmp_path, api, base, sink, sleeps, max_response_bytes=65536)
        collector.run(stop_at_end=True)
    stats = collector.stats
    assert (stats.oversized_response, stats.api_errors) == (2, 2)
    assert stats.last_error == (
        "oversized_response: Content-Length 1000000000000 exceeds max_response_bytes 65536; "
        "body not read"
    )
    assert_exponential(sleeps)
    # Retried with smaller pages at the same cursor, grown back after successes.
    assert [(c, limit) for c, limit, _ in fake.requests[:5]] == [
        (0, 25),
        (0, 12),
        (0, 6),
        (6, 12),
        (18, 24),
    ]
    assert collector.store.saved[:2] == [6, 18]
    assert_everything_delivered(sink, api)


def test_an_endless_body_is_read_only_up_to_the_limit(tmp_path, api):
    sink, sleeps = FakeSink(), []
    with misbehaving(api, ["endless_body"]) as (base, fake):
        collector = make_collector(tmp_path, api, base, sink, sleeps, max_response_bytes=262144)
        collector.run(stop_at_end=True)
        assert fake.hung_up == 1  # the client stopped reading and closed the connection
    assert collector.stats.oversized_response == 1
    assert collector.stats.last_error == (
        "oversized_response: body exceeds max_response_bytes 262144; reading stopped"
    )
    assert len(sleeps) == 1
    assert collector.store.saved[0] == 12
    assert_everything_delivered(sink, api)


def test_reading_an_endless_body_keeps_memory_bounded(tmp_path, api):
    with misbehaving(api, ["endless_body"]) as (base, _):
        tracemalloc.start()
        try:
            with pytest.raises(ApiError) as raised:
                fetch_page(f"{base}/v1/{SOURCE}/events", 0, 25, {}, 10.0, 262144)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert raised.value.kind == "oversized_response"
    assert peak < 2 * 1024 * 1024  # the server sent up to 32 MiB


def test_a_response_that_stalls_after_its_headers_hits_the_total_deadline(tmp_path, api):
    sink, sleeps, durations = FakeSink(), [], []
    with misbehaving(api, ["stall_after_headers"] * 2) as (base, fake):
        collector = make_collector(
            tmp_path, api, base, sink, sleeps, fetch=timed(durations), http_timeout_s=0.3
        )
        collector.run(stop_at_end=True)
    stats = collector.stats
    assert (stats.stalled_response, stats.api_errors) == (2, 2)
    assert stats.last_error == (
        f"stalled_response: no complete response from {base}/v1/{SOURCE}/events "
        "within http_timeout_s 0.3 s"
    )
    assert all(0.25 <= took < 1.0 for took in durations[:2])
    assert_exponential(sleeps)
    assert [(c, limit) for c, limit, _ in fake.requests[:3]] == [(0, 25), (0, 12), (0, 6)]
    assert_everything_delivered(sink, api)


def test_a_trickling_response_hits_the_total_deadline(tmp_path, api):
    sink, sleeps, durations = FakeSink(), [], []
    with misbehaving(api, ["trickle"]) as (base, _):
        collector = make_collector(
            tmp_path, api, base, sink, sleeps, fetch=timed(durations), http_timeout_s=0.3
        )
        collector.run(stop_at_end=True)
    # Each byte came well within 0.3 s: only the request's total budget stops it.
    assert collector.stats.stalled_response == 1
    assert collector.stats.last_error.startswith("stalled_response: no complete response")
    assert 0.25 <= durations[0] < 1.0
    assert len(sleeps) == 1
    assert collector.store.saved[0] == 12
    assert_everything_delivered(sink, api)


def test_pages_too_big_for_the_limit_are_collected_in_smaller_pages(tmp_path, api):
    # Single items are under 8 KiB; most pages of 25 (with 6 KB oversized items) are not.
    sink, sleeps = FakeSink(), []
    with misbehaving(api, []) as (base, fake):
        collector = make_collector(tmp_path, api, base, sink, sleeps, max_response_bytes=8192)
        collector.run(stop_at_end=True)
    assert collector.stats.oversized_response >= 3
    assert collector.stats.api_errors == collector.stats.oversized_response
    limits = [limit for _, limit, _ in fake.requests]
    assert min(limits) >= 1 and max(limits) == 25
    assert_everything_delivered(sink, api)
    assert len(sink.delivered) == 120  # nothing twice: a refused page delivered nothing


def test_status_shows_the_new_counters(tmp_path, api):
    sink = FakeSink()
    with misbehaving(api, ["same_page"] * 2 + ["empty_claiming_more"]) as (base, _):
        collector = make_collector(
            tmp_path, api, base, sink, [], max_stalled_pages=1, max_empty_pages=0
        )
        collector.run(stop_at_end=True)
    status = served_status(collector.stats)
    assert (status["api_errors"], status["cursor_stalled"], status["empty_pages"]) == (2, 1, 1)
    assert (status["oversized_response"], status["cursor_backwards"]) == (0, 0)
    assert status["last_error"].startswith("empty_pages: ")


def test_config_of_the_new_limits(tmp_path):
    config = collector_config(tmp_path, "http://127.0.0.1:9", SOURCE)
    assert (config.max_response_bytes, config.max_stalled_pages, config.max_empty_pages) == (
        64 * 1024 * 1024,
        3,
        3,
    )
    for change, message in (
        ({"max_response_bytes": 8191}, "'max_response_bytes' must be >= 2 \\* 'max_event_bytes'"),
        ({"max_stalled_pages": -1}, "'max_stalled_pages' must be >= 0, got -1"),
        ({"max_empty_pages": 1.5}, "'max_empty_pages' must be int, got 1.5"),
    ):
        with pytest.raises(ConfigError, match=message):
            collector_config(tmp_path, "http://127.0.0.1:9", SOURCE, **change)
