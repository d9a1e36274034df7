"""Security checks of the deployed lab: every service that can require
authentication refuses clients without it, no secret is in clear text in the repository, in
Ansible's output or in any host's logs, and only the intended ports listen on each host.

Unauthenticated access, where each refusal is tested:
- Kafka (SASL/SCRAM on every listener): test_5_kafka.py,
  test_client_without_valid_credentials_is_refused (no credentials, wrong password).
- Cassandra CQL: test_6_stores_cassandra.py, test_login_without_valid_credentials_is_refused
  (no credentials, wrong password, the built-in cassandra/cassandra).
- The MySQL warehouse, PostgreSQL (from an Airflow host, which pg_hba.conf
  lets in), Redis, Airflow's REST API and its two log servers (worker and triggerer: they
  serve task logs to bearers of a JWT signed with the api-server's secret), the collectors'
  event API: test_service_refuses_unauthenticated_access below.
- OpenSearch (HTTPS with HTTP basic authentication on every node): no credentials and a wrong
  password below; what each of its users may do: test_5b_opensearch.py.

Clear-text access, where each refusal is tested (every certificate is from the platform CA):
- Airflow's api-server (UI, REST API, the workers' execution API) speaks HTTPS only: a
  clear-text request below.
- Redis speaks TLS only: a clear-text PING below, and test_6_stores_postgres_redis.py,
  test_redis_speaks_tls_only.
- PostgreSQL lets the Airflow hosts in over TLS only: test_6_stores_postgres_redis.py,
  test_airflow_user_without_tls_is_refused.
- The MySQL warehouse: test_6_stores_warehouse.py (require_secure_transport).
- Kafka: SASL_SSL on every listener; a clear-text SASL client gets no answer:
  test_5_kafka.py, test_client_without_tls_is_refused.
- Cassandra: client and internode TLS: test_6_stores_cassandra.py,
  test_clients_without_tls_are_refused and
  test_internode_port_refuses_hosts_without_a_node_certificate.
- OpenSearch: HTTPS and transport TLS only (the node's configuration).
- The log forwarders' relay hop to the aggregators (RELP, 2514): mutual TLS, and only a log
  shipper's certificate is let in: clear text, no client certificate and another service's
  certificate below.

Known gaps: services the platform leaves open by design today. They are listed here rather
than tested, because a test would have to assert that they accept anyone:
- HDFS and YARN: Hadoop's `simple` authentication (no Kerberos). RPC trusts the user name the
  client states; the NameNode (9870), DataNode (9864), ResourceManager (8088) and NodeManager
  (8042) web UIs and REST APIs take anonymous requests, WebHDFS included, which acts as the
  user named in `user.name`, or as hadoop.http.staticuser.user (hdfs, the HDFS superuser)
  without one (roles/hadoop/templates/core-site.xml.j2).
- The Spark History Server (18080) and the lake writer driver's Spark UI (4040): no ACLs in
  simple mode. Secure mode (bdp_hadoop_secure_mode) closes this and the line above:
  test_9e_hadoop_secure_mode.py.
- Cassandra's JMX port (7199) listens on loopback only, without a password. Mutual TLS on its
  internode port (7000) accepts any certificate of the platform CA (docs/security.md).
- Prometheus (9090) and Alertmanager (9093) serve HTTP; their logins are checked below. So
  do the Airflow workers' and triggerer's log servers (8793, 8794), which take only the
  api-server's JWTs (checked below) but send task logs in clear text.
- The collectors' /status and /metrics endpoints (8711-8714) and the metrics exporters (node
  exporter 9100 on every host, the JMX exporter agents 7101-7107 of the JVM services, the
  MySQL, PostgreSQL and Redis exporters 9104, 9187, 9121, the platform exporter 9188):
  read-only metrics on the private address, no authentication. Prometheus (9090) and
  Alertmanager (9093) require a password: test_service_refuses_unauthenticated_access below.
"""

