"""Log search failure drills: while a forwarder writes N numbered log records, a data node
holding a primary of their index is cut off for 60 s, or an aggregator is killed, or every
OpenSearch node restarts in turn; afterwards all N records are in OpenSearch exactly once and
the cluster is green."""

import time
import uuid
from datetime import UTC, datetime

import pytest

from labkit import (
    HOSTS,
    KAFKA_HOSTS,
    OPENSEARCH_HOSTS,
    bdp_lab,
    copy_job,
    on_host,
    opensearch,
    rolling_restart_under_load,
    service_active,
    wait_until,
)

pytestmark = pytest.mark.lab

WRITER = "airflow-redis-01"  # a forwarder: its records travel through an aggregator
DRILL_DIR = "/var/log/bdp/lab-drill"  # tailed as JSON-lines records by every host
MANAGER = "de-os-manager"
RECORDS = 600
RECORDS_PER_SECOND = 10
GENERATOR = "/var/tmp/numbered_log_records.py"


class Drill:
    """One run of the numbered-record generator, in an index of its own."""

    def __init__(self) -> None:
        self.service = f"lab-drill-{uuid.uuid4().hex[:12]}"
        self.index = f"logs-{self.service}-{datetime.now(UTC):%Y.%m.%d}"

    def start(self, records: int = RECORDS) -> None:
        """Write `records` numbered records on WRITER, RECORDS_PER_SECOND a second, in the
        background; the first goes out at once so that the index exists."""
        copy_job(WRITER, "numbered_log_records.py", GENERATOR)
        on_host(
            WRITER,
            f"mkdir -p {DRILL_DIR} && nohup python3 {GENERATOR} {DRILL_DIR}/{self.service}.jsonl "
            f"{self.service} {records} {RECORDS_PER_SECOND} >/dev/null 2>&1 &",
        )

    def primary_node(self) -> str:
        """The node holding the primary shard of the drill's index, once it exists."""

        def primary() -> str | None:
            shards = opensearch("GET", f"/_cat/shards/{self.index}?format=json", host=MANAGER)
            rows = shards.json() if shards.status_code == 200 else []
            started = [row["node"] for row in rows if row["prirep"] == "p" and row["node"]]
            return started[0] if started else None

        return wait_until(primary, 120, f"the primary of {self.index}", every=2)

    def numbers(self) -> list[int]:
        """The record numbers stored in the index, one per document."""
        opensearch("POST", f"/{self.index}/_refresh", host=MANAGER)
        found = opensearch(
            "GET",
            f"/{self.index}/_search",
            host=MANAGER,
            json={"size": RECORDS * 2, "_source": ["message"], "query": {"match_all": {}}},
        ).json()
        return sorted(int(hit["_source"]["message"].split()[-1]) for hit in found["hits"]["hits"])

    def wait_for_all(self, records: int = RECORDS) -> list[int]:
        started = time.monotonic()
        wait_until(lambda: len(self.numbers()) >= records, 600, f"{records} records", every=5)
        print(
            f"\n[lab] {self.service}: all {records} records stored after "
            f"{time.monotonic() - started:.0f}s more"
        )
        time.sleep(10)  # copies still on their way would show up now
        return self.numbers()


def cluster_green() -> bool:
    try:
        health = opensearch("GET", "/_cluster/health", host=MANAGER).json()
    except OSError:
        return False
    return health["status"] == "green" and health["number_of_nodes"] == len(OPENSEARCH_HOSTS)


@pytest.mark.slow  # make test-all
def test_a_data_node_cut_off_for_a_minute_loses_no_record():
    drill = Drill()
    drill.start()
    primary = drill.primary_node()
    assert primary.startswith("de-os-data"), primary
    isolated = bdp_lab("isolate", primary)
    assert isolated.returncode == 0, isolated.stdout + isolated.stderr
    try:
        time.sleep(60)
    finally:
        restored = bdp_lab("restore", primary)
        assert restored.returncode == 0, restored.stdout + restored.stderr
    print(f"\n[lab] {primary} cut off for 60 s while {drill.service} was written")
    assert drill.wait_for_all() == list(range(1, RECORDS + 1))
    wait_until(cluster_green, 300, "a green cluster after the isolation")


def relay_target(forwarder: str) -> str:
    """The aggregator a forwarder relays to, from its rsyslog configuration."""
    config = on_host(forwarder, 'grep -o \'target="[^"]*"\' /etc/rsyslog.d/60-bdp-shipper.conf')
    address = config.split('target="')[1].split('"')[0]
    return next(name for name, host in HOSTS.items() if host.address == address)


@pytest.mark.slow  # make test-all
def test_a_killed_aggregator_loses_no_record():
    aggregator = relay_target(WRITER)
    assert aggregator in KAFKA_HOSTS, aggregator
    drill = Drill()
    drill.start()
    time.sleep(10)
    # Stopped after the kill so that it stays down: syslog.socket would start it again at
    # the next syslog message.
    on_host(
        aggregator,
        "systemctl kill --kill-whom=main --signal=KILL rsyslog; sleep 2; "
        "systemctl stop syslog.socket rsyslog",
    )
    try:
        assert not service_active(aggregator, "rsyslog")
        time.sleep(30)
    finally:
        on_host(aggregator, "systemctl start rsyslog")
    print(f"\n[lab] {aggregator}: rsyslog killed, down 30 s while {drill.service} was written")
    assert drill.wait_for_all() == list(range(1, RECORDS + 1))
    spool = on_host(aggregator, "ls /var/lib/bdp/log-shipper")
    assert "relayed-unreadable.log" not in spool, spool


@pytest.mark.slow  # four node restarts and the backlog they leave (about 8 min): make test-all
def test_a_rolling_restart_of_all_nodes_loses_no_record():
    drill = Drill()
    records = 1500  # longer than the restart of four nodes

    def write(stop) -> None:
        drill.start(records)
        stop.wait()

    rolling_restart_under_load(
        "ansible/rolling_restart_opensearch.yml",
        OPENSEARCH_HOSTS,
        "rolling restart of 4 OpenSearch nodes while records are written",
        write,
    )
    assert drill.wait_for_all(records) == list(range(1, records + 1))
    assert cluster_green()
