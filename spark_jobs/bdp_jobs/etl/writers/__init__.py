"""One writer per declared kind; each replaces or upserts one day idempotently.

`write` returns the rows the destination holds for the day after the write, read back from
the store where it can count them by day (MySQL's partition, the lake's directory), so the
quality gate compares what landed, not what was sent.
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import DataFrame, SparkSession

from bdp_jobs.etl.datasets import Dataset
from bdp_jobs.etl.writers import cassandra, lake, mysql
from bdp_jobs.etl.writers.stores import Stores


def write(
    spark: SparkSession, dataset: Dataset, frame: DataFrame, day: date, stores: Stores
) -> int:
    """Route `frame` (the day's rows of `dataset`) by its declared kind."""
    if dataset.kind == "structured":
        return mysql.replace_day(spark, dataset.destination, frame, day, stores.warehouse)
    if dataset.kind == "semi-structured":
        return cassandra.upsert(frame, dataset.destination, stores.cassandra)
    return lake.overwrite_day(spark, frame, lake.located(dataset.destination, stores.lake), day)
