"""Output-dataset declarations of the daily ETL (`schemas/datasets/<source>.yml`), validated.

A declaration says what the DAG and the writers need to route a dataset without knowing it:
its kind (which store), destination, key, columns and the data-quality rules that reconcile it
with the raw events, and the transform that computes it, named `module:function`
(`bdp_jobs.etl.game:player_match_features`) so that a reader, grep and an editor all find it.
Pure: no Spark until `transform_of` imports a transform, so the DAG can read declarations too.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

KINDS = ("structured", "semi-structured", "unstructured")
# Column types a writer can map to every store: `json` is text holding a JSON document, and
# `array<string>` is what Spark hands a Cassandra set<text>.
TYPES = (
    "string",
    "int",
    "bigint",
    "double",
    "boolean",
    "date",
    "timestamp",
    "json",
    "map<string,int>",
    "array<string>",
)
COUNT_TYPES = ("int", "bigint", "map<string,int>")  # a map's values are summed
# Reconciliation rules and the parameters each takes (required ones first in the tuple).
RULES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # The count columns, summed over the output, equal the raw rows matching raw_filter.
    "each-raw-event-counted-once": (("count_columns",), ("raw_filter",)),
    # The output has one row per distinct raw_key value among raw rows matching raw_filter.
    "one-row-per-raw-key": (("raw_key",), ("raw_filter",)),
}
DAY = "dt"
RUN_ID = "run_id"
RAW_EXTRA = ("event_id", DAY)  # raw columns that are not event-schema properties
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_CASSANDRA_TABLE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
# A transform's module must be in bdp_jobs: the jobs ship only that package to the executors.
_TRANSFORM = re.compile(r"^bdp_jobs(\.[a-z_][a-z0-9_]*)+:[a-z_][a-z0-9_]*$")
_DATASET_KEYS = (
    "name",
    "transform",
    "kind",
    "description",
    "destination",
    "key",
    "columns",
    "reconcile",
)


class DeclarationError(ValueError):
    """A declaration file the ETL cannot use; the message names the file and the field."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str


@dataclass(frozen=True)
class Check:
    rule: str
    count_columns: tuple[str, ...] = ()
    raw_key: tuple[str, ...] = ()
    raw_filter: str | None = None  # a Spark SQL predicate over the raw columns


