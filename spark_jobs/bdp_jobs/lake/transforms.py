"""The lake writer's DataFrame transformations (no I/O): parse, de-duplicate, route.

Input rows have the Kafka source's columns (key, value, topic, partition, offset, timestamp).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import reduce

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, StringType, StructField, StructType

from bdp_jobs.sparkschema import EventSchema

EVENT_ID = "event_id"
DAY = "dt"
REASON = "reject_reason"
LATE = "_late"
_PARSED = "_parsed"
_CORRUPT = "_corrupt_record"
FUTURE = "future"
# An RFC 3339 date-time (JSON Schema's format), which names its offset: Spark's cast would also
# take a time without one, in the session time zone, or a bare date. (Java regex: \z is the end.)
DATE_TIME = r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})\z"
# What a rejected row keeps: the record as Kafka held it, and why it was refused.
REJECT_COLUMNS = ("topic", "partition", "offset", "timestamp", "key", "value", REASON)


def event_columns(schema: EventSchema) -> list[str]:
    """The lake's columns, in order (the partition column `dt` comes last)."""
    return [*schema.struct.fieldNames(), EVENT_ID]


def _any(conditions: list[Column]) -> Column:
    return reduce(lambda a, b: a | b, conditions, F.lit(False))


def future_reason(schema: EventSchema, max_future_skew: timedelta) -> str:
    return (
        f"{FUTURE}: {schema.event_time} is more than {max_future_skew.total_seconds():g} s"
        " after the record's Kafka time (or the writer's clock), the max_future_skew"
    )


def _micros(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def parse_events(
    kafka_rows: DataFrame, schema: EventSchema, now: datetime, max_future_skew: timedelta
) -> DataFrame:
    """Typed event columns, `event_id`, `dt` and `reject_reason` (null when the row is good).

    `dt` is the date of the event time in the session time zone
    (spark.sql.session.timeZone), which the lake writer sets to the platform's. An event
    time later than the record's Kafka time plus `max_future_skew` is rejected, and so is one
    later than `now` plus the skew (a producer can set a record's time too); the Kafka time
    keeps the decision the same when a batch is replayed later.
    """
    text = StructType(
        [
            *schema.json_struct().fields,
            StructField(EVENT_ID, StringType(), True),
            StructField(_CORRUPT, StringType(), True),
        ]
    )
    value = F.col("value").cast("string")
    options = {
        "mode": "PERMISSIVE",
        "columnNameOfCorruptRecord": _CORRUPT,
        # JSON has no NaN or Infinity, which Spark reads by default (also "NaN" as a double).
        "allowNonNumericNumbers": "false",
    }
    parsed = F.from_json(value, text, options)
    frame = kafka_rows.withColumn("key", F.col("key").cast("string")).withColumn("value", value)
    frame = frame.withColumn(_PARSED, parsed)
    typed = [
        F.col(f"{_PARSED}.{name}").try_cast("timestamp").alias(name)
        if name in schema.timestamps
        else F.col(f"{_PARSED}.{name}").alias(name)
        for name in schema.struct.fieldNames()
    ]
    frame = frame.select(
        *[F.col(c) for c in ("topic", "partition", "offset", "timestamp", "key", "value")],
        F.col(_PARSED).alias(_PARSED),
        *typed,
        F.col(f"{_PARSED}.{EVENT_ID}").alias(EVENT_ID),
    )
    bad_time = [
        F.col(f"{_PARSED}.{n}").isNotNull()
        & (F.col(n).isNull() | ~F.col(f"{_PARSED}.{n}").rlike(DATE_TIME))
        for n in schema.timestamps
    ]
    # A number past a double's range (1e400) is still read, as Infinity.
    doubles = [f.name for f in schema.struct.fields if isinstance(f.dataType, DoubleType)]
    too_large = [F.col(n).isin(float("inf"), float("-inf")) for n in doubles]
    missing = [F.col(n).isNull() for n in schema.required]
    collected = F.least(F.unix_micros(F.col("timestamp")), F.lit(_micros(now)))
    skew = max_future_skew // timedelta(microseconds=1)
    future = F.unix_micros(F.col(schema.event_time)) > collected + F.lit(skew)
    reason = (
        F.when(F.col("value").isNull(), F.lit("empty value"))
        .when(~F.is_valid_utf8(F.col("value")), F.lit("the value is not UTF-8 text"))
        .when(
            F.col(_PARSED).isNull() | F.col(f"{_PARSED}.{_CORRUPT}").isNotNull(),
            F.lit("not a JSON object with the schema's types"),
        )
        .when(_any(bad_time), F.lit("a date-time property is not an ISO-8601 instant"))
        .when(_any(too_large), F.lit("a number property is out of a double's range"))
        .when(F.col(EVENT_ID).isNull(), F.lit("no event_id"))
        .when(_any(missing), F.lit("a required property is missing or null"))
        .when(future, F.lit(future_reason(schema, max_future_skew)))
    )
    return (
        frame.withColumn(REASON, reason)
        .withColumn(DAY, F.to_date(F.col(schema.event_time)))
        .drop(_PARSED)
    )


def accepted(parsed: DataFrame, schema: EventSchema) -> DataFrame:
    """The good rows, with the lake's columns and `dt`."""
    return parsed.where(F.col(REASON).isNull()).select(*event_columns(schema), DAY)


def rejected(parsed: DataFrame) -> DataFrame:
    return parsed.where(F.col(REASON).isNotNull()).select(*REJECT_COLUMNS)


def dedupe_batch(events: DataFrame) -> DataFrame:
    """One row per event_id. Equal ids mean equal events (the id hashes the content)."""
    return events.dropDuplicates([EVENT_ID])


def drop_stored(events: DataFrame, stored_ids: DataFrame | None) -> DataFrame:
    """The events whose id is not among `stored_ids` (one column, event_id)."""
    if stored_ids is None:
        return events
    return events.join(stored_ids.select(EVENT_ID).distinct(), EVENT_ID, "left_anti")


def mark_late(
    events: DataFrame, complete_through: date | None, complete_days: list[date]
) -> DataFrame:
    """Adds `_late`: true for events of a day already complete (through a date, or marked)."""
    late = F.col(DAY).isin(complete_days) if complete_days else F.lit(False)
    if complete_through is not None:
        late = late | (F.col(DAY) <= F.lit(complete_through))
    return events.withColumn(LATE, late)
