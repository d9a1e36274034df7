"""What the lab test modules share: the lab's hosts and how to drive it."""

import io
import json
import re
import shlex
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow.parquet as pq
import requests
from kafka import KafkaConsumer

from bdp.lab.rootfs import ssh_dir
from bdp.lab.topology import load_lab
from bdp.lab.vault import read_secret, read_secrets
from bdp_collectors.simulator.stream import build_stream, expected
from bdp_testkit import streamkit
from bdp_testkit.helpers import REPO, play_recap, run_tool, start_tool

LAB = load_lab(REPO / "inventories" / "lab")
HOSTS = {host.name: host for host in LAB.hosts}
# Programs the tests run on lab hosts (Spark jobs, log writers), copied there by copy_job.
JOBS = REPO / "tests" / "lab" / "jobs"


# (name, seconds) of every stage() so far, for the table at the end of the run.
STAGES: list[tuple[str, float]] = []


def stage(name: str, started: float) -> None:
    seconds = time.monotonic() - started
    STAGES.append((name, seconds))
    print(f"\n[lab] {name}: {seconds:.0f}s", flush=True)


def rolling_restart_under_load(
    playbook: str, hosts: list[str], what: str, load: Callable[[threading.Event], None]
) -> None:
    """Run a rolling-restart playbook while load(stop) runs in a thread, from a few seconds
    before until a few seconds after; the playbook must succeed on exactly these hosts."""
    stop = threading.Event()
    worker = threading.Thread(target=load, args=(stop,), daemon=True)
    worker.start()
    started = time.monotonic()
    try:
        time.sleep(5)
        rolling = run_tool("ansible-playbook", "-i", "inventories/lab", playbook)
        stage(what, started)
        assert rolling.returncode == 0, rolling.stdout[-4000:]
        assert sorted(play_recap(rolling.stdout)) == sorted(hosts)
        time.sleep(5)
    finally:
        stop.set()
        worker.join()


OPENSEARCH_COORDINATOR = "de-os-coordinator"
OPENSEARCH_HOSTS = ["de-os-manager", OPENSEARCH_COORDINATOR, "de-os-data1", "de-os-data2"]
# The copy of the platform CA certificate ansible/pki.yml keeps on the control machine.
PLATFORM_CA = REPO / "build" / "pki" / "lab" / "platform-ca.crt"
REDIS_HOST = "airflow-redis-01"
REDIS_PORT = 6379


def redis_inline_ping(tls: bool = True) -> bytes:
    """What the lab's Redis answers a bare PING (no AUTH), over TLS verified with the
    platform CA or in clear text; b"" when it closes the connection without a word."""
    with socket.create_connection((HOSTS[REDIS_HOST].address, REDIS_PORT), timeout=10) as raw:
        if not tls:
            raw.sendall(b"PING\r\n")  # RESP inline command
            try:
                return raw.recv(256)
            except ConnectionResetError:
                return b""
        context = ssl.create_default_context(cafile=str(PLATFORM_CA))
        with context.wrap_socket(raw, server_hostname=REDIS_HOST) as secure:
            secure.sendall(b"PING\r\n")
            return secure.recv(256)


OPENSEARCH_PASSWORDS = {
    "admin": "vault_opensearch_admin_password",
    "log_writer": "vault_opensearch_log_writer_password",
    "log_reader": "vault_opensearch_log_reader_password",
}


def opensearch(
    method: str,
    path: str,
    user: str | None = "admin",
    password: str | None = None,
    host: str = OPENSEARCH_COORDINATOR,
    **options: Any,
) -> requests.Response:
    """A REST call to a lab OpenSearch node over HTTPS, verified with the cluster's CA, as
    `user` with its vault password (or `password`), or anonymously when user is None."""
    if user is not None and password is None:
        password = lab_secret(OPENSEARCH_PASSWORDS[user])
    return requests.request(
        method,
        f"https://{HOSTS[host].address}:9200{path}",
        auth=(user, password) if user is not None else None,
        verify=str(PLATFORM_CA),
        timeout=60,
        **options,
    )


def bdp_lab(*args: str):
    return run_tool("bdp", "lab", *args)


def ansible(*args: str):
    return run_tool("ansible", "-i", "inventories/lab", *args)


MASTER = "spark-master-01"
WORK = "/var/tmp/bdp-smoke"


def on_master(command: str, *, check: bool = True) -> str:
    """Run a shell command on the master (in WORK), returning its output (see on_host)."""
    return on_host(MASTER, command, cwd=WORK, check=check)


def as_spark(command: str, *, check: bool = True) -> str:
    return on_master(f"runuser -u spark -- {command}", check=check)


def lab_secret(name: str) -> str:
    """A value of the lab's generated vault."""
    return read_secret(LAB.settings, REPO / "inventories" / "lab", name)


