"""The MySQL warehouse in the lab: TLS-only users, grants, partitions, migrations, binlog.

Clients connect from the control machine (on the lab bridge, inside the users' host
pattern) with mysql-connector-python, verifying the server with the CA certificate the
play published on the Spark and Airflow hosts.
"""

import hashlib
import json
import shutil
import uuid
from datetime import date, timedelta

import mysql.connector
import pytest
import yaml

from bdp_testkit.helpers import REPO, play_recap, run_tool
from labkit import HOSTS, lab_secret, on_host

pytestmark = pytest.mark.lab

WAREHOUSE = "spark-master-01"
ADDRESS = HOSTS[WAREHOUSE].address
CLIENT = "spark-worker-01"  # a Spark/Airflow host that got the CA certificate
CA_ON_CLIENTS = "/etc/bdp/tls/platform-ca.crt"
DEFAULTS = yaml.safe_load((REPO / "roles/mariadb/defaults/main.yml").read_text())
FUTURE = DEFAULTS["mariadb_future_partitions"]
TABLES = {
    "game_player_match_features",
    "lodging_daily_funnel",
    "raid_session_summaries",
    "ads_daily_performance",
}
ACCESS_DENIED, TABLE_ACCESS_DENIED, INSECURE_TRANSPORT = 1045, 1142, 3159
ACCESS_DENIED_NO_PASSWORD = 1698


def host_output(host: str, command: str) -> str:
    """What a command printed on a lab host, without Ansible's header line."""
    return on_host(host, command).split("\n", 1)[1]


@pytest.fixture(scope="module")
def ca_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("warehouse") / "platform-ca.crt"
    path.write_text(host_output(CLIENT, f"cat {CA_ON_CLIENTS}"))
    assert path.read_text().startswith("-----BEGIN CERTIFICATE-----")
    return path


def connect(user: str, password: str, ca_file=None, **options):
    settings = {"ssl_ca": str(ca_file), "ssl_verify_cert": True, "ssl_verify_identity": True}
    return mysql.connector.connect(
        host=ADDRESS,
        port=3306,
        user=user,
        password=password,
        database="warehouse",
        connection_timeout=20,
        **(settings if ca_file else {}),
        **options,
    )


def writer(ca_file):
    # autocommit: in a session with autocommit off, MariaDB 10.11.18 fails EXCHANGE PARTITION
    # with a lock wait timeout (1205), even right after a COMMIT (seen in the lab).
    return connect(
        "etl_writer", lab_secret("vault_mysql_etl_writer_password"), ca_file, autocommit=True
    )


def analyst(ca_file):
    return connect("analyst", lab_secret("vault_mysql_analyst_password"), ca_file)


def query(connection, sql: str, params=()) -> list[tuple]:
    cursor = connection.cursor()
    cursor.execute(sql, params)
    rows = cursor.fetchall() if cursor.with_rows else []
    cursor.close()
    return rows


def refusal(**connect_options) -> int:
    with pytest.raises(mysql.connector.Error) as error:
        connect(**connect_options).close()
    return error.value.errno


def test_etl_writer_connects_with_tls_and_swaps_a_day_in_by_partition_exchange(ca_file):
    room = f"lab-{uuid.uuid4().hex[:12]}"
    connection = writer(ca_file)
    try:
        ((_, cipher),) = query(connection, "SHOW SESSION STATUS LIKE 'Ssl_cipher'")
        assert cipher, "the session is not encrypted"
        ((today,),) = query(connection, "SELECT UTC_DATE()")
        day = today + timedelta(days=FUTURE)  # the newest partition: no other test writes there
        stage = f"stage_{room.replace('-', '_')}"
        for sql in (
            f"CREATE TABLE {stage} LIKE game_player_match_features",
            f"ALTER TABLE {stage} REMOVE PARTITIONING",
            f"INSERT INTO {stage} VALUES ('{day}', '{room}', 'acc-1', 'ahri', 10, 3.5, 1.2, 0, "
            "2, 1, FALSE)",
            f"ALTER TABLE game_player_match_features EXCHANGE PARTITION p{day:%Y%m%d} "
            f"WITH TABLE {stage}",
            f"DROP TABLE {stage}",
        ):
            query(connection, sql)
        reader = analyst(ca_file)
        rows = query(
            reader,
            "SELECT dt, account, moves FROM game_player_match_features WHERE room_id = %s",
            (room,),
        )
        reader.close()
        assert rows == [(day, "acc-1", 10)]
    finally:
        query(connection, "DELETE FROM game_player_match_features WHERE room_id = %s", (room,))
        connection.close()


def test_etl_writer_has_nothing_outside_the_warehouse_database(ca_file):
    connection = writer(ca_file)
    try:
        with pytest.raises(mysql.connector.Error) as error:
            query(connection, "SELECT User FROM mysql.user")
        assert error.value.errno == TABLE_ACCESS_DENIED
    finally:
        connection.close()


