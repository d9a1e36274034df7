"""The data-quality measures a declaration asks for, computed on DataFrames (no I/O).

The DAG's quality task compares the two sides of each check and fails the run without a
retry when they differ: a rerun would see the same data.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from bdp_jobs.etl.datasets import DAY, Check, Dataset


def _total(column: str, declared: str) -> Column:
    """Aggregate: the column summed over rows; a map contributes the sum of its values."""
    if declared.startswith("map<"):
        values = F.aggregate(F.map_values(column), F.lit(0).cast("bigint"), lambda a, v: a + v)
        return F.sum(values)
    return F.sum(column)


def check_sides(
    check: Check, dataset: Dataset, raw: DataFrame, output: DataFrame
) -> tuple[int, int]:
    """(raw side, output side) of one reconciliation check; equal when the data is right.

    one-row-per-raw-key: distinct (dt, raw_key) among the raw rows matching raw_filter, and
    the output's rows. each-raw-event-counted-once: those raw rows, and the output's count
    columns summed.
    """
    selected = raw.where(check.raw_filter) if check.raw_filter else raw
    if check.rule == "one-row-per-raw-key":
        return selected.select(DAY, *check.raw_key).distinct().count(), output.count()
    types = {column.name: column.type for column in dataset.columns}
    parts = [_total(name, types[name]) for name in check.count_columns]
    counted = output.agg(sum(parts[1:], parts[0]).alias("n")).first()
    return selected.count(), int(counted["n"] or 0) if counted else 0


def duplicate_keys(dataset: Dataset, output: DataFrame) -> int:
    """Key values that more than one output row shares (0 when the key holds)."""
    return output.groupBy(*dataset.key).count().where(F.col("count") > 1).count()