import datetime
import shlex
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import jwt
import mysql.connector
import pytest
import requests
from promkit import ALERTMANAGER, PROMETHEUS, web_auth
from seccheck import (
    LISTENERS_COMMAND,
    SCAN_DIR,
    SECRETS_FILE,
    HostResult,
    PortRules,
    Secrets,
    found_secrets,
    git_objects,
    misplaced_vault,
    parse_listeners,
    parse_scan,
    per_host,
    scan_command,
    secrets_file,
    unexpected,
)

from bdp.inventory import listing
from bdp_testkit.helpers import REPO, run_tool
from labkit import (
    AIRFLOW_API,
    EVENT_API_HOST,
    HOSTS,
    MASTER,
    OPENSEARCH_HOSTS,
    PLATFORM_CA,
    WEBHDFS,
    ansible,
    hdfs_files,
    lab_secrets,
    on_host,
    opensearch,
    redis_inline_ping,
    shell_stdout,
    stage,
    tls_session,
    webhdfs_session,
)

pytestmark = pytest.mark.lab

AIRFLOW_WORKER = "spark-worker-01"
DB_HOST = "airflow-db-01"
# The Airflow venv on the Airflow hosts carries psycopg, PostgreSQL's client library.
AIRFLOW_PYTHON = "/opt/bdp/airflow/bin/python"


def on_hosts(pattern: str, command: str) -> dict[str, HostResult]:
    """Run one shell command on every host of the pattern, in one Ansible call."""
    return per_host(ansible(pattern, "-m", "ansible.builtin.shell", "-a", command).stdout)


# --- Each service refuses unauthenticated access ---------------------------------------------


def warehouse_login(password: str) -> None:
    """TLS is negotiated (unverified: only the refusal matters), so the answer is about the
    login, not about require_secure_transport."""
    with pytest.raises(mysql.connector.Error) as refused:
        mysql.connector.connect(
            host=HOSTS[MASTER].address,
            port=3306,
            user="etl_writer",
            password=password,
            connection_timeout=20,
        ).close()
    assert refused.value.errno == 1045, refused.value  # ER_ACCESS_DENIED_ERROR
    assert f"(using password: {'YES' if password else 'NO'})" in str(refused.value)


def postgresql_without_password() -> None:
    """From an Airflow host, which pg_hba.conf lets in, so the server's answer is about the
    password; PGPASSFILE=/dev/null keeps libpq from finding one anywhere."""
    output = on_host(
        MASTER,
        f'PGPASSFILE=/dev/null {AIRFLOW_PYTHON} -c "import psycopg; psycopg.connect('
        f"'host={HOSTS[DB_HOST].address} dbname=airflow user=airflow connect_timeout=10')\"",
        check=False,
    )
    assert "fe_sendauth: no password supplied" in output, output[-2000:]


def redis_without_auth() -> None:
    answer = redis_inline_ping()
    assert answer.startswith(b"-NOAUTH "), answer


def redis_without_tls() -> None:
    answer = redis_inline_ping(tls=False)
    assert b"PONG" not in answer and b"NOAUTH" not in answer, answer


LOG_AGGREGATOR, LOG_FORWARDER, RELAY_PORT = "de-kafka-cluster-1", "spark-worker-01", 2514
RELP_DATA = "relp_version=0\nrelp_software=bdp-security-test\ncommands=syslog"
RELP_OPEN = f"1 open {len(RELP_DATA)} {RELP_DATA}\n"


def relp_open_answer(tls: bool = True) -> bytes:
    """What the log aggregator's relay port answers a RELP session's open command sent from
    the control machine, without a client certificate (or in clear text)."""
    address = HOSTS[LOG_AGGREGATOR].address
    with socket.create_connection((address, RELAY_PORT), timeout=10) as raw:
        try:
            if not tls:
                raw.sendall(RELP_OPEN.encode())
                return raw.recv(256)
            context = ssl.create_default_context(cafile=str(PLATFORM_CA))
            with context.wrap_socket(raw, server_hostname=LOG_AGGREGATOR) as secure:
                secure.sendall(RELP_OPEN.encode())
                return secure.recv(256)
        except (ConnectionResetError, ssl.SSLError, TimeoutError):
            return b""


