"""HDFS, YARN and the Spark History Server in secure mode (bdp_hadoop_secure_mode): Kerberos on
every RPC, SASL-protected block transfers, HTTPS-only web UIs behind SPNEGO; the lake writer
logging in from its keytab and writing across ticket expiries; `bdp ingest status` from the
control machine with an operator's ticket; the daily ETL from its keytab; a capture on the
lab bridge that finds no event in clear text. The module turns secure mode on for the lab's
Hadoop, lake writer and ETL and, at its end, back off (not every client of the platform
authenticates yet), so it runs with the slow drills, and after the ETL's tests: its streams
complete later days of the game source than the ETL's tests expect to be complete."""

import base64
import json
import re
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import NamedTuple

import pytest
import requests
import yaml
from capturekit import segments_by_port

from bdp.sources import platform_sources
from bdp_runtime.spnego import Negotiator
from bdp_testkit.helpers import REPO, run_playbook, run_tool
from labkit import (
    HOSTS,
    LAB,
    PLATFORM_CA,
    LakeReader,
    assert_stream_in_lake_once,
    on_host,
    restarts,
    shell_stdout,
    start_stream,
    stream_api_config,
    tls_session,
)

pytestmark = [pytest.mark.lab, pytest.mark.slow]

REALM = "BDP.INTERNAL"
KDC = "airflow-redis-01"
EXPIRY_PORT, EXPIRY_SEED, EXPIRY_DAY, EXPIRY_RATE = 8788, 9108, "2026-11-26", 1.0
CAPTURE_PORT, CAPTURE_SEED, CAPTURE_DAY, CAPTURE_EVENTS = 8789, 9109, "2026-11-27", 600
ETL_DAY = "2026-11-01"  # a day the lab's own stream completed
MASTER, WORKER, FOREIGN = "spark-master-01", "spark-worker-01", "de-kafka-cluster-1"
CA = "/etc/bdp/tls/platform-ca.crt"
KEYTABS = "/etc/security/keytabs"
# The NameNode's principal: its user, hdfs, is the HDFS superuser and an admin of Spark's ACLs.
NAMENODE, NAMENODE_KEYTAB = f"nn/{MASTER}", f"{KEYTABS}/hdfs-namenode.keytab"
OUTSIDER = f"outsider/{MASTER}"
OUTSIDER_KEYTAB = f"{KEYTABS}/outsider.keytab"
# An analyst: a principal of the realm that is no platform service, so not in group hadoop.
ANALYST = f"analyst/{MASTER}"
ANALYST_KEYTAB = f"{KEYTABS}/analyst.keytab"
HISTORY_API = f"https://{MASTER}:18480/api/v1"
# Every web endpoint of Hadoop's secure cluster and the Spark History Server.
SECURE_ENDPOINTS = {
    "NameNode WebHDFS": f"https://{MASTER}:9871/webhdfs/v1/lake?op=LISTSTATUS",
    "NameNode UI": f"https://{MASTER}:9871/jmx",
    "DataNode UI": f"https://{WORKER}:9865/jmx",
    "ResourceManager REST": f"https://{MASTER}:8090/ws/v1/cluster/info",
    "NodeManager REST": f"https://{WORKER}:8044/ws/v1/node/info",
    "Spark History REST": f"{HISTORY_API}/applications",
}
CLEAR_ENDPOINTS = [
    f"http://{MASTER}:9870/jmx",
    f"http://{WORKER}:9864/jmx",
    f"http://{MASTER}:8088/ws/v1/cluster/info",
    f"http://{WORKER}:8042/ws/v1/node/info",
]


HADOOP_HOSTS = [MASTER, "spark-worker-01", "spark-worker-02", "spark-worker-03"]
HADOOP_UNITS = "spark-history yarn-nodemanager yarn-resourcemanager hdfs-datanode hdfs-namenode"
LAKE_WRITER = "bdp-lake-writer"  # on the master


def deploy_hadoop(secure: bool) -> None:
    """Switch the whole cluster at once, as the role's README says: a secure NameNode and
    simple DataNodes cannot talk, so a one-at-a-time restart would stop at its first gate.
    The lake writer stops first, so its files (event log included) are closed, not left open,
    and starts again, in the same mode, once its play has passed its health gates. The ETL's
    settings follow (its spark-submit logs in from its keytab)."""
    on_host(MASTER, f"systemctl stop {LAKE_WRITER}")
    for host in HADOOP_HOSTS:
        on_host(host, f"systemctl stop {HADOOP_UNITS} 2>/dev/null || true")
    for playbook in ("ansible/hadoop.yml", "ansible/lake_writer.yml", "ansible/etl.yml"):
        result = run_playbook(
            "-i", "inventories/lab", playbook,
            "-e", json.dumps({"bdp_hadoop_secure_mode": secure}),
        )  # fmt: skip
        assert result.returncode == 0, result.stdout[-6000:]


