"""Structured outputs: replace one day of a MySQL table RANGE-partitioned by dt, atomically.

The day is written into a staging table shaped like the target (without partitioning), then
swapped in with `ALTER TABLE ... EXCHANGE PARTITION`: readers see the old day or the new one,
never half of either, and a retry starts again from an empty staging table.
Statements go through JDBC from the driver (py4j); rows go from the executors in batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from pyspark.sql import DataFrame, SparkSession

from bdp_jobs.etl.writers.stores import Warehouse

DRIVER = "org.mariadb.jdbc.Driver"


class WarehouseWriteError(RuntimeError):
    """The warehouse refused the day; the message names the table and partition."""


def quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def partition_name(day: date) -> str:
    """The daily partition's name, as bdp-warehouse-partitions creates it."""
    return f"p{day:%Y%m%d}"


def staging_table(table: str, day: date) -> str:
    """One staging table per table and day, so concurrent days never share one."""
    return f"{table}__stage_{day:%Y%m%d}"


def replace_day_statements(table: str, day: date) -> tuple[list[str], list[str]]:
    """(before the rows are loaded, after): the staging table's life and the exchange."""
    target, stage = quote(table), quote(staging_table(table, day))
    prepare = [
        f"DROP TABLE IF EXISTS {stage}",
        f"CREATE TABLE {stage} LIKE {target}",
        f"ALTER TABLE {stage} REMOVE PARTITIONING",
    ]
    swap = [
        f"ALTER TABLE {target} EXCHANGE PARTITION {partition_name(day)} WITH TABLE {stage}",
        f"DROP TABLE {stage}",
    ]
    return prepare, swap


@contextmanager
def connection(spark: SparkSession, warehouse: Warehouse) -> Iterator[Any]:
    """A JDBC connection of the driver JVM (auto-commit: every DDL statement commits anyway)."""
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    # Spark's registry makes a driver of a --jars jar visible to java.sql.DriverManager.
    jvm.org.apache.spark.sql.execution.datasources.jdbc.DriverRegistry.register(DRIVER)
    properties = jvm.java.util.Properties()
    properties.setProperty("user", warehouse.user)
    properties.setProperty("password", warehouse.password)
    conn = jvm.java.sql.DriverManager.getConnection(warehouse.url, properties)
    try:
        yield conn
    finally:
        conn.close()


def execute(conn: Any, statement: str) -> None:
    handle = conn.createStatement()
    try:
        handle.execute(statement)
    finally:
        handle.close()


def _single_number(conn: Any, query: str) -> int:
    handle = conn.createStatement()
    try:
        result = handle.executeQuery(query)
        result.next()
        return int(result.getLong(1))
    finally:
        handle.close()


def count_day(conn: Any, warehouse: Warehouse, table: str, day: date) -> int:
    """Rows of the day's partition; raises if the partition does not exist."""
    exists = _single_number(
        conn,
        "SELECT COUNT(*) FROM information_schema.PARTITIONS"
        f" WHERE TABLE_SCHEMA = '{warehouse.database}' AND TABLE_NAME = '{table}'"
        f" AND PARTITION_NAME = '{partition_name(day)}'",
    )
    if not exists:
        raise WarehouseWriteError(
            f"{warehouse.database}.{table} has no partition {partition_name(day)} for {day};"
            " bdp-warehouse-partitions keeps partitions from today minus the retention to"
            " today plus mariadb_future_partitions (run it, or widen them, then retry)"
        )
    return _single_number(
        conn, f"SELECT COUNT(*) FROM {quote(table)} PARTITION ({partition_name(day)})"
    )


def jdbc_options(warehouse: Warehouse, table: str) -> dict[str, str]:
    return {
        "url": warehouse.url,
        "driver": DRIVER,
        "dbtable": quote(table),
        "user": warehouse.user,
        "password": warehouse.password,
        "batchsize": str(warehouse.batch_rows),
        # One transaction per partition's batches is what InnoDB loads fastest; the staging
        # table is invisible to readers, so no isolation is needed.
        "isolationLevel": "NONE",
    }


def replace_day(
    spark: SparkSession, table: str, frame: DataFrame, day: date, warehouse: Warehouse
) -> int:
    """Make `frame` the whole of `table`'s day `day`; return the partition's rows after."""
    prepare, swap = replace_day_statements(table, day)
    with connection(spark, warehouse) as conn:
        count_day(conn, warehouse, table, day)  # fails early on a missing partition
        for statement in prepare:
            execute(conn, statement)
        frame.coalesce(warehouse.connections).write.format("jdbc").options(
            **jdbc_options(warehouse, staging_table(table, day))
        ).mode("append").save()
        for statement in swap:
            execute(conn, statement)
        return count_day(conn, warehouse, table, day)