@dataclass(frozen=True)
class Dataset:
    source: str
    name: str
    transform: str  # module:function computing it from the raw events
    kind: str
    description: str
    destination: str  # MySQL table, Cassandra keyspace.table or lake directory
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    checks: tuple[Check, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def needs_run_id(self) -> bool:
        """The transform takes `run_id=` (its table records which run wrote a row)."""
        return RUN_ID in self.column_names


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a repeated mapping key, which plain YAML silently overwrites."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _names(value: Any, where: str) -> tuple[str, ...]:
    """A non-empty list of distinct strings."""
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise DeclarationError(f"{where}: expected a non-empty list of column names")
    repeated = sorted({v for v in value if value.count(v) > 1})
    if repeated:
        raise DeclarationError(f"{where}: {', '.join(repeated)} listed more than once")
    return tuple(value)


def _text(spec: Mapping[str, Any], field: str, where: str) -> str:
    value = spec.get(field)
    if not isinstance(value, str) or not value.strip():
        raise DeclarationError(f"{where}: {field}: expected a non-empty string")
    return value


def _columns(value: Any, where: str) -> tuple[Column, ...]:
    if not isinstance(value, list) or not value:
        raise DeclarationError(f"{where}: columns: expected a non-empty list of '- name: type'")
    columns: list[Column] = []
    for index, item in enumerate(value):
        at = f"{where}: columns[{index}]"
        if not isinstance(item, Mapping) or len(item) != 1:
            raise DeclarationError(f"{at}: expected one '<name>: <type>' entry")
        ((name, declared),) = item.items()
        if not isinstance(name, str) or not _NAME.match(name):
            raise DeclarationError(f"{at}: column name {name!r} must match {_NAME.pattern}")
        if declared not in TYPES:
            raise DeclarationError(
                f"{at} ({name}): type {declared!r} is not one of {', '.join(TYPES)}"
            )
        if any(column.name == name for column in columns):
            raise DeclarationError(f"{at}: column {name!r} is declared twice")
        columns.append(Column(name, declared))
    types = {column.name: column.type for column in columns}
    if types.get(DAY) != "date":
        raise DeclarationError(f"{where}: columns: every dataset is daily, so needs '{DAY}: date'")
    if RUN_ID in types and types[RUN_ID] != "string":
        raise DeclarationError(f"{where}: columns: {RUN_ID} must be a string")
    return tuple(columns)


def _destination(spec: Mapping[str, Any], source: str, name: str, kind: str, where: str) -> str:
    destination = _text(spec, "destination", where)
    if kind == "structured" and not _NAME.match(destination):
        raise DeclarationError(
            f"{where}: destination {destination!r}: a MySQL table name matching {_NAME.pattern}"
        )
    if kind == "semi-structured" and not _CASSANDRA_TABLE.match(destination):
        raise DeclarationError(
            f"{where}: destination {destination!r}: a Cassandra table as keyspace.table"
        )
    lake = f"/lake/curated/{source}/{name}"
    if kind == "unstructured" and destination != lake:
        raise DeclarationError(f"{where}: destination {destination!r}: must be {lake}")
    return destination


def _key(value: Any, types: Mapping[str, str], where: str) -> tuple[str, ...]:
    key = _names(value, f"{where}: key")
    for name in key:
        if name not in types:
            raise DeclarationError(f"{where}: key: {name!r} is not a declared column")
        if types[name] in ("json", "map<string,int>", "array<string>"):
            raise DeclarationError(f"{where}: key: {name!r} ({types[name]}) cannot be a key")
    if DAY not in key:
        raise DeclarationError(f"{where}: key: must include {DAY} (a day is replaced as a whole)")
    return key


def _check(
    item: Any, types: Mapping[str, str], raw_columns: frozenset[str] | None, where: str
) -> Check:
    if not isinstance(item, Mapping) or item.get("rule") not in RULES:
        raise DeclarationError(f"{where}: rule: expected one of {', '.join(RULES)}")
    rule = item["rule"]
    required, optional = RULES[rule]
    unknown = sorted(set(item) - {"rule", *required, *optional})
    if unknown:
        raise DeclarationError(f"{where} ({rule}): unknown field(s) {', '.join(unknown)}")
    missing = [field for field in required if field not in item]
    if missing:
        raise DeclarationError(f"{where} ({rule}): missing {', '.join(missing)}")
    raw_filter = item.get("raw_filter")
    if raw_filter is not None and (not isinstance(raw_filter, str) or not raw_filter.strip()):
        raise DeclarationError(f"{where} ({rule}): raw_filter: expected a Spark SQL predicate")
    if rule == "each-raw-event-counted-once":
        counted = _names(item["count_columns"], f"{where} ({rule}): count_columns")
        for name in counted:
            if types.get(name) not in COUNT_TYPES:
                raise DeclarationError(
                    f"{where} ({rule}): count_columns: {name!r} is not a declared column of"
                    f" type {', '.join(COUNT_TYPES)}"
                )
        return Check(rule, count_columns=counted, raw_filter=raw_filter)
    raw_key = _names(item["raw_key"], f"{where} ({rule}): raw_key")
    if raw_columns is not None:
        unknown = sorted(set(raw_key) - raw_columns)
        if unknown:
            raise DeclarationError(
                f"{where} ({rule}): raw_key: {', '.join(unknown)} not a raw column"
            )
    return Check(rule, raw_key=raw_key, raw_filter=raw_filter)


def _dataset(spec: Any, source: str, raw_columns: frozenset[str] | None, where: str) -> Dataset:
    if not isinstance(spec, Mapping):
        raise DeclarationError(f"{where}: expected a mapping")
    name = spec.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise DeclarationError(f"{where}: name {name!r} must match {_NAME.pattern}")
    where = f"{where} ({name})"
    unknown = sorted(set(spec) - set(_DATASET_KEYS))
    if unknown:
        raise DeclarationError(f"{where}: unknown field(s) {', '.join(map(str, unknown))}")
    missing = [field for field in _DATASET_KEYS if field not in spec]
    if missing:
        raise DeclarationError(f"{where}: missing {', '.join(missing)}")
    kind = spec["kind"]
    if kind not in KINDS:
        raise DeclarationError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    columns = _columns(spec["columns"], where)
    types = {column.name: column.type for column in columns}
    checks = spec["reconcile"]
    if not isinstance(checks, list) or not checks:
        raise DeclarationError(f"{where}: reconcile: expected a non-empty list of rules")
    transform = spec["transform"]
    if not isinstance(transform, str) or not _TRANSFORM.match(transform):
        raise DeclarationError(
            f"{where}: transform {transform!r} must name a function as module:function, the "
            "module in bdp_jobs (e.g. bdp_jobs.etl.game:player_match_features)"
        )
    return Dataset(
        source=source,
        name=name,
        transform=transform,
        kind=kind,
        description=_text(spec, "description", where),
        destination=_destination(spec, source, name, kind, where),
        key=_key(spec["key"], types, where),
        columns=columns,
        checks=tuple(
            _check(item, types, raw_columns, f"{where}: reconcile[{index}]")
            for index, item in enumerate(checks)
        ),
    )


def parse(
    document: Any, source: str, origin: str, raw_columns: Sequence[str] | None = None
) -> tuple[Dataset, ...]:
    """The datasets of a parsed declaration document of `source`; `origin` names it in errors.

    `raw_columns` (the raw lake's columns), when given, is what `raw_key` may name.
    """
    if not isinstance(document, Mapping) or set(document) != {"source", "datasets"}:
        raise DeclarationError(f"{origin}: expected exactly the fields 'source' and 'datasets'")
    if document["source"] != source:
        raise DeclarationError(f"{origin}: source is {document['source']!r}, expected {source!r}")
    specs = document["datasets"]
    if not isinstance(specs, list) or not specs:
        raise DeclarationError(f"{origin}: datasets: expected a non-empty list")
    known = frozenset(raw_columns) if raw_columns is not None else None
    datasets = tuple(
        _dataset(spec, source, known, f"{origin}: datasets[{index}]")
        for index, spec in enumerate(specs)
    )
    for field in ("name", "destination"):
        values = [getattr(dataset, field) for dataset in datasets]
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise DeclarationError(f"{origin}: datasets share the {field} {', '.join(repeated)}")
    return datasets


def transform_of(dataset: Dataset) -> Callable[..., Any]:
    """The function `dataset.transform` names, imported; DeclarationError if there is none."""
    module_name, _, function_name = dataset.transform.partition(":")
    where = f"{dataset.source} dataset {dataset.name}: transform {dataset.transform}"
    try:
        function = getattr(importlib.import_module(module_name), function_name)
    except ImportError as exc:
        raise DeclarationError(f"{where}: cannot import {module_name}: {exc}") from exc
    except AttributeError:
        raise DeclarationError(f"{where}: {module_name} has no {function_name}") from None
    if not callable(function):
        raise DeclarationError(f"{where}: not a function")
    return function


def raw_columns(events_dir: str | Path, source: str) -> tuple[str, ...]:
    """The raw lake's columns of `source`: its event schema's properties, event_id and dt."""
    path = Path(events_dir) / f"{source}.json"
    try:
        properties = json.loads(path.read_text(encoding="utf-8"))["properties"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DeclarationError(f"{path}: cannot read the event schema's properties: {exc}") from exc
    return (*properties, *RAW_EXTRA)


def load(path: str | Path, raw: Sequence[str] | None = None) -> tuple[Dataset, ...]:
    """The datasets declared in `<dir>/<source>.yml` (the file name gives the source)."""
    path = Path(path)
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except FileNotFoundError:
        raise DeclarationError(f"{path}: no declaration file") from None
    except (OSError, yaml.YAMLError) as exc:
        raise DeclarationError(f"{path}: not a readable YAML file: {exc}") from exc
    return parse(document, path.stem, str(path), raw)


def load_all(schemas_dir: str | Path) -> dict[str, tuple[Dataset, ...]]:
    """Every source's datasets from `<schemas>/datasets/*.yml`, checked against the raw columns
    that `<schemas>/events/<source>.json` gives."""
    root = Path(schemas_dir)
    files = sorted((root / "datasets").glob("*.yml"))
    if not files:
        raise DeclarationError(f"{root / 'datasets'}: no *.yml declaration files")
    return {path.stem: load(path, raw_columns(root / "events", path.stem)) for path in files}
