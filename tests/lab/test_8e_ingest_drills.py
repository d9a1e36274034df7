"""Failure drills on ingestion: a Kafka broker killed, a DataNode killed, the lake
writer killed mid-batch, each while game events flow API -> collector -> Kafka -> lake.

Each drill runs its own fault-free stream (tests/lab/streamkit.py: its own seed, so its own
event ids) of DRILL_DAY, after the simulated days, at STREAM_RATE events/s; a third of the way
in, one process is killed hard (SIGKILL) and systemd restarts it. The last test holds the lake
to every drill's events: each exactly once, in its day. Afterwards the lake writer has seen
DRILL_DAY, so it completes the simulated days that were still open (the ETL tests before this
module expect 2026-11-03 to be incomplete: run them before it, as the numbering does).
"""

import json
import time

import pytest
import streamkit
from streamkit import HOST, WORK

from bdp_collectors.simulator.stream import build_stream, expected
from helpers import run_tool
from labkit import (
    MASTER,
    crash,
    datanodes_live,
    event_api_config,
    lake_inventory,
    on_host,
    shell_stdout,
    stage,
    start_stream,
    wait_until,
)

pytestmark = [pytest.mark.lab, pytest.mark.slow]  # about 6 minutes: make test-all

DRILL_DAY = "2026-11-20"
STREAM_EVENTS, STREAM_RATE = 900, 15.0  # a minute of events per drill
DRILLS = {"kafka-broker": (8781, 9101), "datanode": (8782, 9102), "lake-writer": (8783, 9103)}
RECOVERY_TIMEOUT_S = 600
DRAIN_TIMEOUT_S = 900


def stream_config(drill: str) -> dict:
    port, seed = DRILLS[drill]
    zone = event_api_config()["timezone"]
    return streamkit.api_config(port, seed, STREAM_EVENTS, STREAM_RATE, DRILL_DAY, zone)


def polled(port: int) -> int:
    """The drill collector's cursor: how many items it has polled and Kafka acknowledged."""
    text = shell_stdout(on_host(HOST, f"cat {WORK}/cursor-{port}.json 2>/dev/null || echo '{{}}'"))
    return int(json.loads(text.strip().splitlines()[-1]).get("cursor", 0))


def stream_with_a_kill(drill: str, host: str, unit: str) -> None:
    port, _ = DRILLS[drill]
    stream = start_stream(port, stream_config(drill), "game.events", "game.dlq")
    try:
        wait_until(lambda: polled(port) >= STREAM_EVENTS // 3, 600, f"{drill}: a third polled")
        restarted = crash(host, unit)
        print(f"[lab] {drill}: killed {unit} on {host} at cursor {polled(port)}", flush=True)
        output, _ = stream.communicate(timeout=1200)
    finally:
        stream.kill()
    assert "rc 0" in output, (
        f"{drill}: the collector failed; see {HOST}:{WORK}/collector-{port}.out"
    )
    wait_until(restarted, RECOVERY_TIMEOUT_S, f"{unit} on {host} restarted")


def test_a_kafka_broker_killed_during_ingest():
    started = time.monotonic()
    stream_with_a_kill("kafka-broker", "de-kafka-cluster-2", "kafka")
    describe = (
        "kafka-topics --bootstrap-server $(sed -n 's/^bootstrap.servers=//p' "
        f"{streamkit.ADMIN_PROPERTIES}) --command-config {streamkit.ADMIN_PROPERTIES}"
        " --describe --under-replicated-partitions"
    )
    wait_until(
        lambda: shell_stdout(on_host(HOST, describe)).strip() == "",
        RECOVERY_TIMEOUT_S,
        "no under-replicated partitions",
    )
    stage("drill: Kafka broker killed during ingest", started)


def test_a_datanode_killed_during_ingest():
    started = time.monotonic()
    stream_with_a_kill("datanode", "spark-worker-03", "hdfs-datanode")
    wait_until(lambda: datanodes_live() == 3, RECOVERY_TIMEOUT_S, "three live DataNodes")
    stage("drill: DataNode killed during ingest", started)


def test_the_lake_writer_killed_mid_batch():
    started = time.monotonic()
    stream_with_a_kill("lake-writer", MASTER, "bdp-lake-writer")
    stage("drill: lake writer killed mid-batch", started)


def test_every_drilled_event_is_in_the_lake_exactly_once():
    started = time.monotonic()

    def drained() -> bool:
        status = run_tool("bdp", "ingest", "status", "--json", "--sources", "game")
        return status.returncode == 0 and json.loads(status.stdout)["lake_lag"] == 0

    wait_until(drained, DRAIN_TIMEOUT_S, "the lake writer committed every game event")
    stored: dict[str, list[tuple[str, str]]] = {}
    for area, _, dt, event_id, _ in lake_inventory(["game"]):
        stored.setdefault(event_id, []).append((area, dt))
    for drill in DRILLS:
        config = stream_config(drill)
        known = expected("game", config).valid
        assert len(known) == len(build_stream("game", config)), "a drill stream must be fault-free"
        missing = [i for i in known if i not in stored]
        twice = {i: stored[i] for i in known if len(stored.get(i, [])) > 1}
        wrong_day = {i: stored[i] for i in known if i in stored and stored[i][0][1] != known[i].dt}
        assert (missing, twice, wrong_day) == ([], {}, {}), (drill, missing[:5], twice, wrong_day)
        print(f"[lab] {drill}: all {len(known)} events in the lake once", flush=True)
    health = run_tool("bdp", "deploy", "-i", "inventories/lab", "--playbook", "ansible/health.yml")
    assert health.returncode == 0, health.stdout[-3000:]
    stage("drills: every event in the lake exactly once, platform healthy", started)
