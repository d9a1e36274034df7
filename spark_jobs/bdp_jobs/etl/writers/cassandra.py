"""Semi-structured outputs: upserts into Cassandra by the table's deterministic primary key.

Each Spark partition opens one session and keeps `concurrency` prepared INSERTs in flight at
LOCAL_QUORUM. An INSERT of an existing key overwrites the row, so a retry or a rerun of the
day writes the same rows again instead of adding any.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from pyspark.sql import DataFrame, Row

from bdp_jobs.etl.writers.stores import Cassandra

CHUNK_ROWS = 10_000  # rows bound in memory at a time per Spark partition


def insert_statement(table: str, columns: Iterable[str]) -> str:
    names = list(columns)
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


def bind_value(value: Any) -> Any:
    """A Spark value as the driver binds it: arrays become sets (the tables use set<text>)."""
    return set(value) if isinstance(value, list) else value


def _session(settings: Cassandra) -> Any:
    # Imported here: only executors (and the benchmark) need the driver package.
    import ssl

    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
    from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy

    profile = ExecutionProfile(
        load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy(settings.local_dc)),
        consistency_level=_local_quorum(),
        request_timeout=30,
    )
    cluster = Cluster(
        list(settings.hosts),
        port=settings.port,
        auth_provider=PlainTextAuthProvider(settings.user, settings.password),
        # TLS, verifying each node's certificate and address with the platform CA.
        ssl_context=ssl.create_default_context(cafile=settings.ca_file),
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        schema_metadata_enabled=False,
    )
    return cluster.connect()


def _local_quorum() -> int:
    from cassandra import ConsistencyLevel

    return ConsistencyLevel.LOCAL_QUORUM


def upsert_rows(rows: Iterable[Row], table: str, settings: Cassandra) -> Iterator[int]:
    """Insert one Spark partition's rows; yields how many Cassandra acknowledged."""
    from cassandra.concurrent import execute_concurrent_with_args

    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        yield 0
        return
    session = _session(settings)
    try:
        statement = session.prepare(insert_statement(table, first.__fields__))
        statement.consistency_level = _local_quorum()
        written, chunk = 0, [first, *islice(rows, CHUNK_ROWS - 1)]
        while chunk:
            parameters = [tuple(bind_value(v) for v in row) for row in chunk]
            # The first failed write raises: the Spark task fails and its retry rewrites all.
            execute_concurrent_with_args(
                session, statement, parameters, concurrency=settings.concurrency
            )
            written += len(parameters)
            chunk = list(islice(rows, CHUNK_ROWS))
        yield written
    finally:
        session.cluster.shutdown()


def upsert(frame: DataFrame, table: str, settings: Cassandra) -> int:
    """Upsert every row of `frame` into `table` (keyspace.table); return the rows written."""
    return int(frame.rdd.mapPartitions(lambda rows: upsert_rows(rows, table, settings)).sum())
