"""Completing a day: compact its files to about the target size, then write `_SUCCESS`.

Crash-safe and idempotent. The compacted files are written under `<day>/_compacting/`
(invisible to Spark readers), renamed there to their final names, and only then a manifest
lists the files to move in and the files they replace. With a manifest present, completion
resumes by moving what is still in `_compacting/` and deleting what is still old; without
one, `_compacting/` is a torn attempt and starts over. `_SUCCESS` comes last, so readers
waiting for it never see a day twice or half.
"""

from __future__ import annotations

import math

from pyspark.sql import SparkSession

from bdp_jobs.hadoopfs import HadoopFS
from bdp_jobs.lake.files import data_entries, data_files
from bdp_jobs.lake.layout import COMPACTING, MANIFEST, SUCCESS, compacted_file
from bdp_jobs.lake.transforms import DAY


def file_count(total_bytes: int, target_bytes: int) -> int:
    return max(1, math.ceil(total_bytes / target_bytes))


def complete_day(spark: SparkSession, fs: HadoopFS, day_dir: str, target_bytes: int) -> bool:
    """Compact and mark `day_dir` (created if absent); False if it was already complete."""
    if fs.exists(f"{day_dir}/{SUCCESS}"):
        return False
    work = f"{day_dir}/{COMPACTING}"
    if not fs.exists(f"{work}/{MANIFEST}"):
        fs.delete(work)
        _compact(spark, fs, day_dir, target_bytes)
    if fs.exists(f"{work}/{MANIFEST}"):
        _apply(fs, day_dir)
    fs.mkdirs(day_dir)
    fs.touch(f"{day_dir}/{SUCCESS}")
    return True


def _compact(spark: SparkSession, fs: HadoopFS, day_dir: str, target_bytes: int) -> None:
    """Write the compacted files and their manifest, unless the day is small enough already."""
    entries = data_entries(fs, day_dir)
    wanted = file_count(sum(e.size for e in entries), target_bytes)
    if len(entries) <= wanted:
        return
    work = f"{day_dir}/{COMPACTING}"
    frame = spark.read.option("mergeSchema", "true").parquet(*[e.path for e in entries])
    # Files given by path carry no partition column; drop it should discovery add one.
    frame.drop(DAY).repartition(wanted).write.parquet(f"{work}/out")
    new = []
    for index, path in enumerate(data_files(fs, f"{work}/out")):
        new.append(compacted_file(index))
        fs.rename(path, f"{work}/{new[-1]}")
    fs.delete(f"{work}/out")
    fs.write_json(f"{work}/{MANIFEST}", {"new": new, "old": [e.name for e in entries]})


def _apply(fs: HadoopFS, day_dir: str) -> None:
    work = f"{day_dir}/{COMPACTING}"
    manifest = fs.read_json(f"{work}/{MANIFEST}")
    for name in manifest["new"]:
        if fs.exists(f"{work}/{name}"):
            fs.rename(f"{work}/{name}", f"{day_dir}/{name}")
    for name in manifest["old"]:
        fs.delete(f"{day_dir}/{name}")
    fs.delete(work)
