"""Event time against the clock, through the real pipeline: a source with a wrong clock sends
events years in the future and years in the past beside a normal stream of two days.

The stream (tests/bdp_testkit/streamkit.py: an event API and a collector on a Kafka host, into
`game.events`) covers CLOCK_DAYS, after every other stream of the lab tests. Afterwards:
the future events are in `game.dlq` with their reason and completed nothing; the past ones
are in /lake/late under their own day, counted; the normal events are in the lake exactly
once, in their day; a record from another producer that claims a future time is refused by
the lake writer; the days between the earlier streams and CLOCK_DAYS, which had no event,
are held, and `bdp etl run` says why; and the ETL of the first CLOCK_DAY equals the
independent recomputation.
"""

import json
import re
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from etlkit import assert_exact, etl_settings
from kafka import KafkaProducer

from bdp_collectors.classify import reason_class
from bdp_collectors.events import event_id, utc_iso
from bdp_collectors.simulator.stream import build_stream, expected
from bdp_jobs.lake.days import complete_through
from bdp_testkit import streamkit
from bdp_testkit.helpers import run_tool
from labkit import (
    MASTER,
    ingest_status,
    kafka_auth,
    lab_secret,
    lake_inventory,
    on_host,
    read_all,
    shell_stdout,
    stage,
    start_stream,
    stream_api_config,
    wait_until,
)

pytestmark = [pytest.mark.lab, pytest.mark.slow]  # about 6 min: make test-all

CLOCK_DAYS = ("2026-11-22", "2026-11-23")
PORT, SEED = 8784, 9104
EVENTS_PER_DAY = 300
WRONG_CLOCK = {"future_time": 0.02, "past_time": 0.02}
DRAIN_TIMEOUT_S = 900


@pytest.fixture(scope="module")
def stream_config() -> dict:
    config = stream_api_config(PORT, SEED, EVENTS_PER_DAY, 0, CLOCK_DAYS[0])
    return config | {"days": len(CLOCK_DAYS), "faults": streamkit.NO_FAULTS | WRONG_CLOCK}


@pytest.fixture(scope="module")
def before() -> dict[str, dict]:
    return ingest_status()


@pytest.fixture(scope="module")
def ingested(stream_config, before) -> dict[str, dict]:
    """The stream collected and committed to the lake; `bdp ingest status` afterwards."""
    started = time.monotonic()
    stream = start_stream(PORT, stream_config, "game.events", "game.dlq")
    try:
        output, _ = stream.communicate(timeout=1200)
    finally:
        stream.kill()
    assert "rc 0" in output, f"the collector failed; see {streamkit.HOST}:{streamkit.WORK}"
    wait_until(
        lambda: ingest_status()["game"]["lake_lag"] == 0,
        DRAIN_TIMEOUT_S,
        "the lake writer committed every game event",
    )
    stage("a source with a wrong clock: stream collected and in the lake", started)
    return ingest_status()


def lateness() -> timedelta:
    unit = shell_stdout(on_host(MASTER, "systemctl cat bdp-lake-writer"))
    found = re.search(r"--allowed-lateness-minutes (\d+)", unit)
    assert found, "the lake writer's unit has no --allowed-lateness-minutes"
    return timedelta(minutes=int(found.group(1)))


def test_future_events_are_dead_letters_with_their_reason(stream_config, ingested):
    items = build_stream("game", stream_config)
    future = {e.event_id for e in expected("game", stream_config).invalid}
    assert future and len(future) == sum(1 for item in items if item.kind == "future")
    auth = kafka_auth("admin", lab_secret("vault_kafka_admin_password"))
    letters = [json.loads(m.value) for m in read_all("game.dlq", auth, idle_ms=10000)]
    found = {r["event_id"]: r for r in letters if r["event_id"] in future}
    assert set(found) == future
    for letter in found.values():
        assert reason_class(letter["reason"]) == "future", letter["reason"]
        assert "later than" in letter["reason"] and letter["raw"]


def test_completeness_follows_the_normal_events_only(stream_config, before, ingested):
    known = expected("game", stream_config).valid.values()
    newest = max(datetime.fromisoformat(e.event["event_time"]) for e in known if not e.late)
    wanted = complete_through(newest, stream_config["timezone"], lateness())
    assert ingested["game"]["complete_through"] == str(wanted) == CLOCK_DAYS[0]
    for source in ("lodging", "raid", "ads"):
        assert ingested[source]["complete_through"] == before[source]["complete_through"]


def test_normal_events_once_in_their_day_and_past_ones_late(stream_config, before, ingested):
    known = expected("game", stream_config).valid
    stored: dict[str, list[tuple[str, str]]] = {}
    for area, _, dt, ident, _ in lake_inventory(["game"]):
        stored.setdefault(ident, []).append((area, dt))
    wrong = {
        ident: stored.get(ident)
        for ident, event in known.items()
        if stored.get(ident) != [("late" if event.late else "raw", event.dt)]
    }
    assert wrong == {}, list(wrong.items())[:5]
    past = sum(1 for e in known.values() if e.late)
    assert past and ingested["game"]["late"] >= before["game"]["late"] + past


def test_another_producers_future_record_is_refused_by_the_lake_writer(stream_config, ingested):
    sample = next(iter(expected("game", stream_config).valid.values())).event
    ahead = datetime.now(UTC) + timedelta(days=200)
    event = dict(sample, event_time=utc_iso(ahead), account=f"clock-probe-{uuid.uuid4().hex[:8]}")
    producer = KafkaProducer(
        **kafka_auth("collector", lab_secret("vault_kafka_collector_password")), acks="all"
    )
    value = {**event, "event_id": event_id("game", event)}
    producer.send("game.events", key=event["account"].encode(), value=json.dumps(value).encode())
    producer.flush(timeout=60)
    producer.close()
    status = wait_until(
        lambda: (s := ingest_status()["game"])["future"] > ingested["game"]["future"] and s,
        600,
        "the lake writer counted the future record",
    )
    assert status["complete_through"] == ingested["game"]["complete_through"]
    assert status["lake_lag"] == 0


def test_a_day_without_events_is_held_and_the_etl_says_so(ingested):
    assert ingested["game"]["empty_days"] >= 1
    held = date.fromisoformat(CLOCK_DAYS[0]) - timedelta(days=1)
    assert ingested["game"]["last_empty_day"] == str(held)
    result = run_tool("bdp", "etl", "run", "--date", str(held), "--source", "game")
    assert result.returncode != 0
    assert "a day without events is held" in result.stdout + result.stderr


def test_the_etl_of_the_affected_day_equals_the_recomputation(stream_config, ingested):
    started = time.monotonic()
    result = run_tool("bdp", "etl", "run", "--date", CLOCK_DAYS[0], "--source", "game")
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    settings = etl_settings()
    assert_exact(settings | {"sources": ["game"]}, stream_config, [CLOCK_DAYS[0]])
    stage("the ETL of a day beside a wrong clock equals the recomputation", started)
