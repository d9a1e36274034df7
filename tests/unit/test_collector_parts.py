"""The collector's parts: config, backoff, cursor store, page parsing, records, Kafka sink, CLIs."""

import json
import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bdp_collectors.collector.__main__ import auth_headers
from bdp_collectors.collector.backoff import Backoff
from bdp_collectors.collector.client import ApiError, parse_page, retry_after_seconds
from bdp_collectors.collector.config import RetryPolicy, parse_collector_config
from bdp_collectors.collector.cursor import CursorStore
from bdp_collectors.collector.records import Record, Topics, page_records, truncated
from bdp_collectors.collector.sink import KafkaSink, producer_settings
from bdp_collectors.configfile import ConfigError
from bdp_collectors.validation import load_schema
from eventkit import SCHEMA_DIR, api_config, collector_config

REPO = Path(__file__).resolve().parents[2]
BASE = "http://127.0.0.1:9"


def test_config_defaults_and_errors(tmp_path):
    config = collector_config(tmp_path, BASE, "raid")
    assert (config.kafka.topic, config.kafka.dlq_topic) == ("raid.events", "raid.dlq")
    assert config.kafka.security_protocol == "PLAINTEXT"  # no user: no SASL
    valid = {
        "source": "game",
        "endpoint": f"{BASE}/v1/game/events",
        "cursor_file": "c.json",
        "schema_file": "s.json",
        "kafka": {"bootstrap": "b:9092", "user": "collector", "password_env": "P"},
    }
    parsed = parse_collector_config(valid)
    assert parsed.kafka.security_protocol == "SASL_SSL"  # a user: SCRAM over TLS
    assert parsed.kafka.ca_file is None
    assert parsed.kafka.mechanism == "SCRAM-SHA-512"
    assert parsed.retry == RetryPolicy(0.5, 30.0, 2.0)
    for change, message in (
        ({"source": "Chess!"}, "'source' must be a source name (.*), got 'Chess!'"),
        ({"endpoint": "ftp://x"}, "'endpoint' must be an http(s) URL"),
        ({"page_size": 0}, "'page_size' must be >= 1, got 0"),
        ({"page_size": True}, "'page_size' must be int, got True"),
        ({"retry": {"initial_s": 5, "max_s": 1}}, "'max_s' must be >= 'initial_s'"),
        ({"kafka": {"bootstrap": "b", "user": "u"}}, "'password_env' is required with 'user'"),
        ({"kafka": {}}, "kafka: missing key 'bootstrap'"),
    ):
        with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
            parse_collector_config(valid | change)


def test_backoff_grows_with_jitter_is_capped_and_honours_retry_after():
    backoff = Backoff(RetryPolicy(0.5, 4.0, 2.0), random.Random(3))
    delays = [backoff.next_delay() for _ in range(6)]
    for n, delay in enumerate(delays):
        ceiling = min(4.0, 0.5 * 2**n)
        assert ceiling / 2 <= delay <= ceiling
    assert backoff.next_delay(retry_after=60) == 60
    backoff.reset()
    assert backoff.next_delay() <= 0.5
    for _ in range(5000):  # never overflows
        assert backoff.next_delay() <= 4.0


def test_cursor_store_round_trip_and_errors(tmp_path):
    store = CursorStore(tmp_path / "deep" / "cursor.json", "game")
    assert store.load() == 0
    store.save(250)
    assert store.load() == 250
    assert os.listdir(tmp_path / "deep") == ["cursor.json"]  # no temporary file left behind
    data = json.loads((tmp_path / "deep" / "cursor.json").read_text())
    assert data["source"] == "game" and data["updated_at"].endswith("Z")
    with pytest.raises(ValueError, match="holds the cursor of 'game', not 'ads'"):
        CursorStore(tmp_path / "deep" / "cursor.json", "ads").load()
    (tmp_path / "deep" / "cursor.json").write_text('{"source": "game", "cursor": -3}')
    with pytest.raises(ValueError, match="must be a non-negative integer"):
        store.load()
    (tmp_path / "deep" / "cursor.json").write_text('{"sou')
    with pytest.raises(ValueError, match="not a cursor file"):
        store.load()