def relp_open_answer_with(host: str, certificate: str, key: str) -> str:
    """What the relay port answers a RELP open command from `host`, over TLS with `certificate`."""
    command = (
        f"printf {shlex.quote(RELP_OPEN)} | timeout 15 openssl s_client -quiet "
        f"-connect {HOSTS[LOG_AGGREGATOR].address}:{RELAY_PORT} "
        f"-CAfile /etc/bdp/tls/platform-ca.crt -cert {certificate} -key {key} 2>&1"
    )
    return shell_stdout(on_host(host, command, check=False))


def log_relay_without_tls() -> None:
    assert b" rsp " not in relp_open_answer(tls=False)


def log_relay_without_a_client_certificate() -> None:
    assert b" rsp " not in relp_open_answer()


def log_relay_with_another_services_certificate() -> None:
    """Redis' certificate is the platform CA's too, but not a log shipper's; a forwarder's own
    certificate opens a session (so the refusal is the certificate's, not the command's)."""
    refused = relp_open_answer_with(
        "airflow-redis-01", "/etc/redis/tls/redis.crt", "/etc/redis/tls/redis.key"
    )
    assert " rsp " not in refused, refused
    shipper = "/etc/bdp/tls/log-shipping/shipper"
    accepted = relp_open_answer_with(LOG_FORWARDER, f"{shipper}.crt", f"{shipper}.key")
    assert "1 rsp " in accepted, accepted


def forged_token() -> str:
    """A well-formed Airflow JWT signed with a key that is not the platform's."""
    now = datetime.datetime.now(datetime.UTC)
    claims = {
        "sub": "admin",
        "aud": "apache-airflow",
        "iat": now,
        "nbf": now,
        "exp": now + datetime.timedelta(minutes=5),
    }
    return jwt.encode(claims, "not-the-platform-secret", algorithm="HS512")


def airflow_api_in_clear_text() -> None:
    with pytest.raises(requests.ConnectionError):
        requests.get(AIRFLOW_API.replace("https://", "http://") + "/api/v2/dags", timeout=30)


def airflow_api_without_token() -> None:
    url = f"{AIRFLOW_API}/api/v2/dags"
    anonymous = tls_session().get(url, timeout=30)
    assert (anonymous.status_code, anonymous.json()) == (401, {"detail": "Not authenticated"})
    forged = {"Authorization": f"Bearer {forged_token()}"}
    answer = tls_session().get(url, headers=forged, timeout=30)
    assert (answer.status_code, answer.json()) == (403, {"detail": "Invalid JWT token"})


def airflow_log_server_without_token(host: str, port: int) -> None:
    url = f"http://{HOSTS[host].address}:{port}/log/dag_id=probe/run_id=probe/attempt=1.log"
    anonymous = requests.get(url, timeout=30)
    assert anonymous.status_code == 403, anonymous.text
    assert "Authorization header missing" in anonymous.text
    forged = requests.get(url, headers={"Authorization": forged_token()}, timeout=30)
    assert forged.status_code == 403, forged.text


def event_api_without_token() -> None:
    url = f"http://{HOSTS[EVENT_API_HOST].address}:8700/v1/game/events"
    anonymous = requests.get(url, timeout=30)
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.headers["WWW-Authenticate"] == "Bearer"
    wrong = requests.get(url, headers={"Authorization": "Bearer not-the-token"}, timeout=30)
    assert wrong.status_code == 401, wrong.text


