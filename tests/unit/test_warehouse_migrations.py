"""Planning the warehouse's schema migrations: order, checksums and conflicts."""

import hashlib

import pytest

from bdp_runtime.warehouse import WarehouseError
from bdp_runtime.warehouse.migrations import REWORDED, migration, pending, statements
from bdp_testkit.helpers import REPO

V1 = migration("V001__first.sql", b"CREATE TABLE a (dt DATE);\n")
V2 = migration("V002__second.sql", b"CREATE TABLE b (dt DATE);\n")
V10 = migration("V010__tenth.sql", b"CREATE TABLE c (dt DATE);\n")


def test_a_migration_is_named_by_version_and_summed_over_its_bytes():
    assert V1.version == 1 and V10.version == 10
    assert V1.checksum == hashlib.sha256(b"CREATE TABLE a (dt DATE);\n").hexdigest()


@pytest.mark.parametrize("name", ["001__x.sql", "V1_x.sql", "V001__X.sql", "V001__x.txt"])
def test_badly_named_files_are_refused(name):
    with pytest.raises(WarehouseError, match=r"V001__lower_case_description\.sql"):
        migration(name, b"")


def test_a_new_database_gets_every_migration_in_numeric_order():
    assert pending({}, [V10, V2, V1]) == [V1, V2, V10]


def test_applied_migrations_are_not_applied_again():
    assert pending({1: V1.checksum, 2: V2.checksum}, [V1, V2, V10]) == [V10]
    assert pending({1: V1.checksum, 2: V2.checksum, 10: V10.checksum}, [V1, V2, V10]) == []


def test_an_applied_migration_whose_file_changed_is_a_conflict_naming_both_checksums():
    edited = migration("V002__second.sql", b"CREATE TABLE b (dt DATE, x INT);\n")
    with pytest.raises(WarehouseError) as error:
        pending({1: V1.checksum, 2: V2.checksum}, [V1, edited])
    message = str(error.value)
    assert "conflict: V002__second.sql" in message
    assert V2.checksum in message and edited.checksum in message


def test_two_files_with_one_version_are_refused():
    twin = migration("V002__other.sql", b"SELECT 1;\n")
    with pytest.raises(WarehouseError, match=r"V002__other\.sql and V002__second\.sql share"):
        pending({}, [V1, V2, twin])


def test_a_recorded_migration_without_its_file_is_refused():
    with pytest.raises(WarehouseError, match=r"version\(s\) 2 are recorded as applied"):
        pending({1: V1.checksum, 2: V2.checksum}, [V1])


def test_a_new_file_numbered_below_an_applied_one_is_refused():
    with pytest.raises(WarehouseError, match=r"V002__second\.sql come before version 10"):
        pending({1: V1.checksum, 10: V10.checksum}, [V1, V2, V10])


def test_statements_are_split_at_semicolons_that_end_a_line_and_comments_dropped():
    sql = (
        "-- a comment; with a semicolon;\n"
        "CREATE TABLE t (\n  note VARCHAR(9) DEFAULT 'a;b'\n);\n"
        "  -- indented comment\n"
        "ALTER TABLE t ADD COLUMN n INT ;  \n"
        "\n"
    )
    assert statements(sql) == [
        "CREATE TABLE t (\n  note VARCHAR(9) DEFAULT 'a;b'\n)",
        "ALTER TABLE t ADD COLUMN n INT",
    ]


def test_the_repository_migrations_plan_cleanly_and_partition_every_table_by_dt():
    files = sorted((REPO / "schemas" / "warehouse").glob("*.sql"))
    migrations = [migration(path.name, path.read_bytes()) for path in files]
    assert [m.version for m in pending({}, migrations)] == list(range(1, len(files) + 1))
    for item in migrations:
        (create,) = statements(item.sql)
        assert "PARTITION BY RANGE COLUMNS (dt)" in create, item.name
        assert "PRIMARY KEY (dt, " in create, item.name  # the partition column in every key


def repository_migration(name: str):
    path = REPO / "schemas" / "warehouse" / name
    return migration(name, path.read_bytes())


@pytest.mark.parametrize("name", sorted(REWORDED))
def test_a_reworded_file_is_still_the_migration_applied_before_the_rewording(name):
    item = repository_migration(name)
    former, _ = REWORDED[name]
    assert former != item.checksum
    assert pending({item.version: former}, [item]) == []


def test_a_reworded_file_whose_statements_changed_is_a_conflict():
    name = sorted(REWORDED)[0]
    item = repository_migration(name)
    edited = migration(
        name, item.sql.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS").encode()
    )
    with pytest.raises(WarehouseError, match="migration conflict"):
        pending({item.version: REWORDED[name][0]}, [edited])
