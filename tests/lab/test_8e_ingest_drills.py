"""Failure drills on ingestion: a Kafka broker, a DataNode and the lake writer killed in turn
while one stream of game events flows API -> collector -> Kafka -> lake.

The stream (tests/bdp_testkit/streamkit.py: its own seed, so its own event ids) serves DRILL_DAY,
after the simulated days, at STREAM_RATE events/s. Each drill waits for its share of the
stream to be polled, kills one process hard (SIGKILL) while events still flow, and waits for
systemd to restart it before the next drill. The last test waits for the Kafka partitions and
the DataNodes to be whole again and holds the lake to the stream's events: each exactly once,
in its day. Afterwards the lake writer has seen DRILL_DAY, so it completes the simulated days
that were still open (the ETL tests before this module expect 2026-11-03 to be incomplete:
run them before it, as the numbering does).
"""

import time

import pytest

from bdp_testkit.helpers import run_tool
from labkit import (
    MASTER,
    assert_stream_in_lake_once,
    crash,
    stage,
    start_stream,
    stream_api_config,
    stream_polled,
    wait_for_whole_cluster,
    wait_until,
)

# about 6 minutes: make test-all
pytestmark = [pytest.mark.lab, pytest.mark.slow]

DRILL_DAY = "2026-11-20"
PORT, SEED = 8781, 9101
# Two and a half minutes of events: the 35 s between kills is time enough for systemd to
# restart the killed service (RestartSec 10-15 s) before the next one is killed.
STREAM_EVENTS, STREAM_RATE = 2400, 16.0
RECOVERY_TIMEOUT_S = 600
DRAIN_TIMEOUT_S = 900


def stream_config() -> dict:
    return stream_api_config(PORT, SEED, STREAM_EVENTS, STREAM_RATE, DRILL_DAY)


@pytest.fixture(scope="module")
def stream():
    process = start_stream(PORT, stream_config(), "game.events", "game.dlq")
    yield process
    process.kill()


def kill_during_ingest(share: float, host: str, unit: str) -> None:
    """Once `share` of the stream is polled, SIGKILL `unit` on `host` while events still flow;
    systemd must restart it."""
    wait_until(
        lambda: stream_polled(PORT) >= STREAM_EVENTS * share, 900, f"{unit}: {share:.0%} polled"
    )
    restarted = crash(host, unit)
    cursor = stream_polled(PORT)
    print(f"[lab] drill: killed {unit} on {host} at cursor {cursor}", flush=True)
    assert cursor < STREAM_EVENTS, f"the stream ended before {unit} was killed: no drill"
    wait_until(restarted, RECOVERY_TIMEOUT_S, f"{unit} on {host} restarted")


def test_a_kafka_broker_killed_during_ingest(stream):
    started = time.monotonic()
    kill_during_ingest(0.2, "de-kafka-cluster-2", "kafka")
    stage("drill: Kafka broker killed during ingest", started)


def test_a_datanode_killed_during_ingest(stream):
    started = time.monotonic()
    kill_during_ingest(0.45, "spark-worker-03", "hdfs-datanode")
    stage("drill: DataNode killed during ingest", started)


def test_the_lake_writer_killed_mid_batch(stream):
    started = time.monotonic()
    kill_during_ingest(0.7, MASTER, "bdp-lake-writer")
    stage("drill: lake writer killed mid-batch", started)


def test_every_drilled_event_is_in_the_lake_exactly_once(stream):
    started = time.monotonic()
    wait_for_whole_cluster(RECOVERY_TIMEOUT_S)
    assert_stream_in_lake_once(stream, PORT, stream_config(), DRAIN_TIMEOUT_S)
    health = run_tool("bdp", "deploy", "-i", "inventories/lab", "--playbook", "ansible/health.yml")
    assert health.returncode == 0, health.stdout[-3000:]
    stage("drills: every event in the lake exactly once, platform healthy", started)
