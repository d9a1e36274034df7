"""Event schemas (schemas/events/<source>.json) and validation of events against them."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import SchemaError, ValidationError
from jsonschema.protocols import Validator

from bdp_collectors.configfile import read_json_object

# jsonschema checks "format" only with optional packages, so event times get this check.
UTC_MILLIS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


class SchemaFileError(ValueError):
    """A schema file that cannot be used, with the file named in the message."""


def parse_event_time(value: str) -> datetime | None:
    """The instant of a CONTRACT event time (UTC, milliseconds, Z), or None if it is not one."""
    if not UTC_MILLIS.match(value):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


@cache
def python_pattern(pattern: str) -> str:
    """A JSON Schema (ECMA-262) pattern for Python's re: `$` outside a class becomes `\\Z`, the
    end of the text, as in ECMA-262; Python's `$` also matches before a final newline."""
    parts, in_class, escaped = [], False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "[]":
            in_class = char == "["
        elif char == "$" and not in_class:
            char = r"\Z"
        parts.append(char)
    return "".join(parts)


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not re.search(python_pattern(pattern), instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


# Draft 2020-12 whose `pattern` ends at `$` ("/home\n" does not match "^/(home|...)$").
EventValidator = validators.extend(Draft202012Validator, {"pattern": _pattern})


def json_path(parts: Any) -> str:
    """A jsonschema error path as `$`, `$.field` or `$.field[0]`."""
    text = "$"
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


@dataclass(frozen=True)
class EventSchema:
    source: str
    entity_key: str
    event_time: str
    document: dict[str, Any]
    validator: Validator

    def violation(self, event: dict[str, Any]) -> str | None:
        """Why the event breaks the schema ("schema: <path>: <message>"), or None if it is valid."""
        errors = sorted(
            self.validator.iter_errors(event), key=lambda e: (json_path(e.absolute_path), e.message)
        )
        if errors:
            return f"schema: {json_path(errors[0].absolute_path)}: {errors[0].message}"
        value = event[self.event_time]
        if parse_event_time(value) is None:
            return (
                f"schema: $.{self.event_time}: {value!r} is not UTC ISO-8601 "
                "with milliseconds and Z"
            )
        return None


def build_schema(document: dict[str, Any], origin: str) -> EventSchema:
    """An EventSchema from a parsed schema document; SchemaFileError naming `origin` if unusable."""
    try:
        Draft202012Validator.check_schema(document)
    except SchemaError as error:
        raise SchemaFileError(f"{origin}: not a valid JSON Schema: {error.message}") from error
    meta = document.get("x-bdp")
    if not isinstance(meta, dict):
        raise SchemaFileError(f"{origin}: missing the x-bdp object")
    missing = [key for key in ("source", "entity_key", "event_time") if key not in meta]
    if missing:
        raise SchemaFileError(f"{origin}: x-bdp lacks {', '.join(missing)}")
    required = document.get("required", [])
    for key in ("entity_key", "event_time"):
        if meta[key] not in required:
            raise SchemaFileError(f"{origin}: x-bdp {key} {meta[key]!r} is not a required field")
    return EventSchema(
        source=meta["source"],
        entity_key=meta["entity_key"],
        event_time=meta["event_time"],
        document=document,
        validator=EventValidator(document),
    )


def load_schema(path: str | Path) -> EventSchema:
    """The schema in `path`; SchemaFileError naming the file if it is missing or unusable."""
    return build_schema(read_json_object(path, SchemaFileError), str(path))


def default_schema_dir() -> Path:
    """schemas/events of the source tree this package sits in (the hosts pass a directory)."""
    return Path(__file__).resolve().parents[2] / "schemas" / "events"