def opensearch_without_credentials() -> None:
    for host in OPENSEARCH_HOSTS:
        anonymous = opensearch("GET", "/_cluster/health", user=None, host=host)
        assert anonymous.status_code == 401, f"{host}: {anonymous.text}"
        wrong = opensearch("GET", "/_cluster/health", "admin", "wrong-password", host=host)
        assert wrong.status_code == 401, f"{host}: {wrong.text}"


def monitoring_without_credentials(url: str) -> None:
    anonymous = requests.get(url, timeout=30)
    assert anonymous.status_code == 401, anonymous.text
    wrong = requests.get(url, auth=("admin", "wrong-password"), timeout=30)
    assert wrong.status_code == 401, wrong.text
    right = requests.get(url, auth=web_auth(), timeout=30)
    assert right.status_code == 200, right.text


REFUSALS: dict[str, Callable[[], None]] = {
    "warehouse: etl_writer without a password": partial(warehouse_login, ""),
    "warehouse: etl_writer with a wrong password": partial(warehouse_login, "wrong-password"),
    "postgresql: airflow without a password": postgresql_without_password,
    "redis: PING without AUTH": redis_without_auth,
    "redis: PING without TLS": redis_without_tls,
    "airflow: REST API without a valid token": airflow_api_without_token,
    "airflow: REST API in clear text": airflow_api_in_clear_text,
    "airflow: worker log server without a valid token": partial(
        airflow_log_server_without_token, AIRFLOW_WORKER, 8793
    ),
    "airflow: triggerer log server without a valid token": partial(
        airflow_log_server_without_token, MASTER, 8794
    ),
    "collectors: event API without the token": event_api_without_token,
    "log relay: RELP in clear text": log_relay_without_tls,
    "log relay: TLS without a client certificate": log_relay_without_a_client_certificate,
    "log relay: another service's certificate": log_relay_with_another_services_certificate,
    "opensearch: REST API without credentials": opensearch_without_credentials,
    "prometheus: HTTP API without the password": partial(
        monitoring_without_credentials, f"{PROMETHEUS}/api/v1/status/buildinfo"
    ),
    "alertmanager: HTTP API without the password": partial(
        monitoring_without_credentials, f"{ALERTMANAGER}/api/v2/status"
    ),
}


@pytest.mark.parametrize("service", REFUSALS)
def test_service_refuses_unauthenticated_access(service):
    REFUSALS[service]()


# --- No secret in clear text -------------------------------------------------------------------


@pytest.fixture(scope="module")
def secrets() -> Secrets:
    values = Secrets(lab_secrets())
    assert len(values) >= 20, values  # every vault_* name of vault.yml.example
    return values


def git(*args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, check=True).stdout


def tracked_files() -> dict[str, bytes]:
    """Each file git tracks, with its content in the working tree."""
    files = {}
    for name in git("ls-files", "-z").decode().split("\0"):
        path = REPO / name
        if name and path.is_file():
            files[name] = path.read_bytes()
    return files


def test_no_vault_value_in_a_tracked_file(secrets):
    files = tracked_files()
    assert len(files) > 100, "git ls-files found too few files"
    found = {
        name: leaked for name, text in files.items() if (leaked := found_secrets(secrets, text))
    }
    assert not found, f"vault variables whose value is in these files: {found}"


def test_vault_data_only_in_the_inventories_vault_files():
    misplaced = [name for name, text in tracked_files().items() if misplaced_vault(name, text)]
    assert not misplaced, f"vault-encrypted data outside inventories/*/group_vars/all: {misplaced}"


def test_no_vault_value_in_the_git_history(secrets):
    """Every version of every file of every branch: a secret committed once stays there."""
    started = time.monotonic()
    batch = git("cat-file", "--batch-all-objects", "--batch")
    found = {
        oid: leaked for oid, text in git_objects(batch) if (leaked := found_secrets(secrets, text))
    }
    stage(f"{len(batch) // 1024} KiB of git objects searched for vault values", started)
    assert not found, f"vault variables whose value is in these git objects: {found}"


