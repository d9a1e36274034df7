"""What the ETL transforms share: deterministic aggregates and the declared column types.

Spark's first()/collect_list() follow the row order a shuffle happens to produce, so a rerun
could pick another value or write another JSON document. These helpers order explicitly.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DataType,
    DateType,
    DoubleType,
    IntegerType,
    LongType,
    MapType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from bdp_jobs.etl.datasets import Dataset

# The raw row order every "latest" and every document list uses: event_id breaks ties.
EVENT_ORDER = ("event_time", "event_id")

SPARK_TYPES: dict[str, DataType] = {
    "string": StringType(),
    "int": IntegerType(),
    "bigint": LongType(),
    "double": DoubleType(),
    "boolean": BooleanType(),
    "date": DateType(),
    "timestamp": TimestampType(),
    "json": StringType(),
    "map<string,int>": MapType(StringType(), IntegerType()),
    "array<string>": ArrayType(StringType()),
}


def latest(value: str, skip_nulls: bool = False) -> Column:
    """Aggregate: `value` on the group's latest raw row (by event time, then event id).

    With `skip_nulls`, the latest row where `value` is not null (null if there is none).
    """
    row = F.struct(*EVENT_ORDER, F.col(value).alias("value"))
    if skip_nulls:
        row = F.when(F.col(value).isNotNull(), row)
    return F.max(row)["value"]


def count_where(condition: Column) -> Column:
    """Aggregate: rows where `condition` holds, as a bigint."""
    return F.count(F.when(condition, True))


def sorted_map(key: Column, value: Column) -> Column:
    """Aggregate: a map of the group's (key, value) pairs with the keys in order, so its JSON
    is the same on every run. Keys must be distinct and not null."""
    return F.map_from_entries(
        F.array_sort(F.collect_list(F.struct(key.alias("key"), value.alias("value"))))
    )


def sorted_list(*fields: str | Column) -> Column:
    """Aggregate: the group's rows as structs of `fields`, ordered by the fields in turn."""
    return F.array_sort(F.collect_list(F.struct(*fields)))


def document_row(
    frame: DataFrame, columns: list[str], name: str, document: Column, run_id: str
) -> DataFrame:
    """The layout of every Cassandra row: `columns`, the JSON text of `document` as `name`,
    then the run that wrote it."""
    return frame.select(*columns, F.to_json(document).alias(name), F.lit(run_id).alias("run_id"))


def declared_struct(dataset: Dataset) -> StructType:
    """The Spark schema a dataset's transform must return (nullability is not compared)."""
    return StructType([StructField(c.name, SPARK_TYPES[c.type], True) for c in dataset.columns])


def mismatches(actual: StructType, dataset: Dataset) -> list[str]:
    """How a transform's output differs from its declaration: names, order and types.

    Types compare by their simple strings: a container's nullability flag depends on how
    Spark built the column, and the stores do not care.
    """
    expected = declared_struct(dataset)
    problems = []
    if actual.fieldNames() != expected.fieldNames():
        problems.append(
            f"{dataset.source}.{dataset.name}: columns {actual.fieldNames()},"
            f" declared {expected.fieldNames()}"
        )
    declared = {field.name: field.dataType.simpleString() for field in expected.fields}
    for field in actual.fields:
        found = field.dataType.simpleString()
        if field.name in declared and found != declared[field.name]:
            problems.append(
                f"{dataset.source}.{dataset.name}: column {field.name} is {found},"
                f" declared {declared[field.name]}"
            )
    return problems


def conforms(actual: StructType, dataset: Dataset) -> None:
    """Raise ValueError naming every mismatch, before a writer sends anything."""
    problems = mismatches(actual, dataset)
    if problems:
        raise ValueError("; ".join(problems))