def lab_secrets() -> dict[str, str]:
    """Every value of the lab's generated vault, by variable name (never print them)."""
    return read_secrets(LAB.settings, REPO / "inventories" / "lab")


KAFKA_HOSTS = ["de-kafka-cluster-1", "de-kafka-cluster-2", "de-kafka-cluster-3"]
KAFKA_BOOTSTRAP = [f"{HOSTS[name].address}:9092" for name in KAFKA_HOSTS]


def kafka_auth(user: str, password: str) -> dict:
    """kafka-python settings for a SCRAM user of the lab's brokers, over TLS verified with the
    platform CA."""
    return {
        "bootstrap_servers": KAFKA_BOOTSTRAP,
        "security_protocol": "SASL_SSL",
        "ssl_cafile": str(PLATFORM_CA),
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": user,
        "sasl_plain_password": password,
    }


def read_all(topic: str, auth: dict, group_id: str | None = None, idle_ms: int = 15000) -> list:
    """Every record of the topic, read until none arrives for idle_ms."""
    consumer = KafkaConsumer(
        topic, **auth, group_id=group_id, auto_offset_reset="earliest", consumer_timeout_ms=idle_ms
    )
    try:
        return list(consumer)
    finally:
        consumer.close()


def shell_stdout(output: str) -> str:
    """What the command printed, without on_host's `host | rc=0 >>` line."""
    return output.split("\n", 1)[1]


_SSH = ssh_dir(LAB.settings)
_SSH_OPTIONS = (
    "-i", str(_SSH / "id_ed25519"), "-o", f"UserKnownHostsFile={_SSH / 'known_hosts'}",
    "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
    # One connection per host, kept for a minute, instead of a new login per command.
    "-o", "ControlMaster=auto", "-o", "ControlPath=/run/bdp-lab-test-ssh-%C",
    "-o", "ControlPersist=60",
)  # fmt: skip


def _ssh(host: str, remote: str, **run_options: Any) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["ssh", *_SSH_OPTIONS, f"root@{HOSTS[host].address}", remote],
        capture_output=True,
        check=False,
        **run_options,
    )


def on_host(
    host: str, command: str, *, cwd: str | None = None, check: bool = True, stdin: str = ""
) -> str:
    """Run a shell command as root on a lab host, over SSH with the key and pinned host keys
    that Ansible uses (a direct call: tests poll hosts often, and an ad-hoc Ansible run costs
    seconds). Returns a `host | rc=N >>` line, then what the command wrote to stdout and
    stderr; with `check`, a non-zero exit fails the test. `stdin` is what the command reads
    (a password stays off the command line, which the host may log)."""
    remote = f"cd {shlex.quote(cwd)} && {command}" if cwd else command
    result = _ssh(host, remote, text=True, timeout=1800, input=stdin)
    output = f"{host} | rc={result.returncode} >>\n{result.stdout}{result.stderr}"
    if check:
        assert result.returncode == 0, output[-4000:]
    return output


def write_on_host(host: str, dest: str, content: str | bytes, mode: str = "0644") -> None:
    """Write `content` to the file `dest` on a lab host (its directory must exist), over the
    same SSH connection as on_host: an ad-hoc Ansible copy costs seconds per file."""
    quoted = shlex.quote(dest)
    result = _ssh(
        host,
        f"cat > {quoted}.part && chmod {mode} {quoted}.part && mv {quoted}.part {quoted}",
        input=content.encode() if isinstance(content, str) else content,
        timeout=300,
    )
    assert result.returncode == 0, f"{host}: writing {dest}: {result.stderr.decode()[-2000:]}"


AIRFLOW_API = f"https://{HOSTS[MASTER].address}:8080"


def tls_session() -> requests.Session:
    """A session whose HTTPS peers are verified with the platform CA, and only with it."""
    session = requests.Session()
    session.verify = str(PLATFORM_CA)
    session.trust_env = False  # else REQUESTS_CA_BUNDLE, where set, replaces the CA file
    return session


def airflow_token(password: str) -> requests.Response:
    return tls_session().post(
        f"{AIRFLOW_API}/auth/token", json={"username": "admin", "password": password}, timeout=30
    )


def airflow_session() -> requests.Session:
    """A session of the lab's Airflow REST API, logged in as its admin."""
    answer = airflow_token(lab_secret("vault_airflow_admin_password"))
    assert answer.status_code in (200, 201), answer.text
    session = tls_session()
    session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    return session