def test_ansible_output_shows_no_secret(secrets):
    """A check-mode run with --diff -v of the play that templates the ETL's credentials file
    (stores.json), with one of its other settings changed: the template task then has a diff
    to show, whose context lines are the passwords, unless no_log hides it."""
    started = time.monotonic()
    run = run_tool(
        "ansible-playbook",
        "-i",
        "inventories/lab",
        "ansible/etl.yml",
        "--limit",
        AIRFLOW_WORKER,
        "--start-at-task",  # the play's other tasks handle no secret; they would take minutes
        "etl : Write the stores' settings and credentials",
        "--check",
        "--diff",
        "-v",
        "-e",
        "etl_warehouse_batch_rows=4999",
    )
    stage("ansible-playbook etl.yml --check --diff -v", started)
    leaked = found_secrets(secrets, (run.stdout + run.stderr).encode())
    assert not leaked, f"ansible-playbook printed the values of {leaked}"
    assert run.returncode == 0, run.stdout[-4000:]
    task = run.stdout.split("TASK [etl : Write the stores' settings and credentials]", 1)[1]
    task = task.split("TASK [", 1)[0]  # the template task's report: its diff, if shown
    assert f"changed: [{AIRFLOW_WORKER}]" in task, task
    assert "the output has been hidden" in task, task


# Where the hosts keep logs, as shell globs; the journal is read with journalctl besides.
LOG_LOCATIONS = (
    "/var/log",  # /var/log/bdp/<service> (Hadoop and YARN containers, Kafka, Cassandra,
    # Spark, Airflow and its task logs, collectors, lake writer), redis, postgresql, mysql,
    # the journal's own files
    "/var/lib/bdp/log-shipper",  # the log shipper's disk queues, on their way to Kafka
    "/var/lib/bdp/kafka/data/platform-logs-*",  # the platform-logs topic: every shipped line
    "/opt/bdp/*/logs",  # a release's own log directory, should any tool write there
)


def test_no_vault_value_in_any_hosts_logs(secrets):
    """The values go to each host in a root-only file on tmpfs, which the scan removes; the
    scan prints only file names and variable names."""
    with tempfile.TemporaryDirectory() as local:  # mode 0700: not the shared tmp_path
        shipped = Path(local) / Path(SCAN_DIR).name
        shipped.mkdir()
        (shipped / SECRETS_FILE).touch(mode=0o600)
        (shipped / SECRETS_FILE).write_text(secrets_file(secrets))
        started = time.monotonic()
        copied = ansible(
            "all",
            "-m",
            "ansible.builtin.copy",
            "-a",
            f"src={shipped} dest={Path(SCAN_DIR).parent}/ mode=0600 directory_mode=0700",
        )
    reports = {}
    try:
        assert copied.returncode == 0, copied.stdout[-4000:]
        results = on_hosts("all", scan_command(LOG_LOCATIONS))
        reports = {host: parse_scan(result.output) for host, result in results.items()}
    finally:
        if sorted(host for host, report in reports.items() if report.complete) != sorted(HOSTS):
            ansible("all", "-m", "ansible.builtin.file", "-a", f"path={SCAN_DIR} state=absent")
    stage("logs and journals of 13 hosts searched for vault values", started)
    for host, report in sorted(reports.items()):
        print(f"[lab] {host}: {report.files} files, {report.journal_lines} journal lines")
    assert sorted(reports) == sorted(HOSTS)
    incomplete = {
        host: results[host].output[-500:]
        for host, r in reports.items()
        if not r.complete or r.errors
    }
    assert not incomplete, incomplete
    assert all(report.files > 0 and report.journal_lines > 0 for report in reports.values())
    leaks = {host: report.leaks for host, report in reports.items() if report.leaks}
    assert not leaks, f"vault variables whose value is in these logs: {leaks}"


# Logs that YARN and Spark keep in HDFS: aggregated container logs (drivers' and executors'
# output, launch scripts with their environment) and Spark event logs (applications' settings).
HDFS_LOG_DIRS = ("/app-logs", "/spark-history")


