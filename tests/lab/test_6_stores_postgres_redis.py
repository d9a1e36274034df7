"""Airflow's stores in the lab: Redis as the Celery broker, PostgreSQL for the metadata.

Redis is driven from the control machine (it accepts any address that knows the
password); PostgreSQL from spark-master-01, an Airflow host that pg_hba.conf allows, and
from the control machine, which it must refuse.
"""

import ssl
import time
import uuid

import psycopg
import pytest
import redis
from celery import Celery
from celery.contrib.testing.worker import start_worker
from seccheck import found_secrets

from bdp_testkit.helpers import play_recap, run_tool
from labkit import (
    HOSTS,
    LAB,
    PLATFORM_CA,
    REDIS_HOST,
    REDIS_PORT,
    lab_secret,
    on_host,
    redis_inline_ping,
)

pytestmark = pytest.mark.lab

DB_HOST = "airflow-db-01"
AIRFLOW_HOST = "spark-master-01"  # in airflow_scheduler, so pg_hba.conf lets it in
REDIS_ADDRESS = HOSTS[REDIS_HOST].address
DB_ADDRESS = HOSTS[DB_HOST].address
# Database 15, so the probes never touch Airflow's queues in database 0.
PROBE_DB = 15
SECRETS = ("vault_redis_password", "vault_redis_admin_password", "vault_postgres_airflow_password")


# How every client reaches the broker: TLS, verifying its certificate with the platform CA.
TLS = {"ssl_cert_reqs": ssl.CERT_REQUIRED, "ssl_ca_certs": str(PLATFORM_CA)}


def broker(password: str | None = None, username: str | None = None) -> redis.Redis:
    return redis.Redis(
        host=REDIS_ADDRESS,
        port=REDIS_PORT,
        db=PROBE_DB,
        username=username,
        password=password,
        socket_timeout=10,
        ssl=True,
        **TLS,
    )


def client() -> redis.Redis:
    return broker(lab_secret("vault_redis_password"))


def admin() -> redis.Redis:
    return broker(lab_secret("vault_redis_admin_password"), username="admin")


def test_redis_refuses_clients_without_the_password():
    assert redis_inline_ping().startswith(b"-NOAUTH ")
    with pytest.raises(redis.AuthenticationError, match="invalid username-password"):
        broker(f"wrong-{uuid.uuid4().hex}").ping()
    assert client().ping() is True


def test_redis_client_cannot_run_dangerous_commands():
    # Harmless if the ACL let them through: FLUSHDB empties only the probes' database.
    for command in (("FLUSHDB",), ("CONFIG", "GET", "maxmemory"), ("KEYS", "*")):
        with pytest.raises(redis.exceptions.NoPermissionError):
            client().execute_command(*command)


def test_redis_is_a_broker_that_never_evicts_and_keeps_an_aof():
    settings = admin().config_get("maxmemory*") | admin().config_get("append*")
    assert settings["maxmemory-policy"] == "noeviction"
    assert int(settings["maxmemory"]) > 0
    assert settings["appendonly"] == "yes"
    assert settings["appendfsync"] == "everysec"


def test_redis_queued_messages_survive_a_restart():
    queue, message = f"probe-{uuid.uuid4().hex}", uuid.uuid4().hex
    client().lpush(queue, message)
    time.sleep(2)  # appendfsync everysec
    on_host(REDIS_HOST, "systemctl restart redis-server")
    deadline = time.monotonic() + 60
    while True:
        try:
            restored = client().lrange(queue, 0, -1)
            break
        except (redis.ConnectionError, redis.BusyLoadingError):
            assert time.monotonic() < deadline, "Redis did not come back after its restart"
            time.sleep(1)
    client().delete(queue)
    assert restored == [message.encode()]


def test_redis_speaks_tls_only():
    """A clear-text client gets no answer, not even NOAUTH: nothing it sends is read as a
    command, and no queued task can be read off the wire."""
    answer = redis_inline_ping(tls=False)
    assert b"PONG" not in answer and b"NOAUTH" not in answer, answer
    with pytest.raises(redis.ConnectionError):
        redis.Redis(
            host=REDIS_ADDRESS,
            port=REDIS_PORT,
            password=lab_secret("vault_redis_password"),
            socket_timeout=10,
        ).ping()


def test_celery_round_trip_through_the_broker_as_the_client_user():
    """The default user's ACL leaves out the dangerous commands: Celery must not need them."""
    url = f"rediss://:{lab_secret('vault_redis_password')}@{REDIS_ADDRESS}:{REDIS_PORT}/{PROBE_DB}"
    app = Celery("bdp-lab-probe", broker=url, backend=url)
    app.conf.broker_use_ssl = app.conf.redis_backend_use_ssl = TLS
    app.conf.task_default_queue = f"probe-{uuid.uuid4().hex}"

    @app.task(name="probe.add")
    def add(a: int, b: int) -> int:
        return a + b

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        assert add.delay(20, 22).get(timeout=60) == 42