def test_page_parsing_refuses_what_is_not_the_api_shape():
    good = {"source": "g", "events": [1], "next_cursor": 3, "available": 5, "end": False}
    page = parse_page(json.dumps(good).encode(), "application/json")
    assert (page.events, page.next_cursor, page.available, page.end) == ([1], 3, 5, False)
    for body, content_type, message in (
        (b"<html></html>", "text/html; charset=utf-8", "expected JSON, got Content-Type text/html"),
        (b"<html>", "application/json", "response is not JSON"),
        (b"[]", "application/json", "not a JSON object"),
        (json.dumps(good | {"events": None}).encode(), "application/json", "no 'events' list"),
        (json.dumps(good | {"next_cursor": True}).encode(), "application/json", "'next_cursor'"),
        (json.dumps(good | {"available": -1}).encode(), "application/json", "'available'"),
        (json.dumps(good | {"end": "no"}).encode(), "application/json", "boolean 'end'"),
    ):
        with pytest.raises(ApiError, match=message) as caught:
            parse_page(body, content_type)
        assert caught.value.kind == "bad_body"


def test_retry_after_seconds():
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds(" 10 ") == 10.0
    assert retry_after_seconds("Wed, 21 Oct 2026 07:28:00 GMT") is None
    assert retry_after_seconds(None) is None


def test_page_records_route_and_truncate_huge_raw_payloads():
    schema = load_schema(SCHEMA_DIR / "ads.json")
    at = datetime(2026, 11, 1, tzinfo=UTC)
    huge = "{" + "x" * 500
    records = page_records(
        ["[1]", huge], schema, Topics("e", "d"), 100, 64, 75, at, timedelta(minutes=5)
    )
    assert [record.topic for record in records] == ["d", "d"]
    small, big = (json.loads(record.value) for record in records)
    assert (small["reason"], small["raw"], small["cursor"]) == ("not an object: list", "[1]", 75)
    assert "raw_truncated" not in small
    assert big["reason"] == "oversized"
    assert (big["raw"], big["raw_truncated"], big["raw_bytes"]) == (huge[:64], True, 501)
    assert truncated("ééé", 3) == "é"


def test_producer_settings_are_durable_and_authenticated():
    config = parse_collector_config(
        {
            "source": "game",
            "endpoint": BASE,
            "cursor_file": "c",
            "schema_file": "s",
            "kafka": {
                "bootstrap": "h:9092",
                "user": "collector",
                "password_env": "P",
                "ca_file": "/etc/ca.crt",
            },
        }
    )
    settings = producer_settings(config.kafka, "game", "s3cret")
    assert settings["acks"] == "all" and settings["enable.idempotence"] is True
    assert settings["compression.type"] == "zstd" and settings["linger.ms"] == 20
    assert settings["security.protocol"] == "SASL_SSL"
    assert settings["ssl.ca.location"] == "/etc/ca.crt"
    assert (settings["sasl.mechanism"], settings["sasl.username"]) == ("SCRAM-SHA-512", "collector")
    assert settings["sasl.password"] == "s3cret"


def test_kafka_sink_reports_undeliverable_records(tmp_path):
    config = collector_config(
        tmp_path,
        BASE,
        "game",
        kafka={"bootstrap": "127.0.0.1:9", "delivery_timeout_ms": 1000, "linger_ms": 0},
    )
    sink = KafkaSink(config.kafka, "game", None)
    record = Record("game.events", b"k", b"{}", "id-1")
    failures = sink.send([record])
    assert [failure.record for failure in failures] == [record]
    assert "timed out" in failures[0].error.lower() or "transport" in failures[0].error.lower()


def test_auth_header_comes_from_the_environment(tmp_path, monkeypatch):
    config = collector_config(tmp_path, BASE, "game")
    monkeypatch.setenv("BDP_TEST_TOKEN", "t0k")
    assert auth_headers(config) == {"Authorization": "Bearer t0k"}
    monkeypatch.delenv("BDP_TEST_TOKEN")
    with pytest.raises(ConfigError, match="BDP_TEST_TOKEN \\(config auth_env\\) is empty or unset"):
        auth_headers(config)


def run_module(module, *args, env=None):
    path = os.pathsep.join([str(REPO / "collectors"), str(REPO / "runtime")])
    environment = {"PATH": os.environ["PATH"], "PYTHONPATH": path} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=30,
        check=False,
    )


def test_clis_have_help_and_name_what_is_wrong(tmp_path):
    for module in ("bdp_collectors.collector", "bdp_collectors.api"):
        result = run_module(module, "--help")
        assert result.returncode == 0 and "--config" in result.stdout
    result = run_module("bdp_collectors.collector", "--config", str(tmp_path / "none.json"))
    assert result.returncode == 2
    assert "none.json: cannot read" in result.stderr
    config = tmp_path / "api.json"
    config.write_text(json.dumps(api_config(tmp_path, token_env="NO_SUCH_TOKEN")))
    result = run_module("bdp_collectors.api", "--config", str(config))
    assert result.returncode == 2
    assert "NO_SUCH_TOKEN (token_env) is empty" in result.stderr
