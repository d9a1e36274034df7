"""Small event schemas and Kafka-shaped rows for the lake writer's tests."""

import json
import uuid
from datetime import UTC, datetime, timedelta

# The writer's clock and allowed future skew in tests of the pure transforms.
NOW = datetime(2026, 12, 1, tzinfo=UTC)
SKEW = timedelta(minutes=5)
NAMESPACE = uuid.UUID("6f1c1e8e-4b7a-5d2c-9a4e-3b1d2c0f7a11")
KAFKA_COLUMNS = (
    "key binary, value binary, topic string, partition int, offset long,"
    " timestamp timestamp, timestampType int"
)


def schema_document(source="game"):
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "required": ["event_time", "account", "method"],
        "properties": {
            "event_time": {"type": "string", "format": "date-time"},
            "account": {"type": "string"},
            "method": {"type": "string"},
            "x": {"type": ["integer", "null"]},
            "speed": {"type": ["number", "null"]},
            "cheater": {"type": "boolean"},
        },
        "x-bdp": {
            "source": source,
            "version": 1,
            "entity_key": "account",
            "event_time": "event_time",
        },
    }


def write_schemas(directory, sources=("game",)):
    for source in sources:
        (directory / f"{source}.json").write_text(json.dumps(schema_document(source)))
    return directory


def event(event_time, account="a1", method="/move", x=1, source="game"):
    body = {"event_time": event_time, "account": account, "method": method, "x": x}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return {**body, "event_id": str(uuid.uuid5(NAMESPACE, f"{source}:{canonical}"))}


def kafka_time(record):
    """The record's Kafka time: a collector produces an event when it is collected, which is
    at or after its event time; raw strings get a fixed time."""
    try:
        return datetime.fromisoformat(record["event_time"].replace("Z", "+00:00"))
    except (TypeError, KeyError, ValueError, AttributeError):
        return datetime(2026, 11, 1, tzinfo=UTC)


def kafka_frame(spark, records, source="game", partition=0, first_offset=0, stamp=None):
    """`records`: event dicts or raw strings, at consecutive offsets of one partition, each
    with `stamp` as its Kafka time (default: `kafka_time`)."""
    rows = []
    for index, record in enumerate(records):
        value = record if isinstance(record, str) else json.dumps(record)
        key = b"k" if isinstance(record, str) else record["account"].encode()
        offset = first_offset + index
        time = stamp or kafka_time(record)
        rows.append((key, value.encode(), f"{source}.events", partition, offset, time, 0))
    return spark.createDataFrame(rows, KAFKA_COLUMNS)
