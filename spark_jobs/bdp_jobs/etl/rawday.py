"""One raw lake day as the ETL reads it: only complete days, unreadable files and rows set apart.

The lake writer closes a day with `_SUCCESS` (spark_jobs/README.md); before that the day may
still grow, so reading it is an error, not an empty day. A file Spark cannot open and a row
that breaks the event schema are kept in the rejects area and counted; the quality gate
decides whether there are too many of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import reduce

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DateType, StringType, StructField, StructType

from bdp_jobs.hadoopfs import HadoopFS
from bdp_jobs.lake.layout import day_dir_name, is_data_file
from bdp_jobs.sparkschema import EventSchema

REJECT_REASON = "reject_reason"


class IncompleteDay(RuntimeError):
    """The raw day has no `_SUCCESS` marker (yet): the lake writer has not closed it."""


@dataclass(frozen=True)
class RawDay:
    events: DataFrame  # valid rows: the schema's columns, event_id, dt
    rejected_rows: DataFrame  # the same columns plus reject_reason
    unreadable_files: tuple[str, ...]


def raw_struct(schema: EventSchema) -> StructType:
    """The raw lake's columns: the typed properties, then event_id and the day."""
    return StructType(
        [
            *schema.struct.fields,
            StructField("event_id", StringType()),
            StructField("dt", DateType()),
        ]
    )


def reject_reason(schema: EventSchema, day: date) -> Column:
    """Why a raw row is unusable, or null: a missing id or required property, an event time
    on another day (in the session time zone, which the job sets to the platform's)."""
    checks = [
        (F.col("event_id").isNull(), F.lit("event_id missing")),
        *(
            (F.col(name).isNull(), F.lit(f"required property {name} missing"))
            for name in schema.required
        ),
        (
            F.to_date(schema.event_time) != F.lit(day),
            F.lit(f"{schema.event_time} is not on {day}"),
        ),
    ]
    return reduce(lambda chain, check: chain.when(*check), checks[1:], F.when(*checks[0]))


def split_rows(frame: DataFrame, schema: EventSchema, day: date) -> tuple[DataFrame, DataFrame]:
    """(valid rows, rejected rows with their reason) of one raw day."""
    marked = frame.withColumn(REJECT_REASON, reject_reason(schema, day))
    valid = marked.where(F.col(REJECT_REASON).isNull()).drop(REJECT_REASON)
    return valid, marked.where(F.col(REJECT_REASON).isNotNull())


def _readable(spark: SparkSession, path: str, struct: StructType) -> bool:
    """Whether Spark can open the Parquet file (its footer and row groups' metadata)."""
    try:
        spark.read.schema(struct).parquet(path).count()
    except Exception:  # any failure to read sets the file apart
        return False
    return True


def read_day(
    spark: SparkSession, fs: HadoopFS, day_dir: str, schema: EventSchema, day: date
) -> RawDay:
    """The complete raw day in `day_dir` (…/raw/<source>/dt=D), split into valid and rejected."""
    if not fs.exists(f"{day_dir}/_SUCCESS"):
        raise IncompleteDay(
            f"{day_dir}: no _SUCCESS marker; the lake writer has not completed day {day} "
            "(the stream has not passed the end of the day plus the allowed lateness)"
        )
    struct = raw_struct(schema)
    files = [e.path for e in fs.list(day_dir) if not e.is_dir and is_data_file(e.name)]
    readable = [path for path in files if _readable(spark, path, struct)]
    unreadable = tuple(sorted(set(files) - set(readable)))
    without_day = StructType([f for f in struct.fields if f.name != "dt"])
    if readable:
        frame = spark.read.schema(without_day).parquet(*readable)
    else:
        frame = spark.createDataFrame([], without_day)
    # The directory names the day; the files do not carry it (it is the partition column).
    frame = frame.withColumn("dt", F.lit(day).cast("date"))
    valid, rejected = split_rows(frame, schema, day)
    return RawDay(valid, rejected, unreadable)


def day_path(lake: str, area: str, source: str, day: date) -> str:
    return f"{lake.rstrip('/')}/{area}/{source}/{day_dir_name(day)}"
