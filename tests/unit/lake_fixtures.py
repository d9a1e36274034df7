"""Small event schemas and Kafka-shaped rows for the lake writer's tests."""

import json
import uuid
from datetime import UTC, datetime

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


def kafka_frame(spark, records, source="game", partition=0, first_offset=0):
    """`records`: event dicts or raw strings, at consecutive offsets of one partition."""
    stamp = datetime(2026, 11, 1, tzinfo=UTC)
    rows = []
    for index, record in enumerate(records):
        value = record if isinstance(record, str) else json.dumps(record)
        key = b"k" if isinstance(record, str) else record["account"].encode()
        rows.append(
            (key, value.encode(), f"{source}.events", partition, first_offset + index, stamp, 0)
        )
    return spark.createDataFrame(rows, KAFKA_COLUMNS)
