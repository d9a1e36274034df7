"""Every certificate of the platform CA renewed while events stream into the lake: the
renewal playbook with a renewal window longer than the certificates' validity signs each one
again; Kafka, Cassandra and OpenSearch restart one node at a time between their health
gates; afterwards every TLS endpoint serves a new certificate of the same CA, and the
stream's events are in the lake exactly once.

The stream serves STREAM_DAY, the last day of the streams before it (tests/lab/test_8f_*),
which is still open, so none of its events is late.
"""

import json
import re
import time

import pytest

from bdp_testkit.helpers import restarted_one_at_a_time, run_playbook
from labkit import (
    HOSTS,
    KAFKA_GATES,
    KAFKA_HOSTS,
    KAFKA_RESTART,
    OPENSEARCH_HOSTS,
    assert_stream_in_lake_once,
    on_host,
    shell_stdout,
    stage,
    start_stream,
    stream_api_config,
    stream_polled,
    wait_for_whole_cluster,
    wait_until,
)

pytestmark = [pytest.mark.lab, pytest.mark.slow]  # about 25 minutes: make test-all

STREAM_DAY = "2026-11-23"
PORT, SEED = 8786, 9106
STREAM_EVENTS, STREAM_RATE = 8000, 8.0
# Longer than the 365 days the certificates are valid: every one is due.
RENEW_ALL = {"platform_ca_renew_days": 400}
CASSANDRA_HOSTS = ["spark-worker-01", "spark-worker-02", "spark-worker-03"]
# Where each TLS service listens, and the openssl s_client option its protocol needs.
ENDPOINTS = (
    [(host, 9092, "") for host in KAFKA_HOSTS]
    + [(host, 2514, "") for host in KAFKA_HOSTS]  # the log aggregators' RELP listener
    + [(host, 9042, "") for host in CASSANDRA_HOSTS]
    + [(host, 9200, "") for host in OPENSEARCH_HOSTS]
    + [
        ("spark-master-01", 3306, "-starttls mysql"),
        ("airflow-db-01", 5432, "-starttls postgres"),
        ("airflow-redis-01", 6379, ""),
    ]
)
ROLLING = {
    "kafka": (KAFKA_RESTART, KAFKA_GATES, KAFKA_HOSTS),
    "cassandra": (
        re.compile(r"cassandra : Restart Cassandra on (?P<host>\S+)$"),
        ("cassandra : Wait for every node of the group to be up and normal",),
        CASSANDRA_HOSTS,
    ),
    "opensearch": (
        re.compile(r"opensearch : Restart OpenSearch on (?P<host>\S+)$"),
        ("opensearch : Wait for every node to join in its roles",
         "opensearch : Wait for the cluster to be green"),
        OPENSEARCH_HOSTS,
    ),
}  # fmt: skip
RECOVERY_TIMEOUT_S = 600
DRAIN_TIMEOUT_S = 900


def served_certificates() -> dict[tuple[str, int], tuple[str, str]]:
    """(serial, issuer) of the certificate each TLS endpoint serves, asked on its own host."""
    served = {}
    for host, port, option in ENDPOINTS:
        output = shell_stdout(
            on_host(
                host,
                f"openssl s_client -connect {HOSTS[host].address}:{port} {option} "
                "</dev/null 2>/dev/null | openssl x509 -noout -serial -issuer",
            )
        )
        fields = dict(line.split("=", 1) for line in output.splitlines() if "=" in line)
        assert {"serial", "issuer"} <= fields.keys(), f"{host}:{port} served no certificate"
        served[(host, port)] = (fields["serial"], fields["issuer"].strip())
    return served


def stream_config() -> dict:
    return stream_api_config(PORT, SEED, STREAM_EVENTS, STREAM_RATE, STREAM_DAY)


@pytest.fixture(scope="module")
def before():
    return served_certificates()


@pytest.fixture(scope="module")
def stream(before):
    process = start_stream(PORT, stream_config(), "game.events", "game.dlq")
    wait_until(lambda: stream_polled(PORT) > 0, 300, "the stream flowing")
    yield process
    process.kill()


@pytest.fixture(scope="module")
def renewal(stream):
    started = time.monotonic()
    result = run_playbook(
        "-i", "inventories/lab", "ansible/renew_certificates.yml", "-e", json.dumps(RENEW_ALL)
    )
    assert result.returncode == 0, result.stdout[-4000:]
    stage("every certificate renewed during ingest", started)
    return result.stdout


@pytest.mark.parametrize("service", sorted(ROLLING))
def test_each_node_restarts_alone_between_health_gates(renewal, service):
    restart, gates, hosts = ROLLING[service]
    assert restarted_one_at_a_time(renewal, restart, gates) == hosts


def test_every_endpoint_serves_a_new_certificate_of_the_same_ca(renewal, before):
    after = served_certificates()
    ca_subject = (
        shell_stdout(
            on_host(
                "airflow-redis-01", "openssl x509 -noout -subject -in /etc/bdp/tls/platform-ca.crt"
            )
        )
        .split("=", 1)[1]
        .strip()
    )
    for endpoint, (serial, issuer) in after.items():
        assert serial != before[endpoint][0], f"{endpoint} still serves serial {serial}"
        assert issuer == before[endpoint][1] == ca_subject, endpoint


def test_the_stream_is_in_the_lake_exactly_once(renewal, stream):
    started = time.monotonic()
    wait_for_whole_cluster(RECOVERY_TIMEOUT_S)
    assert_stream_in_lake_once(stream, PORT, stream_config(), DRAIN_TIMEOUT_S)
    stage("stream across the renewal in the lake exactly once", started)
