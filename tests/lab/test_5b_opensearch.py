"""OpenSearch in the lab: 4 nodes in their roles, the lab's open-file agent and its guards,
what each user may do, the log index template and retention, and log search."""

import json
import shutil
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from bdp_testkit.helpers import REPO, run_tool
from labkit import (
    KAFKA_HOSTS,
    OPENSEARCH_COORDINATOR,
    OPENSEARCH_HOSTS,
    on_host,
    opensearch,
    service_active,
    wait_until,
    write_on_host,
)

pytestmark = pytest.mark.lab

MANAGER = "de-os-manager"
WANTED_ROLES = {
    "de-os-manager": ["cluster_manager"],
    "de-os-coordinator": [],
    "de-os-data1": ["cluster_manager", "data", "ingest"],
    "de-os-data2": ["cluster_manager", "data", "ingest"],
}
CONTAINER_NOFILE = 20000  # the hard limit of every process on this machine
AGENT_LINE = "lab agent: FileDescriptorCheck threshold 65535 -> 16384"
AGENT_JAR = "/opt/bdp/opensearch-lab-agent/lab-fd-threshold.jar"
OPENSEARCH_LOGS = "/var/log/bdp/opensearch"


def today_index(service: str) -> str:
    return f"logs-{service}-{datetime.now(UTC):%Y.%m.%d}"


def test_cluster_is_green_with_four_nodes_in_their_roles():
    # A log index is created when a service first logs on a new day; its replica takes a
    # moment to start, and the cluster is yellow until it has.
    health = opensearch("GET", "/_cluster/health?wait_for_status=green&timeout=90s").json()
    if health["status"] != "green":
        unassigned = opensearch("GET", "/_cluster/allocation/explain").text
        pytest.fail(f"not green after 90 s: {health}\n{unassigned[:3000]}")
    assert health["number_of_nodes"] == 4, health
    nodes = opensearch("GET", "/_nodes?filter_path=nodes.*.name,nodes.*.roles").json()["nodes"]
    assert {node["name"]: sorted(node["roles"]) for node in nodes.values()} == WANTED_ROLES


def test_nodes_report_the_true_limit_and_use_a_fraction_of_it():
    stats = opensearch("GET", "/_nodes/stats/process").json()["nodes"]
    assert len(stats) == 4
    for node in stats.values():
        process = node["process"]
        assert process["max_file_descriptors"] == CONTAINER_NOFILE, node["name"]
        assert process["open_file_descriptors"] <= CONTAINER_NOFILE // 4, (node["name"], process)


def test_the_agent_lowered_only_the_open_file_check_on_every_node():
    jvms = opensearch("GET", "/_nodes/jvm?filter_path=nodes.*.name,nodes.*.jvm.input_arguments")
    for node in jvms.json()["nodes"].values():
        agents = [arg for arg in node["jvm"]["input_arguments"] if arg.startswith("-javaagent:")]
        assert agents == [f"-javaagent:{AGENT_JAR}=16384"], (node["name"], agents)
    for host in OPENSEARCH_HOSTS:
        # The agent reports on stderr, which OpenSearch writes to its log.
        lines = on_host(host, f"zgrep -h 'lab agent' {OPENSEARCH_LOGS}/bdp-logs*")
        assert AGENT_LINE in lines, f"{host}: {lines[-500:]}"
        assert "left unchanged" not in lines, f"{host}: {lines[-500:]}"


