"""The lake writer's file moves: land a batch under names that carry its id, find, drop."""

from __future__ import annotations

from datetime import date

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StringType, StructField, StructType

from bdp_jobs.hadoopfs import Entry, HadoopFS
from bdp_jobs.lake.layout import (
    SUCCESS,
    batch_file,
    batch_prefix,
    day_dir_name,
    is_data_file,
    parse_day_dir,
)
from bdp_jobs.lake.transforms import DAY, EVENT_ID


def data_entries(fs: HadoopFS, directory: str) -> list[Entry]:
    return [e for e in fs.list(directory) if not e.is_dir and is_data_file(e.name)]


def data_files(fs: HadoopFS, directory: str) -> list[str]:
    return [e.path for e in data_entries(fs, directory)]


def day_dirs(fs: HadoopFS, area: str) -> dict[date, bool]:
    """Each `dt=` directory's day in `area`, and whether it has its _SUCCESS."""
    found = {}
    for entry in fs.list(area):
        day = parse_day_dir(entry.name) if entry.is_dir else None
        if day is not None:
            found[day] = fs.exists(f"{area}/{entry.name}/{SUCCESS}")
    return found


def land(fs: HadoopFS, frame: DataFrame, staging: str, area: str, batch_id: int) -> int:
    """Write `frame` to `area` as batch `batch_id`'s files; by day if it has `dt`.

    Spark writes under `staging` (random names); each file then moves into place as
    `part-b<batch>-<k>.parquet`. The names depend only on the batch id and the order of the
    staged files, so a replay lands the same names after dropping the earlier attempt's.
    """
    fs.delete(staging)
    by_day = DAY in frame.columns
    if by_day:
        frame.repartition(DAY).write.partitionBy(DAY).parquet(staging)
        groups = [(e.path, f"{area}/{e.name}") for e in fs.list(staging) if e.is_dir]
    else:
        frame.coalesce(1).write.parquet(staging)
        groups = [(staging, area)]
    moved = 0
    for source_dir, target_dir in groups:
        for index, path in enumerate(data_files(fs, source_dir)):
            fs.rename(path, f"{target_dir}/{batch_file(batch_id, index)}")
            moved += 1
    fs.delete(staging)
    return moved


def drop_batch_files(fs: HadoopFS, areas: list[str], batch_id: int) -> int:
    """Delete what an interrupted attempt of `batch_id` landed in `areas` (any day)."""
    prefix = batch_prefix(batch_id)
    dropped = 0
    for area in areas:
        for pattern in (f"{area}/{prefix}*", f"{area}/dt=*/{prefix}*"):
            for entry in fs.glob(pattern):
                fs.delete(entry.path)
                dropped += 1
    return dropped


def stored_ids(
    spark: SparkSession, fs: HadoopFS, areas: list[str], days: list[date]
) -> DataFrame | None:
    """The event ids already in `areas` for `days`, or None when there are none."""
    files = [
        path
        for area in areas
        for day in days
        for path in data_files(fs, f"{area}/{day_dir_name(day)}")
    ]
    if not files:
        return None
    ids = StructType([StructField(EVENT_ID, StringType(), True)])
    return spark.read.schema(ids).parquet(*files)