@pytest.fixture(scope="module")
def secure_hadoop():
    realm = run_playbook("-i", "inventories/lab", "ansible/kerberos.yml")
    assert realm.returncode == 0, realm.stdout[-4000:]
    for principal, keytab in ((OUTSIDER, OUTSIDER_KEYTAB), (ANALYST, ANALYST_KEYTAB)):
        made = run_playbook(
            "-i", "inventories/lab", "tests/lab/playbooks/keytab.yml", "-e",
            json.dumps({
                "keytab_test_host": MASTER,
                "kerberos_client_keytab_principal": principal,
                "kerberos_client_keytab_path": keytab,
                "kerberos_client_keytab_owner": "nobody",
            }),
        )  # fmt: skip
        assert made.returncode == 0, made.stdout[-4000:]
    try:
        deploy_hadoop(secure=True)
        yield
    finally:
        deploy_hadoop(secure=False)


def http_status(host: str, url: str, *, negotiate: bool = False, ccache: str = "") -> str:
    """The HTTP status curl gets on `host` ("000": no connection), with SPNEGO if asked."""
    return http_get(host, url, negotiate=negotiate, ccache=ccache)[0]


def http_get(host: str, url: str, *, negotiate: bool = False, ccache: str = "") -> tuple[str, str]:
    """(HTTP status, body) of a GET with curl on `host`, with SPNEGO if asked."""
    auth = "--negotiate -u : " if negotiate else ""
    env = f"KRB5CCNAME={ccache} " if ccache else ""
    command = (
        f"{env}curl -s -w '\\n%{{http_code}}' --max-time 20 --cacert {CA} {auth}{shlex.quote(url)}"
    )
    body, _, status = shell_stdout(on_host(host, command, check=False)).rpartition("\n")
    return status.strip(), body


def as_hdfs(command: str, *, check: bool = True) -> str:
    """A command on the master as hdfs, logged in as the NameNode's principal."""
    login = f"kinit -c FILE:/tmp/krb5cc_test_hdfs -kt {NAMENODE_KEYTAB} {NAMENODE}"
    script = f"{login} && export KRB5CCNAME=FILE:/tmp/krb5cc_test_hdfs && {command}"
    return on_host(MASTER, f"runuser -u hdfs -- sh -c {shlex.quote(script)}", check=check)


def test_anonymous_requests_to_every_web_endpoint_are_refused(secure_hadoop):
    statuses = {name: http_status(FOREIGN, url) for name, url in SECURE_ENDPOINTS.items()}
    assert statuses == dict.fromkeys(SECURE_ENDPOINTS, "401"), statuses


def test_the_clear_text_web_ports_are_closed(secure_hadoop):
    assert [http_status(FOREIGN, url) for url in CLEAR_ENDPOINTS] == ["000"] * len(CLEAR_ENDPOINTS)


def test_the_history_servers_clear_text_port_only_redirects_to_https(secure_hadoop):
    headers = shell_stdout(
        on_host(
            FOREIGN,
            f"curl -s -D - -o /dev/null --max-time 20 http://{MASTER}:18080/api/v1/applications",
        )
    )
    status, location = headers.split()[1], re.search(r"(?im)^location: *(\S+)", headers)
    assert status in {"301", "302", "303", "307", "308"}, headers
    assert location and location.group(1).startswith(f"https://{MASTER}:18480/"), headers


def test_a_principal_with_a_ticket_passes_spnego(secure_hadoop):
    ccache = "FILE:/tmp/krb5cc_test_spnego"
    on_host(MASTER, f"runuser -u hdfs -- kinit -c {ccache} -kt {NAMENODE_KEYTAB} {NAMENODE}")
    statuses = {
        name: http_status(MASTER, url, negotiate=True, ccache=ccache)
        for name, url in SECURE_ENDPOINTS.items()
    }
    assert statuses == dict.fromkeys(SECURE_ENDPOINTS, "200"), statuses