# The airflow user's password as deployed on the Airflow host, read there from the database
# URL in airflow.env (percent-encoded there; the lab's generated passwords need no encoding).
# Never templated into the command: the host's journal keeps every module invocation's
# arguments, and the security checks (test_9b_security.py) look there for secrets.
DEPLOYED_PASSWORD = (
    '"$(. /etc/bdp/airflow/airflow.env; url=${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN#*://airflow:}; '
    'printf %s "${url%%@*}")"'
)


def psql_from_airflow_host(
    password_expression: str, *statements: str, sslmode: str = "verify-full"
) -> str:
    """psql on the Airflow host as the airflow user, verifying the server's certificate with
    the platform CA as Airflow does; the shell on the host expands the password expression."""
    commands = " ".join(f"-c '{statement}'" for statement in statements)
    return on_host(
        AIRFLOW_HOST,
        f"PGPASSWORD={password_expression} psql -X -q -A -t -v ON_ERROR_STOP=1 {commands} "
        f"'host={DB_ADDRESS} port=5432 dbname=airflow user=airflow connect_timeout=10 "
        f"sslmode={sslmode} sslrootcert=/etc/bdp/tls/platform-ca.crt'",
        check=False,
    )


@pytest.fixture(scope="module")
def psql_on_airflow_host():
    """The PostgreSQL client on the Airflow host (the airflow role does not install one)."""
    installed = run_tool(
        "ansible",
        "-i",
        "inventories/lab",
        AIRFLOW_HOST,
        "-m",
        "ansible.builtin.apt",
        "-a",
        "name=postgresql-client state=present",
    )
    assert installed.returncode == 0, installed.stdout[-4000:]


@pytest.mark.usefixtures("psql_on_airflow_host")
def test_airflow_user_connects_from_an_airflow_host_and_owns_its_database():
    table = f"probe_{uuid.uuid4().hex}"
    output = psql_from_airflow_host(
        DEPLOYED_PASSWORD,
        "SELECT 1",
        f"CREATE TABLE {table} (id int)",  # Airflow's migrations create its tables
        f"DROP TABLE {table}",
        "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()",
    )
    assert "rc=0 >>" in output, output
    assert output.split(">>", 1)[1].split() == ["1", "airflow"], output


@pytest.mark.usefixtures("psql_on_airflow_host")
def test_airflow_user_with_a_wrong_password_is_refused():
    output = psql_from_airflow_host(f"wrong-{uuid.uuid4().hex}", "SELECT 1")
    assert 'password authentication failed for user "airflow"' in output, output


@pytest.mark.usefixtures("psql_on_airflow_host")
def test_airflow_user_without_tls_is_refused():
    """The right password from an Airflow host, but in clear text: pg_hba.conf's catch-all
    line rejects it (the Airflow hosts' lines are hostssl)."""
    output = psql_from_airflow_host(DEPLOYED_PASSWORD, "SELECT 1", sslmode="disable")
    assert "pg_hba.conf rejects connection" in output and "no encryption" in output, output


def test_postgresql_refuses_hosts_outside_the_airflow_groups():
    for user, password in [
        ("airflow", lab_secret("vault_postgres_airflow_password")),
        ("postgres", "any"),
    ]:
        with pytest.raises(
            psycopg.OperationalError, match=r"pg_hba\.conf rejects connection"
        ) as refused:
            psycopg.connect(
                host=DB_ADDRESS,
                port=5432,
                dbname="airflow",
                user=user,
                password=password,
                connect_timeout=10,
            )
        assert LAB.settings.control_address in str(refused.value)


def health_play(hosts: str, *extra: str):
    return run_tool(
        "ansible-playbook", "-i", "inventories/lab", "ansible/health.yml", "--limit", hosts, *extra
    )


def test_health_play_passes_and_shows_no_secret():
    health = health_play(f"{REDIS_HOST},{DB_HOST}")
    assert health.returncode == 0, health.stdout[-4000:]
    assert sorted(play_recap(health.stdout)) == sorted([REDIS_HOST, DB_HOST])
    output = (health.stdout + health.stderr).encode()
    assert found_secrets({name: lab_secret(name) for name in SECRETS}, output) == []


@pytest.mark.parametrize(
    ("variable", "host", "expected"),
    [
        (
            "redis_password",
            REDIS_HOST,
            "PING with the broker password (redis_password)",
        ),
        (
            "postgresql_airflow_password",
            DB_HOST,
            'password authentication failed for user "airflow"',
        ),
    ],
)
@pytest.mark.slow  # health plays with a wrong password (about 1 min each): make test-all
def test_health_play_names_a_wrong_password(variable, host, expected):
    health = health_play(host, "-e", f"{variable}=wrong-{uuid.uuid4().hex}")
    assert health.returncode != 0
    assert expected in " ".join(health.stdout.split()), health.stdout[-4000:]
