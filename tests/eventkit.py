"""Shared by the event API and collector unit tests: small configs, a fake sink, a live API."""

import json
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bdp_collectors.collector.config import CollectorConfig, parse_collector_config
from bdp_collectors.collector.sink import Failure
from bdp_collectors.collector.stats import Stats, status_handler
from bdp_collectors.httpserve import make_server, serve_in_thread
from bdp_collectors.simulator.config import ApiConfig, parse_api_config
from bdp_collectors.simulator.registry import generators
from bdp_collectors.simulator.service import EventApi
from bdp_collectors.simulator.stream import build_stream
from bdp_collectors.validation import default_schema_dir

TOKEN = "test-token"
SCHEMA_DIR = default_schema_dir()
NO_REQUEST_FAULTS = {"throttle": 0, "server_error": 0, "html": 0, "cursor_backwards": 0}


def api_config(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """A small, fault-rich stream config: 2 days x 60 events."""
    config = {
        "bind": "127.0.0.1",
        "port": 0,
        "token_env": "BDP_TEST_TOKEN",
        "seed": 7,
        "start_date": "2026-11-01",
        "days": 2,
        "timezone": "Asia/Seoul",
        "events_per_day": 60,
        "release_rate": 0,
        "state_file": str(tmp_path / "api-state.json"),
        "max_page_size": 50,
        "faults": {
            "duplicate": 0.1,
            "late": 0.1,
            "malformed_json": 0.05,
            "schema_violation": 0.05,
            "oversized": 0.04,
            **NO_REQUEST_FAULTS,
        },
        "late_hours": [1, 6],
        "oversized_bytes": 6000,
        "retry_after_s": 2,
    }
    return config | overrides


class ScriptedRandom:
    """Stands in for the API's fault RNG: the given rolls first, then 0.999 (no fault)."""

    def __init__(self, rolls: list[float]) -> None:
        self.rolls = list(rolls)

    def random(self) -> float:
        return self.rolls.pop(0) if self.rolls else 0.999


@contextmanager
def live_api(config: ApiConfig, fault_rng: Any = None, clock: Any = None) -> Iterator[str]:
    """The event API on 127.0.0.1 (any free port); yields its base URL."""
    streams = {source: build_stream(source, config) for source in generators()}
    api = EventApi(config, streams, TOKEN, 0.0, clock or (lambda: 0.0), fault_rng)
    server = make_server("127.0.0.1", 0, api.handle)
    serve_in_thread(server)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def collector_config(
    tmp_path: Path, base_url: str, source: str, **overrides: Any
) -> CollectorConfig:
    data = {
        "source": source,
        "endpoint": f"{base_url}/v1/{source}/events",
        "auth_header": "Authorization",
        "auth_env": "BDP_TEST_TOKEN",
        "page_size": 25,
        "poll_interval_s": 0.01,
        "max_rate_per_s": 0,
        "retry": {"initial_s": 0.5, "max_s": 30.0, "multiplier": 2.0},
        "cursor_file": str(tmp_path / source / "cursor.json"),
        "schema_file": str(SCHEMA_DIR / f"{source}.json"),
        "max_event_bytes": 4096,
        "kafka": {
            "bootstrap": "127.0.0.1:1",
            "topic": f"{source}.events",
            "dlq_topic": f"{source}.dlq",
        },
        "status": {"bind": "127.0.0.1", "port": 0},
    }
    return parse_collector_config(data | overrides)


class FakeSink:
    """Records what it gets; its first `fail_calls` calls fail all records; `on_send` runs first."""

    def __init__(self, fail_calls: int = 0) -> None:
        self.delivered: list[Any] = []
        self.calls = 0
        self.fail_calls = fail_calls
        self.on_send: Any = None
        self.lock = threading.Lock()

    def send(self, records: Any) -> list[Failure]:
        with self.lock:
            self.calls += 1
            if self.on_send:
                self.on_send(self, records)
            if self.fail_calls > 0:
                self.fail_calls -= 1
                return [Failure(record, "broker down (fake)") for record in records]
            self.delivered.extend(records)
            return []


def parse_api(tmp_path: Path, **overrides: Any) -> ApiConfig:
    return parse_api_config(api_config(tmp_path, **overrides))


def served_status(stats: Stats) -> dict[str, Any]:
    """What GET /status answers for `stats`, through a real status server on loopback."""
    server = make_server("127.0.0.1", 0, status_handler(stats))
    serve_in_thread(server)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/status"
        with urllib.request.urlopen(url) as response:
            return json.loads(response.read())
    finally:
        server.shutdown()