@pytest.mark.slow  # a node stopped by its bootstrap checks, then rejoining (about 3 min)
def test_a_unit_without_the_open_file_limit_still_fails_the_check():
    """The coordinating node, started with the unit's default limit instead of 20000."""
    drop_in = "/etc/systemd/system/opensearch.service.d"
    on_host(
        OPENSEARCH_COORDINATOR,
        f"mkdir -p {drop_in} && printf '[Service]\\nLimitNOFILE=4096\\nRestart=no\\n' "
        f"> {drop_in}/lab-probe.conf && systemctl daemon-reload && systemctl restart opensearch",
        check=False,
    )
    try:
        wait_until(
            lambda: not service_active(OPENSEARCH_COORDINATOR, "opensearch"),
            120,
            "the coordinating node to stop on its bootstrap checks",
        )
        log = on_host(
            OPENSEARCH_COORDINATOR,
            f"tail -n 40 {OPENSEARCH_LOGS}/bdp-logs.log",
        )
        assert "max file descriptors [4096] for opensearch process is too low" in log, log
        assert "increase to at least [16384]" in log, log
    finally:
        on_host(
            OPENSEARCH_COORDINATOR,
            f"rm -f {drop_in}/lab-probe.conf && systemctl daemon-reload && "
            "systemctl reset-failed opensearch; systemctl start opensearch",
        )
        wait_until(
            lambda: (
                opensearch("GET", "/_cluster/health", host=MANAGER).json()["number_of_nodes"] == 4
            ),
            180,
            "the coordinating node to rejoin",
        )


@pytest.mark.slow  # an opensearch.yml run made to fail (about 1 min): make test-all
def test_the_agent_is_refused_in_any_other_inventory(tmp_path):
    staging = tmp_path / "staging"
    shutil.copytree(REPO / "inventories" / "lab", staging)
    refused = run_tool("ansible-playbook", "-i", str(staging), "ansible/opensearch.yml")
    assert refused.returncode != 0
    assert "opensearch_lab_fd_agent is true in inventory" in refused.stdout, refused.stdout[-3000:]
    assert "Remove opensearch_lab_fd_agent" in " ".join(refused.stdout.split())


def test_users_may_do_only_what_their_role_allows():
    index = today_index("lab-probe")
    record = {
        "time": datetime.now(UTC).isoformat(),
        "host": "lab",
        "service": "lab-probe",
        "level": "INFO",
        "message": f"permission probe {uuid.uuid4().hex}",
        "context": {"step": "1"},
    }
    written = opensearch("POST", f"/{index}/_doc?refresh=true", "log_writer", json=record)
    assert written.status_code == 201, written.text
    doc = written.json()["_id"]
    for method, path in (
        ("GET", f"/{index}/_doc/{doc}"),
        ("GET", f"/{index}/_search"),
        ("DELETE", f"/{index}/_doc/{doc}"),
        ("DELETE", f"/{index}"),
    ):
        refused = opensearch(method, path, "log_writer")
        assert refused.status_code == 403, (method, path, refused.text)
    elsewhere = opensearch("POST", "/not-logs/_doc", "log_writer", json=record)
    assert elsewhere.status_code == 403, elsewhere.text
    found = opensearch("GET", f"/{index}/_doc/{doc}", "log_reader")
    assert found.status_code == 200 and found.json()["_source"] == record
    for method, path in (("POST", f"/{index}/_doc"), ("DELETE", f"/{index}/_doc/{doc}")):
        refused = opensearch(method, path, "log_reader", json=record)
        assert refused.status_code == 403, (method, path, refused.text)


def test_log_indices_follow_the_template():
    index = today_index("lab-template")
    record = {
        "time": "2026-12-06T01:00:00Z",
        "host": "h",
        "service": "lab-template",
        "level": "WARN",
        "message": "m",
        "context": {"a": {"b": "c"}},
        "extra": 1,
    }
    assert opensearch("POST", f"/{index}/_doc", "log_writer", json=record).status_code == 201
    settings = opensearch("GET", f"/{index}/_settings").json()[index]["settings"]["index"]
    assert settings["number_of_replicas"] == "1", settings
    mapping = opensearch("GET", f"/{index}/_mapping").json()[index]["mappings"]
    assert mapping["dynamic"] == "false"
    assert {name: field["type"] for name, field in mapping["properties"].items()} == {
        "time": "date",
        "host": "keyword",
        "service": "keyword",
        "level": "keyword",
        "message": "text",
        "context": "flat_object",
    }