def test_hdfs_rpc_without_a_ticket_is_refused(secure_hadoop):
    output = on_host(
        MASTER, "runuser -u nobody -- env KRB5CCNAME=FILE:/nonexistent hdfs dfs -ls /", check=False
    )
    assert "rc=0" not in output.splitlines()[0], output
    assert "Client cannot authenticate via:[TOKEN, KERBEROS]" in output, output[-2000:]


def test_blocks_are_written_and_read_through_sasl(secure_hadoop):
    payload = "secure-mode-round-trip"
    as_hdfs("hdfs dfs -rm -f -skipTrash /tmp/secure-mode-probe")
    as_hdfs(f"echo {payload} | hdfs dfs -put - /tmp/secure-mode-probe")
    assert payload in as_hdfs("hdfs dfs -cat /tmp/secure-mode-probe")
    assert "privacy" in shell_stdout(as_hdfs("hdfs getconf -confKey dfs.data.transfer.protection"))


def test_a_principal_outside_the_service_acls_is_refused(secure_hadoop):
    script = (
        f"kinit -c FILE:/tmp/krb5cc_test_outsider -kt {OUTSIDER_KEYTAB} {OUTSIDER} && "
        "KRB5CCNAME=FILE:/tmp/krb5cc_test_outsider hdfs dfsadmin -refreshServiceAcl"
    )
    output = on_host(MASTER, f"runuser -u nobody -- sh -c {shlex.quote(script)}", check=False)
    assert "rc=0" not in output.splitlines()[0], output
    assert "is not authorized for protocol" in output, output[-2000:]


def as_analyst(command: str) -> str:
    """An HDFS command on the master as the analyst's principal; its output starts with rc=N."""
    script = (
        f"kinit -c FILE:/tmp/krb5cc_test_analyst -kt {ANALYST_KEYTAB} {ANALYST} && "
        f"export KRB5CCNAME=FILE:/tmp/krb5cc_test_analyst && {command}"
    )
    return on_host(MASTER, f"runuser -u nobody -- sh -c {shlex.quote(script)}", check=False)


def test_an_analyst_reads_curated_outputs_only_and_cannot_touch_raw_events(secure_hadoop):
    assert "rc=0" in as_analyst("hdfs dfs -ls /lake/curated").splitlines()[0]
    for attempt in (
        "hdfs dfs -ls /lake/raw",
        "hdfs dfs -ls /lake/_etl",
        "echo forged | hdfs dfs -put - /lake/raw/game/forged.parquet",
        "hdfs dfs -rm -r -skipTrash /lake/raw/game",
        "hdfs dfs -mv /lake/raw /lake/taken",
    ):
        output = as_analyst(attempt)
        assert "rc=0" not in output.splitlines()[0], (attempt, output)
        assert "Permission denied: user=analyst" in output, (attempt, output[-2000:])


class Tickets(NamedTuple):
    admin: str  # the NameNode's principal (hdfs, one of spark_admin_users)
    analyst: str


@pytest.fixture
def tickets(secure_hadoop) -> Tickets:
    """Fresh ticket caches on the master for an admin of Spark's ACLs and for the analyst."""
    made = Tickets("FILE:/tmp/krb5cc_test_acl_admin", "FILE:/tmp/krb5cc_test_acl_analyst")
    on_host(MASTER, f"kinit -c {made.admin} -kt {NAMENODE_KEYTAB} {NAMENODE}")
    on_host(MASTER, f"kinit -c {made.analyst} -kt {ANALYST_KEYTAB} {ANALYST}")
    return made


def test_the_history_server_shows_an_application_to_its_user_and_admins_only(tickets):
    """The lake writer (user spark) in the History Server: the NameNode's principal (hdfs, an
    admin) sees it, the analyst is refused."""
    admin, analyst = tickets

    def lake_writer_app() -> str | None:
        status, body = http_get(
            MASTER, f"{HISTORY_API}/applications?status=running", negotiate=True, ccache=admin
        )
        apps = (
            [app["id"] for app in json.loads(body) if app["name"] == LAKE_WRITER]
            if status == "200"
            else []
        )
        return apps[0] if apps else None

    deadline = time.monotonic() + 120
    while (app := lake_writer_app()) is None:
        assert time.monotonic() < deadline, "the History Server does not list the lake writer"
        time.sleep(5)
    environment = f"{HISTORY_API}/applications/{app}/environment"
    assert http_status(MASTER, environment, negotiate=True, ccache=admin) == "200"
    assert http_status(MASTER, environment, negotiate=True, ccache=analyst) == "403"