def test_no_vault_value_in_the_logs_kept_in_hdfs(secrets):
    started = time.monotonic()
    web = webhdfs_session("hdfs")  # the superuser reads every application's logs
    found, size, vanished = {}, 0, []
    files = [path for directory in HDFS_LOG_DIRS for path in hdfs_files(web, directory)]
    for path in files:
        answer = web.get(f"{WEBHDFS}{path}", params={"op": "OPEN"}, timeout=120)
        if answer.status_code == 404:  # a running application's log, renamed since listed
            vanished.append(path)
            continue
        assert answer.status_code == 200, f"{path}: {answer.status_code}"
        size += len(answer.content)
        if leaked := found_secrets(secrets, answer.content):
            found[path] = leaked
    read = len(files) - len(vanished)
    stage(f"{read} HDFS log files ({size // 2**20} MiB) searched for vault values", started)
    print(f"[lab] renamed while read, so not searched: {vanished or 'none'}")
    assert read, f"no file read in {HDFS_LOG_DIRS}: YARN and Spark keep their logs elsewhere?"
    assert not found, f"vault variables whose value is in these HDFS files: {found}"


# --- Only the intended ports listen ----------------------------------------------------------

# What may listen on a non-loopback address, by inventory group (TCP port -> service).
EXPECTED_PORTS: dict[str, dict[int, str]] = {
    "all": {22: "sshd", 9100: "Prometheus node exporter"},
    "hdfs_namenode": {
        8020: "NameNode RPC",
        9870: "NameNode web UI and WebHDFS",
        7101: "NameNode JMX exporter agent",
    },
    "hdfs_datanode": {
        9864: "DataNode web UI",
        9866: "DataNode data transfer",
        9867: "DataNode IPC",
        7102: "DataNode JMX exporter agent",
    },
    "yarn_resourcemanager": {
        8030: "ResourceManager scheduler (ApplicationMasters)",
        8031: "ResourceManager resource tracker (NodeManagers)",
        8032: "ResourceManager client (spark-submit)",
        8033: "ResourceManager admin",
        8088: "ResourceManager web UI and REST",
        7103: "ResourceManager JMX exporter agent",
    },
    "yarn_nodemanager": {
        8040: "NodeManager localizer",
        8042: "NodeManager web UI",
        45454: "NodeManager container manager (fixed, so a restart keeps the node id)",
        7104: "NodeManager JMX exporter agent",
    },
    "spark_history": {18080: "Spark History Server", 7105: "its JMX exporter agent"},
    "lake_writer": {4040: "Spark UI of the lake writer's driver"},
    "kafka": {
        9091: "Kafka INTERNAL listener (brokers, SCRAM)",
        9092: "Kafka CLIENT listener (SCRAM)",
        9093: "Kafka CONTROLLER listener (KRaft quorum, SASL/PLAIN)",
        7106: "Kafka JMX exporter agent",
    },
    # Log aggregators: the fluentd implementation's forward input, rsyslog's RELP input (lab).
    "log_aggregators": {
        24224: "Fluentd forward input",
        2514: "rsyslog RELP input of the forwarders",
    },
    "collectors": {
        8700: "event API simulator (on the group's first host)",
        8711: "collector game /status and /metrics",
        8712: "collector lodging /status and /metrics",
        8713: "collector raid /status and /metrics",
        8714: "collector ads /status and /metrics",
    },
    "opensearch_cluster_manager": {9200: "OpenSearch HTTP", 9300: "OpenSearch transport"},
    "opensearch_coordinator": {9200: "OpenSearch HTTP", 9300: "OpenSearch transport"},
    "opensearch_data": {9200: "OpenSearch HTTP", 9300: "OpenSearch transport"},
    "mysql_warehouse": {3306: "MariaDB warehouse", 9104: "MySQL exporter"},
    "cassandra": {
        7000: "Cassandra internode",
        9042: "Cassandra CQL",
        7107: "Cassandra JMX exporter agent",
    },
    "redis": {6379: "Redis (Celery broker)", 9121: "Redis exporter"},
    "kerberos_kdc": {88: "Kerberos KDC", 464: "kpasswd", 749: "kadmind"},
    "airflow_db": {5432: "PostgreSQL (Airflow metadata)", 9187: "PostgreSQL exporter"},
    "monitoring": {
        9090: "Prometheus (basic auth)",
        9093: "Alertmanager (basic auth)",
        9188: "platform exporter (lake writer, ETL, OpenSearch, TLS)",
    },
    "airflow_scheduler": {
        8080: "Airflow api-server (UI, REST and execution API)",
        8794: "Airflow triggerer log server",
    },
    "airflow_worker": {8793: "Airflow Celery worker log server"},
}
# Processes that listen on ports the kernel picks (its ephemeral range), by group and unit.
EPHEMERAL_UNITS: dict[str, dict[str, str]] = {
    "yarn_nodemanager": {
        "yarn-nodemanager.service": "YARN containers (Spark ApplicationMasters, drivers in "
        "cluster mode and executors) run in the NodeManager's unit and bind Spark's RPC, "
        "block manager and UI ports to free ones",
    },
    "lake_writer": {
        "bdp-lake-writer.service": "the lake writer's driver (client mode) binds Spark's "
        "driver RPC and block manager ports to free ones",
    },
}
# What may listen on UDP, by inventory group (UDP port -> service).
EXPECTED_UDP_PORTS: dict[str, dict[int, str]] = {
    "kerberos_kdc": {88: "Kerberos KDC", 464: "kpasswd"},
}
RULES = PortRules(EXPECTED_PORTS, EPHEMERAL_UNITS, EXPECTED_UDP_PORTS)