def test_retention_deletes_only_expired_daily_indices():
    old = "logs-lab-retention-2020.01.01"
    recent = f"logs-lab-retention-{datetime.now(UTC) - timedelta(days=1):%Y.%m.%d}"
    for index in (old, recent):
        created = opensearch("PUT", f"/{index}")
        assert created.status_code == 200, created.text
    on_host(MANAGER, "systemctl start bdp-opensearch-log-retention.service")
    run = on_host(MANAGER, "journalctl -u bdp-opensearch-log-retention -o cat -n 3 --no-pager")
    assert old in run, run
    assert opensearch("HEAD", f"/{old}").status_code == 404
    assert opensearch("HEAD", f"/{recent}").status_code == 200
    opensearch("DELETE", f"/{recent}")


def search(*args: str) -> list[dict]:
    result = run_tool("bdp", "logs", "search", "-i", "inventories/lab", "--json", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def jvm_line(marker: str) -> str:
    return f"[{datetime.now(UTC):%Y-%m-%d %H:%M:%S},000] WARN search probe {marker} (lab.test)"


# Where each kind of host gets a WARN line into one of its services' logs: a service writing
# its own log (PostgreSQL), or a line appended as that service's user.
LOGGED_LINES = {
    KAFKA_HOSTS[0]: ("kafka", lambda m: append_as("kafka", "/var/log/bdp/kafka/server.log", m)),
    "spark-master-01": (
        "hdfs-namenode",
        lambda m: append_as("hdfs", "/var/log/bdp/hadoop/hdfs-namenode.log", m),
    ),
    "spark-worker-01": (
        "hdfs-datanode",
        lambda m: append_as("hdfs", "/var/log/bdp/hadoop/hdfs-datanode.log", m),
    ),
    "airflow-db-01": (
        "postgresql",
        lambda m: (
            "cd /tmp && runuser -u postgres -- psql -q -c "
            f"\"DO \\$\\$ BEGIN RAISE WARNING 'search probe {m}'; END \\$\\$\""
        ),
    ),
}


def append_as(user: str, path: str, marker: str) -> str:
    return f"runuser -u {user} -- sh -c 'echo \"{jvm_line(marker)}\" >> {path}'"


# One host in make test (each waits for a flush, about 45 s); every kind in make test-all.
@pytest.mark.parametrize(
    "host",
    [
        pytest.param(host, marks=[] if index == 0 else [pytest.mark.slow])
        for index, host in enumerate(LOGGED_LINES)
    ],
)
def test_a_service_log_line_is_found_by_bdp_logs_search_within_a_minute(host):
    service, command = LOGGED_LINES[host]
    marker = uuid.uuid4().hex
    on_host(host, command(marker))
    started = time.monotonic()
    found = wait_until(
        lambda: search("--service", service, "--since", "10m", marker),
        60,
        f"{marker} in OpenSearch",
        every=3,
    )
    print(f"\n[lab] {host}: found by bdp logs search after {time.monotonic() - started:.0f}s")
    assert [(record["host"], record["level"]) for record in found] == [(host, "WARN")]
    stats = search("--stats", "--since", "10m", marker)
    assert stats == [{"total": 1, "services": {service: 1}}]


def test_a_record_longer_than_8_kib_is_kept_whole():
    marker = uuid.uuid4().hex
    message = f"long record {marker} " + "x" * 20000
    record = json.dumps(
        {"time": datetime.now(UTC).isoformat(), "host": "airflow-redis-01", "service": "lab-long",
         "level": "INFO", "message": message, "context": {}}
    )  # fmt: skip
    path = "/var/log/bdp/lab-long/records.jsonl"
    on_host("airflow-redis-01", "mkdir -p /var/log/bdp/lab-long")
    write_on_host("airflow-redis-01", path, record + "\n")
    found = wait_until(
        lambda: search("--service", "lab-long", "--since", "10m", marker), 60, "the long record"
    )
    assert [record["message"] for record in found] == [message]
