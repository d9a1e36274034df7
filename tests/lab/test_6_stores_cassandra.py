"""Cassandra in the lab: a ring of 3, logins and grants, a rolling restart under writes."""

import datetime
import socket
import ssl
import threading
import time
import uuid

import pytest
from cassandra import AuthenticationFailed, ConsistencyLevel, Unauthorized
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, NoHostAvailable
from cassandra.policies import DCAwareRoundRobinPolicy
from cassandra.query import SimpleStatement

from bdp_testkit.helpers import run_tool
from labkit import HOSTS, PLATFORM_CA, lab_secret, on_host, rolling_restart_under_load

pytestmark = pytest.mark.lab

CASSANDRA_HOSTS = ["spark-worker-01", "spark-worker-02", "spark-worker-03"]
ADDRESSES = [HOSTS[name].address for name in CASSANDRA_HOSTS]
TABLES = {
    "game_player_profiles",
    "lodging_user_journeys",
    "raid_account_history",
    "ads_viewer_profiles",
}
FIRST_DAY = datetime.date(2000, 1, 1)


def cluster(user: str | None, password: str | None = None, **profile) -> Cluster:
    auth = PlainTextAuthProvider(username=user, password=password) if user else None
    options = {
        "load_balancing_policy": DCAwareRoundRobinPolicy(local_dc="dc1"),
        "request_timeout": 30,
        **profile,
    }
    return Cluster(
        ADDRESSES,
        auth_provider=auth,
        # TLS only, verifying each node's certificate and address with the platform CA.
        ssl_context=ssl.create_default_context(cafile=str(PLATFORM_CA)),
        execution_profiles={EXEC_PROFILE_DEFAULT: ExecutionProfile(**options)},
        # A busy 2-core lab answers in seconds: the driver's defaults are 2 s for its first
        # schema queries and 10 s per request.
        connect_timeout=20,
        control_connection_timeout=30,
    )


def as_role(role: str, **profile):
    """(cluster, session) logged in as one of the platform's roles."""
    name = {"bdp_admin": "admin"}.get(role, role)
    connected = cluster(role, lab_secret(f"vault_cassandra_{name}_password"), **profile)
    return connected, connected.connect()


def test_ring_has_three_nodes_up_and_normal():
    status = on_host(CASSANDRA_HOSTS[0], "nodetool status")
    nodes = [line.split()[:2] for line in status.splitlines() if line[:2] in {"UN", "DN", "UJ"}]
    assert sorted(nodes) == sorted(["UN", address] for address in ADDRESSES), status


def test_marts_and_system_auth_replicate_three_times_with_nts():
    connected, session = as_role("bdp_admin")
    try:
        rows = session.execute(
            "SELECT keyspace_name, replication FROM system_schema.keyspaces "
            "WHERE keyspace_name IN ('marts', 'system_auth')"
        )
        for row in rows:
            assert row.replication == {
                "class": "org.apache.cassandra.locator.NetworkTopologyStrategy",
                "dc1": "3",
            }, row
        tables = session.execute(
            "SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'marts'"
        )
        assert {row.table_name for row in tables} >= TABLES
    finally:
        connected.shutdown()


