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
import time

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
# Twelve minutes of events at 8/s: longer than both rollouts together.
STREAM_EVENTS, STREAM_RATE = 6000, 8.0
CHANGES = {
    "hadoop": ("ansible/hadoop.yml", {"dfs.datanode.balance.bandwidthPerSec": "52428800"}),
    "kafka": ("ansible/kafka.yml", {"log.cleaner.backoff.ms": "16000"}),
}
EXTRA_VARIABLE = {"hadoop": "hadoop_hdfs_site_extra", "kafka": "kafka_extra_properties"}
HADOOP_HOSTS = ["spark-master-01", "spark-worker-01", "spark-worker-02", "spark-worker-03"]
KAFKA_HOSTS = ["de-kafka-cluster-1", "de-kafka-cluster-2", "de-kafka-cluster-3"]
RESTART_AND_GATES = {
    "hadoop": (HADOOP_RESTART, HADOOP_GATES),
    "kafka": (KAFKA_RESTART, KAFKA_GATES),
}
RECOVERY_TIMEOUT_S = 600
DRAIN_TIMEOUT_S = 900


def rollout(component: str, extra: dict | None) -> list[str]:
    """Run the component's playbook, with `extra` as its pass-through settings when given;
    return the restarted hosts in order, after checking that the gates passed between them."""
    playbook, _ = CHANGES[component]
    variables = ["-e", json.dumps({EXTRA_VARIABLE[component]: extra})] if extra else []
    result = run_playbook("-i", "inventories/lab", playbook, *variables)
    assert result.returncode == 0, result.stdout[-4000:]
    order = restarted_one_at_a_time(result.stdout, *RESTART_AND_GATES[component])
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
    for component in CHANGES:
        rollout(component, None)


def test_an_hdfs_setting_restarts_the_hadoop_hosts_one_at_a_time(stream):
    started = time.monotonic()
    assert rollout("hadoop", CHANGES["hadoop"][1]) == HADOOP_HOSTS
    stage("HDFS setting rolled out on 4 hosts during ingest", started)


def test_a_kafka_setting_restarts_the_brokers_one_at_a_time(stream):
    started = time.monotonic()
    assert rollout("kafka", CHANGES["kafka"][1]) == KAFKA_HOSTS
    assert stream_polled(PORT) < STREAM_EVENTS, "the stream ended before the rollouts did"
    stage("Kafka setting rolled out on 3 brokers during ingest", started)


def test_the_stream_is_in_the_lake_exactly_once(stream):
    started = time.monotonic()
    wait_for_whole_cluster(RECOVERY_TIMEOUT_S)
    assert_stream_in_lake_once(stream, PORT, stream_config(), DRAIN_TIMEOUT_S)
    stage("rolled-out stream in the lake exactly once", started)
