"""A configuration change rolled out while events stream into the lake, as an operator would
make it: one HDFS setting (`hadoop_hdfs_site_extra`, in hdfs-site.xml on every Hadoop host)
through `ansible/hadoop.yml`, then one broker setting (`kafka_extra_properties`) through
`ansible/kafka.yml`. Every changed host restarts alone, and the next one only after the
health gates passed; the stream's events are then in the lake exactly once. The module puts
the inventory's settings back at the end (another rolling restart of each).

The stream serves STREAM_DAY, the last day of the streams before it (tests/lab/test_8f_*),
which is still open, so none of its events is late.
"""

import json
import re
import time
from dataclasses import dataclass

import pytest

from bdp_testkit.helpers import restarted_one_at_a_time, run_playbook
from labkit import (
    HADOOP_GATES,
    HADOOP_RESTART,
    KAFKA_GATES,
    KAFKA_RESTART,
    assert_stream_in_lake_once,
    stage,
    start_stream,
    stream_api_config,
    stream_polled,
    wait_for_whole_cluster,
    wait_until,
)

pytestmark = [pytest.mark.lab, pytest.mark.slow]  # about 20 minutes: make test-all

STREAM_DAY = "2026-11-23"
PORT, SEED = 8785, 9105
# Seventeen minutes of events at 8/s: longer than both rollouts together (on a busy 2-core
# machine they took 6 and 7 minutes after the stream began, which twelve minutes did not cover).
STREAM_EVENTS, STREAM_RATE = 8000, 8.0


@dataclass(frozen=True)
class Rollout:
    """One component's setting change: its playbook, the pass-through variable and the setting
    put in it, the task that restarts a host and the gates after it, and the hosts expected
    to restart, in order."""

    playbook: str
    variable: str
    setting: dict[str, str]
    restart: re.Pattern
    gates: tuple[str, ...]
    hosts: list[str]


ROLLOUTS = {
    "hadoop": Rollout(
        "ansible/hadoop.yml",
        "hadoop_hdfs_site_extra",
        {"dfs.datanode.balance.bandwidthPerSec": "52428800"},
        HADOOP_RESTART,
        HADOOP_GATES,
        ["spark-master-01", "spark-worker-01", "spark-worker-02", "spark-worker-03"],
    ),
    "kafka": Rollout(
        "ansible/kafka.yml",
        "kafka_extra_properties",
        {"log.cleaner.backoff.ms": "16000"},
        KAFKA_RESTART,
        KAFKA_GATES,
        ["de-kafka-cluster-1", "de-kafka-cluster-2", "de-kafka-cluster-3"],
    ),
}
RECOVERY_TIMEOUT_S = 600
DRAIN_TIMEOUT_S = 900


def rollout(component: str, changed: bool) -> list[str]:
    """Run the component's playbook, with its setting in the pass-through variable when
    `changed` (without it, the inventory's settings come back); return the restarted hosts in
    order, after checking that the gates passed between them."""
    change = ROLLOUTS[component]
    variables = ["-e", json.dumps({change.variable: change.setting})] if changed else []
    result = run_playbook("-i", "inventories/lab", change.playbook, *variables)
    assert result.returncode == 0, result.stdout[-4000:]
    order = restarted_one_at_a_time(result.stdout, change.restart, change.gates)
    print(f"[lab] {component}: restarted one at a time: {', '.join(order)}", flush=True)
    return order


def stream_config() -> dict:
    return stream_api_config(PORT, SEED, STREAM_EVENTS, STREAM_RATE, STREAM_DAY)


@pytest.fixture(scope="module")
def stream():
    process = start_stream(PORT, stream_config(), "game.events", "game.dlq")
    wait_until(lambda: stream_polled(PORT) > 0, 300, "the stream flowing")
    yield process
    process.kill()
    for component in ROLLOUTS:
        rollout(component, changed=False)


def test_an_hdfs_setting_restarts_the_hadoop_hosts_one_at_a_time(stream):
    started = time.monotonic()
    assert rollout("hadoop", changed=True) == ROLLOUTS["hadoop"].hosts
    stage("HDFS setting rolled out on 4 hosts during ingest", started)


def test_a_kafka_setting_restarts_the_brokers_one_at_a_time(stream):
    started = time.monotonic()
    assert rollout("kafka", changed=True) == ROLLOUTS["kafka"].hosts
    assert stream_polled(PORT) < STREAM_EVENTS, "the stream ended before the rollouts did"
    stage("Kafka setting rolled out on 3 brokers during ingest", started)


def test_the_stream_is_in_the_lake_exactly_once(stream):
    started = time.monotonic()
    wait_for_whole_cluster(RECOVERY_TIMEOUT_S)
    assert_stream_in_lake_once(stream, PORT, stream_config(), DRAIN_TIMEOUT_S)
    stage("rolled-out stream in the lake exactly once", started)