REFUSED = {
    "built-in cassandra/cassandra": ("cassandra", "cassandra"),
    "no credentials": (None, None),
    "wrong password": ("etl_writer", "wrong-password"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_login_without_valid_credentials_is_refused(case):
    refused = cluster(*REFUSED[case])
    try:
        with pytest.raises(NoHostAvailable) as failure:
            refused.connect()
    finally:
        refused.shutdown()
    errors = list(failure.value.errors.values())
    assert errors and all(isinstance(error, AuthenticationFailed) for error in errors), errors


def test_clients_without_tls_are_refused():
    """The right password in clear text: every node refuses the connection."""
    plain = Cluster(
        ADDRESSES,
        auth_provider=PlainTextAuthProvider(
            "etl_writer", lab_secret("vault_cassandra_etl_writer_password")
        ),
        connect_timeout=20,
        control_connection_timeout=30,
    )
    with pytest.raises(NoHostAvailable):
        plain.connect()
    plain.shutdown()


def internode_handshake(address: str) -> None:
    """A TLS connection to a node's internode port from this (foreign) machine, verifying the
    node with the platform CA but presenting no certificate of its own; raises when refused."""
    context = ssl.create_default_context(cafile=str(PLATFORM_CA))
    context.check_hostname = False  # the node's names are checked by the test below, not here
    with (
        socket.create_connection((address, 7000), timeout=20) as raw,
        context.wrap_socket(raw) as secure,
    ):
        secure.sendall(b"\x00" * 16)
        if not secure.recv(16):  # TLS 1.3: a refused client certificate shows on read
            raise ConnectionResetError("closed without a word")


@pytest.mark.parametrize("address", ADDRESSES)
def test_internode_port_refuses_hosts_without_a_node_certificate(address):
    with pytest.raises((ssl.SSLError, ConnectionError)):
        internode_handshake(address)
    with socket.create_connection((address, 7000), timeout=20) as raw:  # clear text
        raw.sendall(b"GET / HTTP/1.0\r\n\r\n")
        try:
            answer = raw.recv(64)
        except ConnectionResetError:
            answer = b""
    assert answer == b"" or answer.startswith(b"\x15"), answer  # closed, or a TLS alert


def test_etl_writer_writes_and_reads_back_at_local_quorum():
    account, marker = f"lab-{uuid.uuid4().hex}", uuid.uuid4().hex
    connected, session = as_role("etl_writer", consistency_level=ConsistencyLevel.LOCAL_QUORUM)
    try:
        session.execute(
            "INSERT INTO marts.game_player_profiles (account, dt, matches, champions, profile) "
            "VALUES (%s, %s, %s, %s, %s)",
            (account, FIRST_DAY, 2, {"ahri": 2}, f'{{"marker": "{marker}"}}'),
        )
        row = session.execute(
            "SELECT matches, champions, profile FROM marts.game_player_profiles "
            "WHERE account = %s AND dt = %s",
            (account, FIRST_DAY),
        ).one()
    finally:
        connected.shutdown()
    assert (row.matches, row.champions, row.profile) == (
        2,
        {"ahri": 2},
        f'{{"marker": "{marker}"}}',
    )


def test_analyst_reads_but_cannot_write():
    connected, session = as_role("analyst")
    try:
        session.execute("SELECT account FROM marts.ads_viewer_profiles LIMIT 1")
        with pytest.raises(Unauthorized):
            session.execute(
                "INSERT INTO marts.ads_viewer_profiles (account, dt) VALUES ('lab', '2000-01-01')"
            )
    finally:
        connected.shutdown()


@pytest.mark.slow  # a health play on the three nodes (about 1.5 min): make test-all
def test_health_play_checks_the_ring():
    health = run_tool(
        "ansible-playbook", "-i", "inventories/lab", "ansible/health.yml", "--limit", "cassandra"
    )
    assert health.returncode == 0, health.stdout[-4000:]
    assert "Cassandra health" in health.stdout


@pytest.mark.slow
def test_rolling_restart_keeps_every_acknowledged_quorum_write():
    account = f"lab-rolling-{uuid.uuid4().hex}"
    connected, session = as_role("etl_writer", consistency_level=ConsistencyLevel.QUORUM)
    insert = session.prepare(
        "INSERT INTO marts.raid_account_history (account, dt, raid_sessions) VALUES (?, ?, ?)"
    )
    insert.is_idempotent = True  # an upsert under a fixed key: the driver may retry it
    acknowledged: list[int] = []
    errors: list[Exception] = []

    def write_rows(stop: threading.Event) -> None:
        number = 0
        while not stop.is_set() and number < 3000:
            try:
                session.execute(insert, (account, FIRST_DAY + datetime.timedelta(number), number))
            except Exception as error:  # an unacknowledged write is retried, never counted
                errors.append(error)
                time.sleep(0.5)
                continue
            acknowledged.append(number)
            number += 1
            time.sleep(0.5)

    try:
        rolling_restart_under_load(
            "ansible/rolling_restart_cassandra.yml",
            CASSANDRA_HOSTS,
            "rolling restart of 3 Cassandra nodes under QUORUM writes",
            write_rows,
        )
        rows = session.execute(
            SimpleStatement(
                "SELECT raid_sessions FROM marts.raid_account_history WHERE account = %s",
                consistency_level=ConsistencyLevel.QUORUM,
                fetch_size=1000,
            ),
            (account,),
        )
        stored = sorted(row.raid_sessions for row in rows)
    finally:
        connected.shutdown()
    print(f"\n[lab] {len(acknowledged)} writes acknowledged, {len(errors)} retried", flush=True)
    assert len(acknowledged) > 100
    assert stored == acknowledged == list(range(len(acknowledged)))