def wait_for_run(api: requests.Session, dag_id: str, run_id: str, timeout: float) -> str:
    """The run's final state (success or failed), or its state when the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        url = f"{AIRFLOW_API}/api/v2/dags/{dag_id}/dagRuns/{run_id}"
        state = api.get(url, timeout=30).json()["state"]
        if state in ("success", "failed") or time.monotonic() > deadline:
            return state
        time.sleep(5)


EVENT_API_HOST = "de-kafka-cluster-1"  # the collectors group's first host runs the event API


def event_api_config() -> dict:
    """The event API's config as deployed: seed, days, sizes, faults and time zone decide
    every simulated event, so tests know them (bdp_collectors.simulator.stream.expected)."""
    return json.loads(
        shell_stdout(on_host(EVENT_API_HOST, "cat /etc/bdp/collectors/event-api.json"))
    )


def stream_api_config(port: int, seed: int, events: int, rate: float, day: str) -> dict:
    """A second stream's event API config (streamkit.api_config) in the lab's time zone."""
    zone = event_api_config()["timezone"]
    return streamkit.api_config(port, seed, events, rate, day, zone)


def copy_job(host: str, job: str, dest: str) -> None:
    """Copy tests/lab/jobs/<job> to `dest` on a lab host: into it when `dest` ends with /."""
    target = f"{dest}{job}" if dest.endswith("/") else dest
    write_on_host(host, target, (JOBS / job).read_bytes())


WEBHDFS = f"http://{HOSTS[MASTER].address}:9870/webhdfs/v1"


def webhdfs_session(user: str) -> requests.Session:
    """WebHDFS calls made as `user` (the lab's HDFS trusts the name it is given)."""
    web = requests.Session()
    web.params = {"user.name": user}
    return web


@dataclass(frozen=True)
class LakeReader:
    """How a test reads the lake and asks for ingestion's state: by default as `spark` over
    plain WebHDFS and with the lab inventory; in secure mode, HTTPS with SPNEGO and an
    inventory that declares it (tests/lab/test_9e_hadoop_secure_mode.py)."""

    base: str = WEBHDFS
    web: requests.Session = field(default_factory=lambda: webhdfs_session("spark"))
    inventory: str = "inventories/lab"


def hdfs_files(web: requests.Session, path: str, base: str = WEBHDFS) -> list[str]:
    """Every file under an HDFS directory, none if it does not exist, through WebHDFS."""
    answer = web.get(f"{base}{path}", params={"op": "LISTSTATUS"}, timeout=30)
    if answer.status_code == 404:
        return []
    assert answer.status_code == 200, f"{path}: {answer.text}"
    files = []
    for status in answer.json()["FileStatuses"]["FileStatus"]:
        child = f"{path}/{status['pathSuffix']}"
        files += hdfs_files(web, child, base) if status["type"] == "DIRECTORY" else [child]
    return files


def lake_inventory(
    sources: list[str], reader: LakeReader | None = None
) -> list[tuple[str, str, str, str, str]]:
    """(area, source, dt, event_id, account) of every event in /lake/raw and /lake/late.

    Read here with pyarrow, file by file through WebHDFS, as Spark would read the partitioned
    tables: files and folders whose name starts with _ or . are not data, dt comes from the
    dt=<day> folder. Sharing no code with the lake writer keeps the check independent."""
    reader = reader or LakeReader()
    web, base = reader.web, reader.base
    rows = []
    for area in ("raw", "late"):
        for source in sources:
            root = f"/lake/{area}/{source}"
            for path in hdfs_files(web, root, base):
                parts = path.removeprefix(f"{root}/").split("/")
                if any(part.startswith(("_", ".")) for part in parts):
                    continue
                folders = dict(part.split("=", 1) for part in parts[:-1] if "=" in part)
                assert "dt" in folders, f"{path}: a data file outside any dt=<day> folder"
                answer = web.get(f"{base}{path}", params={"op": "OPEN"}, timeout=120)
                assert answer.status_code == 200, f"{path}: {answer.status_code}"
                table = pq.read_table(io.BytesIO(answer.content), columns=["event_id", "account"])
                rows += [
                    (area, source, folders["dt"], event_id, account)
                    for event_id, account in zip(
                        table["event_id"].to_pylist(), table["account"].to_pylist(), strict=True
                    )
                ]
    return rows


def service_active(host: str, unit: str) -> bool:
    return "UP" in on_host(host, f"systemctl is-active --quiet {unit} && echo UP || echo DOWN")


def restarts(host: str, unit: str) -> int:
    """How many times systemd has restarted the unit since it was started."""
    return int(shell_stdout(on_host(host, f"systemctl show -p NRestarts --value {unit}")))


def crash(host: str, unit: str) -> Callable[[], bool]:
    """SIGKILL the unit's main process, as a crash would, and return the check that systemd has
    restarted it. Only the main process: signalling a whole cgroup fails in the lab's
    containers ("Failed to send signal SIGKILL to auxiliary processes")."""
    before = restarts(host, unit)
    on_host(host, f"systemctl kill --kill-whom=main --signal=KILL {unit}")
    return lambda: restarts(host, unit) > before and service_active(host, unit)


def wait_until(condition: Callable[[], Any], timeout: float, what: str, every: float = 5) -> Any:
    """The first true value of `condition`, polled every `every` s; fails after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, f"{what}: not after {timeout:.0f} s"
        time.sleep(every)
    return found


def datanodes_live() -> int:
    report = shell_stdout(on_host(MASTER, "runuser -u hdfs -- hdfs dfsadmin -report -live"))
    found = re.search(r"Live datanodes \((\d+)\)", report)
    return int(found.group(1)) if found else 0


def ingest_status() -> dict[str, dict]:
    """`bdp ingest status --json` by source."""
    result = run_tool("bdp", "ingest", "status", "--json")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    return {row["source"]: row for row in rows}


def start_stream(port: int, api: dict[str, Any], topic: str, dlq: str):
    """Copy a second stream's configs to its host, reset its state and start it: its event API
    and a collector run to the stream's end (tests/bdp_testkit/streamkit.py). Returns the process,
    which prints `seconds … rc …` when the collector is done."""
    on_host(streamkit.HOST, streamkit.WORK_DIR_COMMAND)
    for path, content in streamkit.files(port, api, topic, dlq).items():
        write_on_host(streamkit.HOST, path, content)
    on_host(streamkit.HOST, streamkit.prepare_command(port))
    return start_tool(
        "ansible", "-i", "inventories/lab", streamkit.HOST, "-m", "ansible.builtin.shell", "-a",
        streamkit.run_command(port),
    )  # fmt: skip


def stream_polled(port: int) -> int:
    """A second stream's collector cursor: how many items it has polled and Kafka acknowledged."""
    cursor = f"{streamkit.WORK}/cursor-{port}.json"
    text = shell_stdout(on_host(streamkit.HOST, f"cat {cursor} 2>/dev/null || echo '{{}}'"))
    return int(json.loads(text.strip().splitlines()[-1]).get("cursor", 0))


def wait_for_whole_cluster(timeout: float) -> None:
    """Until no Kafka partition is under-replicated and all three DataNodes are live."""
    describe = (
        f"kafka-topics --bootstrap-server {streamkit.BOOTSTRAP} --command-config "
        f"{streamkit.ADMIN_PROPERTIES} --describe --under-replicated-partitions"
    )
    wait_until(
        lambda: shell_stdout(on_host(streamkit.HOST, describe)).strip() == "",
        timeout,
        "no under-replicated partitions",
    )
    wait_until(lambda: datanodes_live() == 3, timeout, "three live DataNodes")


def assert_stream_in_lake_once(
    stream: subprocess.Popen,
    port: int,
    api: dict,
    timeout: float,
    reader: LakeReader | None = None,
):
    """The second stream ended well, the lake writer committed it, and each of its valid game
    events is in the lake exactly once, in its day."""
    reader = reader or LakeReader()
    output, _ = stream.communicate(timeout=1200)
    assert "rc 0" in output, (
        f"the collector failed; see {streamkit.HOST}:{streamkit.WORK}/collector-{port}.out"
    )

    def drained() -> bool:
        status = run_tool(
            "bdp", "ingest", "status", "--json", "--sources", "game", "-i", reader.inventory
        )
        return status.returncode == 0 and json.loads(status.stdout)["lake_lag"] == 0

    wait_until(drained, timeout, "the lake writer committed every game event")
    stored: dict[str, list[tuple[str, str]]] = {}
    for area, _, dt, event_id, _ in lake_inventory(["game"], reader):
        stored.setdefault(event_id, []).append((area, dt))
    known = expected("game", api).valid
    assert len(known) == len(build_stream("game", api)), "a drill stream must be fault-free"
    missing = [i for i in known if i not in stored]
    twice = {i: stored[i] for i in known if len(stored.get(i, [])) > 1}
    wrong_day = {i: stored[i] for i in known if i in stored and stored[i][0][1] != known[i].dt}
    assert (missing, twice, wrong_day) == ([], {}, {}), (missing[:5], twice, wrong_day)
    print(f"[lab] all {len(known)} streamed events in the lake once", flush=True)


# The task of a rolling restart that restarts a host (its `host` group names the host when
# the task is delegated), and the gate tasks that must all pass before the next host's.
HADOOP_RESTART = re.compile(r"hadoop : Restart the Hadoop daemons of this host$")
HADOOP_GATES = (
    "hdfs : Check HDFS health",
    "hdfs : Check block replication",
    "yarn : Check YARN health",
)
KAFKA_RESTART = re.compile(r"kafka : Restart Kafka on (?P<host>\S+)$")
KAFKA_GATES = (
    "kafka : Wait for all brokers to register",
    "kafka : Wait for the controller quorum to catch up",
    "kafka : Wait for under-replicated partitions to reach zero",
)
