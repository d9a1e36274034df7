"""Event JSON Schemas (`<dir>/<source>.json`) as Spark types.

The platform's event schemas are flat JSON Schema objects whose properties are `string`,
`integer`, `number` or `boolean`, optionally `["<type>", "null"]`; a string with
`"format": "date-time"` becomes a timestamp. Anything else is refused with the file and the
property named, so a schema the jobs cannot represent fails at start, not mid-stream.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyspark.sql.types import (
    BooleanType,
    DataType,
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

# JSON integers may exceed 32 bits, so they are longs.
SCALARS: dict[str, DataType] = {
    "string": StringType(),
    "integer": LongType(),
    "number": DoubleType(),
    "boolean": BooleanType(),
}
# Keywords that would make a property nested, composite or conditional.
UNSUPPORTED = ("$ref", "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "items")
UNSUPPORTED += ("properties", "patternProperties", "additionalProperties", "prefixItems")


class SchemaError(ValueError):
    """A schema file the jobs cannot use; the message names the file and the property."""


@dataclass(frozen=True)
class EventSchema:
    source: str
    version: int
    struct: StructType  # the typed columns, in the schema's property order
    required: tuple[str, ...]
    timestamps: tuple[str, ...]  # date-time properties
    entity_key: str
    event_time: str

    def json_struct(self) -> StructType:
        """What the JSON text holds: date-time properties are still strings there."""
        return StructType(
            [
                StructField(f.name, StringType(), True)
                if f.name in self.timestamps
                else StructField(f.name, f.dataType, True)
                for f in self.struct.fields
            ]
        )


def _property_type(name: str, spec: Any, origin: str) -> tuple[DataType, bool]:
    """(Spark type, nullable) of one property."""
    where = f"{origin}: property {name!r}"
    if not isinstance(spec, Mapping):
        raise SchemaError(f"{where}: expected an object, got {type(spec).__name__}")
    found = [key for key in UNSUPPORTED if key in spec]
    if found:
        raise SchemaError(f"{where}: unsupported keyword(s) {', '.join(found)} (schemas are flat)")
    declared = spec.get("type")
    names = declared if isinstance(declared, list) else [declared]
    scalars = [t for t in names if t != "null"]
    if len(scalars) != 1 or scalars[0] not in SCALARS or len(names) > 2:
        raise SchemaError(
            f"{where}: type {declared!r} is not supported; use one of"
            f' {", ".join(SCALARS)}, optionally with "null"'
        )
    scalar, nullable = scalars[0], "null" in names
    if spec.get("format") == "date-time":
        if scalar != "string":
            raise SchemaError(f"{where}: format date-time needs type string, not {scalar}")
        return TimestampType(), nullable
    return SCALARS[scalar], nullable


def convert(document: Mapping[str, Any], origin: str) -> EventSchema:
    """The EventSchema of a parsed schema document; `origin` names it in errors."""
    if document.get("type") != "object" or not isinstance(document.get("properties"), Mapping):
        raise SchemaError(f"{origin}: expected a top-level object schema with properties")
    meta = document.get("x-bdp")
    if not isinstance(meta, Mapping) or not {"source", "event_time", "entity_key"} <= set(meta):
        raise SchemaError(f"{origin}: x-bdp must give source, version, entity_key and event_time")
    fields, timestamps = [], []
    for name, spec in document["properties"].items():
        data_type, nullable = _property_type(name, spec, origin)
        fields.append(StructField(name, data_type, nullable))
        if isinstance(data_type, TimestampType):
            timestamps.append(name)
    required = tuple(document.get("required", ()))
    event_time, entity_key = meta["event_time"], meta["entity_key"]
    names = {f.name for f in fields}
    for role, name in (("event_time", event_time), ("entity_key", entity_key)):
        if name not in names:
            raise SchemaError(f"{origin}: x-bdp {role} {name!r} is not a property")
    if event_time not in timestamps or event_time not in required:
        raise SchemaError(
            f"{origin}: property {event_time!r} (x-bdp event_time) must be a required"
            " date-time string"
        )
    unknown = sorted(set(required) - names)
    if unknown:
        raise SchemaError(f"{origin}: required names unknown properties {', '.join(unknown)}")
    if "event_id" in names:
        raise SchemaError(f"{origin}: property 'event_id' is reserved (the collector adds it)")
    return EventSchema(
        source=str(meta["source"]),
        version=int(meta.get("version", 1)),
        struct=StructType(fields),
        required=required,
        timestamps=tuple(timestamps),
        entity_key=entity_key,
        event_time=event_time,
    )


def load_schema(directory: str | Path, source: str) -> EventSchema:
    """The schema of `source` from `<directory>/<source>.json`."""
    path = Path(directory) / f"{source}.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SchemaError(f"{path}: no schema file for source {source!r}") from None
    except (OSError, ValueError) as exc:
        raise SchemaError(f"{path}: not a readable JSON file: {exc}") from exc
    if not isinstance(document, Mapping):
        raise SchemaError(f"{path}: expected a JSON object")
    schema = convert(document, str(path))
    if schema.source != source:
        raise SchemaError(f"{path}: x-bdp source is {schema.source!r}, expected {source!r}")
    return schema