def test_analyst_reads_but_cannot_write(ca_file):
    connection = analyst(ca_file)
    try:
        tables = {row[0] for row in query(connection, "SHOW TABLES")}
        assert tables >= TABLES
        assert query(connection, "SELECT COUNT(*) FROM lodging_daily_funnel")[0][0] >= 0
        with pytest.raises(mysql.connector.Error) as error:
            query(
                connection,
                "INSERT INTO lodging_daily_funnel VALUES (UTC_DATE(), 'x', 'f', '20s', 1, 0, 0)",
            )
        assert error.value.errno == TABLE_ACCESS_DENIED
    finally:
        connection.close()


def test_a_client_trusting_other_cas_rejects_the_server():
    with pytest.raises(mysql.connector.Error, match="certificate verify failed"):
        connect(
            "analyst",
            lab_secret("vault_mysql_analyst_password"),
            "/etc/ssl/certs/ca-certificates.crt",
        ).close()


def test_etl_writer_without_tls_is_refused():
    errno = refusal(
        user="etl_writer",
        password=lab_secret("vault_mysql_etl_writer_password"),
        ssl_disabled=True,
    )
    assert errno in (INSECURE_TRANSPORT, ACCESS_DENIED)


def test_a_wrong_password_is_refused(ca_file):
    errno = refusal(user="etl_writer", password="wrong-password", ca_file=ca_file)
    assert errno == ACCESS_DENIED


def test_root_cannot_log_in_over_tcp(ca_file):
    for password in ("", "guess"):
        errno = refusal(user="root", password=password, ca_file=ca_file)
        assert errno in (ACCESS_DENIED, ACCESS_DENIED_NO_PASSWORD)
    # not even on the warehouse host itself, where the socket login works
    local = on_host(
        WAREHOUSE,
        f"mariadb --protocol=TCP --ssl -h {ADDRESS} -u root -e 'SELECT 1' 2>&1; "
        "mariadb -u root -N -e 'SELECT CURRENT_USER()'",
    )
    assert "Access denied for user 'root'" in local and "root@localhost" in local


def test_partitions_exist_for_today_through_the_future_days(ca_file):
    connection = analyst(ca_file)
    try:
        ((today,),) = query(connection, "SELECT UTC_DATE()")  # lab bdp_timezone is UTC
        rows = query(
            connection,
            "SELECT TABLE_NAME, PARTITION_NAME FROM information_schema.PARTITIONS "
            "WHERE TABLE_SCHEMA = 'warehouse'",
        )
    finally:
        connection.close()
    wanted = {f"p{today + timedelta(days=n):%Y%m%d}" for n in range(FUTURE + 1)}
    for table in TABLES:
        names = {name for owner, name in rows if owner == table}
        assert wanted <= names, f"{table} lacks {sorted(wanted - names)}"


def test_partition_tool_plans_the_next_day_without_changing_anything():
    today = date.fromisoformat(host_output(WAREHOUSE, "date -u +%F").strip())
    now = json.loads(host_output(WAREHOUSE, "bdp-warehouse-partitions --dry-run"))
    assert set(now["tables"]) == TABLES
    assert all(t["added"] == t["dropped"] == 0 for t in now["tables"].values()), now
    next_day = today + timedelta(days=1)
    tomorrow = json.loads(
        host_output(WAREHOUSE, f"bdp-warehouse-partitions --dry-run --today {next_day}")
    )
    # one day more and one expired day less, in every table
    assert all(t["added"] == t["dropped"] == 1 for t in tomorrow["tables"].values()), tomorrow
    assert "active" in host_output(WAREHOUSE, "systemctl is-active bdp-warehouse-partitions.timer")


def test_binary_log_is_on_and_row_based(ca_file):
    connection = analyst(ca_file)
    try:
        settings = dict(
            query(
                connection,
                "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('log_bin', 'binlog_format')",
            )
        )
    finally:
        connection.close()
    assert settings == {"log_bin": "ON", "binlog_format": "ROW"}


def warehouse_play(*extra: str):
    """The warehouse play on the warehouse host only (the CA's copies are not at stake)."""
    return run_tool(
        "ansible-playbook",
        "-i",
        "inventories/lab",
        "ansible/warehouse.yml",
        "--limit",
        WAREHOUSE,
        *extra,
    )


@pytest.mark.slow  # a warehouse play run (about 1 min): make test-all
def test_an_edited_applied_migration_stops_the_play(tmp_path):
    scratch = tmp_path / "warehouse"
    shutil.copytree(REPO / "schemas" / "warehouse", scratch)
    edited = scratch / "V001__game_player_match_features.sql"
    applied = hashlib.sha256(edited.read_bytes()).hexdigest()
    edited.write_text(edited.read_text() + "-- an edit after the fact\n")
    now = hashlib.sha256(edited.read_bytes()).hexdigest()
    try:
        refused = warehouse_play("-e", f"mariadb_migrations_source={scratch}")
        assert refused.returncode != 0
        message = " ".join(refused.stdout.split())
        assert (
            f"warehouse migration conflict: {edited.name} was applied with SHA-256 {applied} "
            f"but the file now has SHA-256 {now}" in message
        ), refused.stdout[-3000:]
    finally:
        restored = warehouse_play()  # puts the repository's migrations back on the host
    assert restored.returncode == 0, restored.stdout[-3000:]
    assert play_recap(restored.stdout)[WAREHOUSE]["failed"] == 0
