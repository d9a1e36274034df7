"""Unstructured outputs: one day of a curated lake dataset, replaced by dynamic overwrite.

Only the `dt` partitions present in the frame are replaced; other days stay as they are.
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import DataFrame, SparkSession

from bdp_jobs.hadoopfs import HadoopFS
from bdp_jobs.lake.layout import day_dir_name

DECLARED_LAKE = "/lake"  # the lake root the declarations' destinations start with


def located(destination: str, lake: str) -> str:
    """A declared destination (/lake/curated/...) under the job's lake root."""
    return lake.rstrip("/") + destination.removeprefix(DECLARED_LAKE)


def overwrite_day(spark: SparkSession, frame: DataFrame, path: str, day: date) -> int:
    """Write `frame` (rows of `day` only) to `path`/dt=`day`; return the rows stored there."""
    stored = f"{path.rstrip('/')}/{day_dir_name(day)}"
    if frame.isEmpty():
        # Dynamic overwrite replaces only partitions it writes: an empty day must be removed.
        HadoopFS(spark, path).delete(stored)
        return 0
    frame.write.mode("overwrite").option("partitionOverwriteMode", "dynamic").partitionBy(
        "dt"
    ).parquet(path)
    return spark.read.parquet(stored).count()
