"""Lab job: every row the daily ETL stored for some days, from MySQL, Cassandra and the lake.

Run with spark-submit in local mode on an Airflow worker (it has the JDBC jar, the stores'
settings, the Cassandra driver and the declarations). Prints one JSON line per stored row:
{"source", "dataset", "row"}, and per event in /lake/late one with dataset "_late"; the ETL lab
test compares them with the simulator's events.
"""

import argparse
import json
import sys
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from bdp_jobs.etl.datasets import load_all


def mysql_rows(spark, stores, table, days):
    warehouse = stores["warehouse"]
    in_days = ", ".join(f"'{day}'" for day in days)
    query = f"(SELECT * FROM {table} WHERE dt IN ({in_days})) AS day_rows"
    frame = (
        spark.read.format("jdbc")
        .options(url=warehouse["url"], driver="org.mariadb.jdbc.Driver", dbtable=query,
                 user=warehouse["user"], password=warehouse["password"])
        .load()
    )  # fmt: skip
    return [row.asDict() for row in frame.collect()]


def cassandra_rows(stores, table, days):
    import ssl

    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import Cluster

    settings = stores["cassandra"]
    cluster = Cluster(
        settings["hosts"],
        port=settings["port"],
        auth_provider=PlainTextAuthProvider(settings["user"], settings["password"]),
        ssl_context=ssl.create_default_context(cafile=settings["ca_file"]),
    )
    try:
        session = cluster.connect()
        rows = session.execute(f"SELECT * FROM {table}")
        return [row._asdict() for row in rows if str(row.dt) in days]
    finally:
        cluster.shutdown()


def exists(spark, location):
    path = spark.sparkContext._jvm.org.apache.hadoop.fs.Path(location)
    return path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).exists(path)


def lake_rows(spark, path, days):
    """The rows of `days` in a curated dataset (none before the ETL first wrote it)."""
    if not exists(spark, path):
        return []
    frame = spark.read.parquet(path).where(F.col("dt").cast("string").isin(days))
    return [row.asDict() for row in frame.collect()]


def late_ids(spark, source, days):
    """(event_id, dt) of the source's events in /lake/late: they are not in the raw days."""
    root = f"/lake/late/{source}"
    if not exists(spark, root):
        return []
    frame = spark.read.option("basePath", root).parquet(root)
    chosen = frame.where(F.col("dt").cast("string").isin(days))
    return [row.asDict() for row in chosen.select("event_id", "dt").collect()]


def plain(value):
    """A store's value as JSON: maps as objects, sets (Cassandra) as sorted lists."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return sorted(value)
    return str(value)


def emit(source: str, dataset: str, row: dict) -> None:
    line = {"source": source, "dataset": dataset, "row": row}
    sys.stdout.write(json.dumps(line, default=plain, sort_keys=True) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schemas", required=True, help="directory with events/, datasets/")
    parser.add_argument("--stores", required=True, help="the etl role's stores.json")
    parser.add_argument("--days", required=True, help="comma-separated YYYY-MM-DD")
    args = parser.parse_args()
    days = args.days.split(",")
    stores = json.loads(Path(args.stores).read_text(encoding="utf-8"))
    spark = SparkSession.builder.appName("bdp-etl-outputs").getOrCreate()
    for source, datasets in load_all(args.schemas).items():
        for row in late_ids(spark, source, days):
            emit(source, "_late", row)
        for dataset in datasets:
            if dataset.kind == "structured":
                rows = mysql_rows(spark, stores, dataset.destination, days)
            elif dataset.kind == "semi-structured":
                rows = cassandra_rows(stores, dataset.destination, days)
            else:
                rows = lake_rows(spark, dataset.destination, days)
            for row in rows:
                emit(source, dataset.name, row)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