def test_the_lake_writers_ui_is_reached_through_the_resourcemanagers_proxy_only(tickets):
    """Its driver's UI sends other hosts to the ResourceManager's web proxy, which asks for a
    ticket; through it, an admin sees the application and the analyst is refused by Spark's
    ACLs."""
    headers = shell_stdout(
        on_host(FOREIGN, f"curl -s -D - -o /dev/null --max-time 20 http://{MASTER}:4040/jobs/")
    )
    proxied = re.search(r"(?im)^location: *(https://\S+/redirect/(application_\w+)/)", headers)
    assert proxied, headers
    assert proxied.group(1).startswith(f"https://{MASTER}:8090/"), headers
    jobs = f"https://{MASTER}:8090/proxy/{proxied.group(2)}/jobs/"
    assert http_status(FOREIGN, jobs) == "401"
    assert http_status(MASTER, jobs, negotiate=True, ccache=tickets.admin) == "200"
    assert http_status(MASTER, jobs, negotiate=True, ccache=tickets.analyst) == "403"


class RealmClient(NamedTuple):
    inventory: Path  # a copy of the lab inventory that declares secure mode
    outsider_keytab: Path  # a principal of the realm that is no platform service
    oracle_keytab: Path  # the NameNode's (hdfs), for the tests' own reads of raw events


def fetch_keytab(path: str, dest: Path) -> Path:
    dest.write_bytes(base64.b64decode(shell_stdout(on_host(MASTER, f"base64 -w0 {path}")).strip()))
    return dest


@pytest.fixture
def control_machine_in_the_realm(tmp_path, monkeypatch) -> RealmClient:
    """The control machine as a client of the lab's realm, as an operator's would be: a
    krb5.conf naming the KDC, keytabs to kinit with, an empty ticket cache, and a copy of the
    lab inventory that declares secure mode, as a secure site's would."""
    conf = tmp_path / "krb5.conf"
    conf.write_text(
        f"[libdefaults]\n  default_realm = {REALM}\n  dns_lookup_kdc = false\n  rdns = false\n"
        f"  dns_canonicalize_hostname = false\n  udp_preference_limit = 1\n"
        f"[realms]\n  {REALM} = {{\n    kdc = {HOSTS[KDC].address}\n  }}\n"
    )
    inventory = tmp_path / "lab"
    shutil.copytree(REPO / "inventories" / "lab", inventory)
    # For the Hadoop hosts, whose settings the command reads (an inventory's group_vars/all
    # cannot change what ansible/group_vars/all sets).
    with (inventory / "group_vars" / "hadoop.yml").open("a") as hadoop_vars:
        hadoop_vars.write("\nbdp_hadoop_secure_mode: true\n")
    monkeypatch.setenv("KRB5_CONFIG", str(conf))
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{tmp_path / 'ccache'}")
    monkeypatch.setenv("BDP_CA_FILE", str(PLATFORM_CA))
    return RealmClient(
        inventory,
        fetch_keytab(OUTSIDER_KEYTAB, tmp_path / "outsider.keytab"),
        fetch_keytab(NAMENODE_KEYTAB, tmp_path / "hdfs.keytab"),
    )


def test_bdp_ingest_status_asks_for_a_ticket_then_reads_the_lake_with_it(
    secure_hadoop, control_machine_in_the_realm
):
    inventory, keytab, _ = control_machine_in_the_realm
    status = ("bdp", "ingest", "status", "--json", "-i", str(inventory))
    refused = run_tool(*status)
    assert refused.returncode != 0, refused.stdout
    assert "run kinit" in refused.stderr and f"HTTP/{MASTER}" in refused.stderr, refused.stderr
    subprocess.run(["kinit", "-kt", str(keytab), f"{OUTSIDER}@{REALM}"], check=True)
    result = run_tool(*status)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["source"] for row in rows] == list(platform_sources())
    # The lake writer's state, read over HTTPS with SPNEGO: offsets it committed.
    assert any(row["lake_lag"] < row["produced"] for row in rows), rows


def lab_ticket_lifetime_s() -> int:
    """kerberos_client_ticket_lifetime of the lab (for example 10m), in seconds."""
    text = yaml.safe_load((REPO / "inventories/lab/group_vars/all/main.yml").read_text())[
        "kerberos_client_ticket_lifetime"
    ]
    return int(text[:-1]) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[text[-1]]