@pytest.fixture(scope="module")
def host_groups() -> dict[str, set[str]]:
    resolved = listing(REPO / "inventories" / "lab")
    groups = {host: {"all"} for host in HOSTS}
    for group, members in resolved.items():
        for host in members.get("hosts", []) if group != "_meta" else []:
            groups[host].add(group)
    return groups


def test_the_port_rules_name_inventory_groups(host_groups):
    known = set().union(*host_groups.values())
    assert set(EXPECTED_PORTS) | set(EXPECTED_UDP_PORTS) | set(EPHEMERAL_UNITS) <= known


def test_only_the_intended_ports_listen(host_groups):
    started = time.monotonic()
    results = on_hosts("all", LISTENERS_COMMAND)
    stage("listening sockets of 13 hosts", started)
    assert sorted(results) == sorted(HOSTS), results
    failed = {host: result.output[-500:] for host, result in results.items() if result.rc != 0}
    assert not failed, failed
    found = {host: parse_listeners(result.output) for host, result in results.items()}
    wrong, idle = {}, {}
    for host, listening in sorted(found.items()):
        groups = host_groups[host]
        ports = {listener.port for listener in listening.listeners if not listener.loopback}
        assert 22 in ports, f"{host}: sshd not seen, so the report cannot be trusted: {listening}"
        allowed = {port for group in groups for port in EXPECTED_PORTS.get(group, {})}
        loopback = [str(listener) for listener in listening.listeners if listener.loopback]
        ephemeral = [
            str(listener)
            for listener in listening.listeners
            if not listener.loopback and listener.port not in allowed
        ]
        print(f"[lab] {host}: loopback only: {', '.join(loopback) or 'none'}")
        print(f"[lab] {host}: other ports: {', '.join(ephemeral) or 'none'}")
        if stray := unexpected(RULES, groups, listening):
            wrong[host] = [str(listener) for listener in stray]
        idle[host] = sorted(allowed - ports)
    print(f"[lab] allowed but not listening: {idle}")
    assert not wrong, f"unexpected listeners on non-loopback addresses: {wrong}"