class Negotiate(requests.auth.AuthBase):
    """A Negotiate header for the NameNode, from the control machine's ticket cache. The
    DataNode that WebHDFS redirects to takes the delegation token in the URL instead."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        host = requests.utils.urlparse(request.url).hostname or ""
        request.headers["Authorization"] = Negotiator().header(host)
        return request


def secure_lake_reader(client: RealmClient) -> LakeReader:
    """The lake through WebHDFS over HTTPS with a fresh ticket of the NameNode's principal
    (raw events are closed to principals outside group hadoop); `bdp ingest status` reads
    with the same ticket."""
    subprocess.run(["kinit", "-kt", str(client.oracle_keytab), f"{NAMENODE}@{REALM}"], check=True)
    web = tls_session()
    web.auth = Negotiate()
    return LakeReader(
        base=f"https://{MASTER}:9871/webhdfs/v1", web=web, inventory=str(client.inventory)
    )


def test_the_lake_writer_writes_every_event_across_two_ticket_lifetimes(
    secure_hadoop, control_machine_in_the_realm
):
    lifetime = lab_ticket_lifetime_s()
    events = int(EXPIRY_RATE * lifetime * 2.2)
    restarts_before = restarts(MASTER, LAKE_WRITER)
    config = stream_api_config(EXPIRY_PORT, EXPIRY_SEED, events, EXPIRY_RATE, EXPIRY_DAY)
    started = time.monotonic()
    stream = start_stream(EXPIRY_PORT, config, "game.events", "game.dlq")
    stream.wait(timeout=events / EXPIRY_RATE + 900)
    assert time.monotonic() - started > 2 * lifetime, "the stream ended within two lifetimes"
    assert_stream_in_lake_once(
        stream, EXPIRY_PORT, config, 900, secure_lake_reader(control_machine_in_the_realm)
    )
    assert restarts(MASTER, LAKE_WRITER) == restarts_before, "the lake writer was restarted"
    print(
        f"[lab] {events} events over {time.monotonic() - started:.0f} s, tickets live {lifetime} s"
    )


# Accounts of the simulated game events ("player0293"): payload that must never cross the
# bridge readable.
ACCOUNT = re.compile(rb"player\d{4}")
# Traffic that is not the platform's own: SSH, the simulated event API (an outside source,
# plain HTTP in the lab), and the lab's apt proxy and artifact server.
NOT_THE_PLATFORMS = (
    22,
    yaml.safe_load((REPO / "ansible/group_vars/all/monitoring.yml").read_text())[
        "bdp_metrics_targets"
    ]["event_api"]["port"],
    LAB.settings.apt_proxy_port,
    LAB.settings.artifact_port,
)
KAFKA_TLS_PORT, DATANODE_TRANSFER_PORT = 9092, 9866


def test_a_capture_during_ingest_and_the_etl_finds_no_event_in_clear_text(
    secure_hadoop, control_machine_in_the_realm, tmp_path
):
    """Every hop of the data path is encrypted: collector to Kafka, Kafka to the lake writer,
    the lake writer and the ETL to HDFS, the ETL's shuffles, and its writes to the warehouse
    and Cassandra. A capture on the lab bridge holds no account name of the events."""
    pcap = tmp_path / "bridge.pcap"
    excluded = " and ".join(f"not port {port}" for port in NOT_THE_PLATFORMS)
    tcpdump = subprocess.Popen(
        ["tcpdump", "-i", LAB.settings.bridge, "-s", "0", "-U", "-w", str(pcap),
         f"tcp and {excluded}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        time.sleep(2)
        config = stream_api_config(CAPTURE_PORT, CAPTURE_SEED, CAPTURE_EVENTS, 0, CAPTURE_DAY)
        stream = start_stream(CAPTURE_PORT, config, "game.events", "game.dlq")
        assert_stream_in_lake_once(
            stream, CAPTURE_PORT, config, 900, secure_lake_reader(control_machine_in_the_realm)
        )
        etl = run_tool("bdp", "etl", "run", "--date", ETL_DAY, "--source", "game")
        assert etl.returncode == 0, etl.stdout[-3000:] + etl.stderr[-3000:]
    finally:
        tcpdump.send_signal(signal.SIGINT)
        _, errors = tcpdump.communicate(timeout=60)
    captured = pcap.read_bytes()
    ports = segments_by_port(captured)
    assert {KAFKA_TLS_PORT, DATANODE_TRANSFER_PORT} <= set(ports), (ports, errors[-500:])
    assert segments_by_port(captured, ACCOUNT) == {}, "event payload in clear text, by port"
    print(f"[lab] bridge capture: {len(captured)} bytes; data segments by port {dict(ports)}")
