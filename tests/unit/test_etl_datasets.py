"""Output-dataset declarations: the shipped files, the loader's errors, and their fit with the
MySQL and Cassandra tables they name."""

import re

import pytest
import yaml
from pyspark.sql.types import (
    ArrayType,
    DateType,
    IntegerType,
    LongType,
    MapType,
    StringType,
    StructField,
    StructType,
)

from bdp.sources import platform_sources
from bdp_jobs.etl import game
from bdp_jobs.etl.datasets import DeclarationError, load, load_all, parse, transform_of
from bdp_jobs.etl.frames import mismatches
from bdp_testkit.helpers import REPO

SCHEMAS = REPO / "schemas"
# How the DDL's types read as declared types; `json` is a text column holding JSON.
MYSQL_TYPES = {
    "DATE": "date",
    "INT UNSIGNED": "bigint",
    "BIGINT UNSIGNED": "bigint",
    "SMALLINT UNSIGNED": "int",
    "DOUBLE": "double",
    "BOOLEAN": "boolean",
    "JSON": "json",
}
CQL_TYPES = {
    "text": ("string", "json"),
    "int": ("int",),
    "date": ("date",),
    "boolean": ("boolean",),
    "map<text, int>": ("map<string,int>",),
    "set<text>": ("array<string>",),
}


def mysql_tables():
    tables = {}
    for path in sorted((SCHEMAS / "warehouse").glob("V*.sql")):
        text = path.read_text()
        name = re.search(r"CREATE TABLE (\w+) \(", text).group(1)
        columns = re.findall(r"^  (\w+) (\w+(?:\(\d+\))?(?: UNSIGNED)?) NOT NULL,$", text, re.M)
        key = re.search(r"PRIMARY KEY \(([^)]*)\)", text).group(1).split(", ")
        tables[name] = (columns, key)
    return tables


def cassandra_tables():
    tables = {}
    for path in sorted((SCHEMAS / "cassandra").glob("*.cql")):
        text = path.read_text()
        name = re.search(r"CREATE TABLE IF NOT EXISTS (\w+\.\w+) \(", text).group(1)
        columns = re.findall(r"^    (\w+) ((?:map|set)<[^>]+>|\w+),", text, re.M)
        key = list(re.search(r"PRIMARY KEY \(\((\w+)\), (\w+)\)", text).groups())
        tables[name] = (columns, key)
    return tables


def mysql_type(ddl):
    return "string" if ddl.startswith("VARCHAR(") else MYSQL_TYPES[ddl]


def test_every_source_declares_one_dataset_of_each_kind():
    declared = load_all(SCHEMAS)
    assert sorted(declared) == sorted(platform_sources())
    for datasets in declared.values():
        kinds = [dataset.kind for dataset in datasets]
        assert sorted(kinds) == ["semi-structured", "structured", "unstructured"]


def test_structured_datasets_match_their_mysql_tables_column_for_column():
    tables = mysql_tables()
    structured = [d for ds in load_all(SCHEMAS).values() for d in ds if d.kind == "structured"]
    assert sorted(d.destination for d in structured) == sorted(tables)
    for dataset in structured:
        columns, key = tables[dataset.destination]
        assert [(c.name, c.type) for c in dataset.columns] == [
            (name, mysql_type(ddl)) for name, ddl in columns
        ], dataset.name
        assert list(dataset.key) == key


def test_semi_structured_datasets_match_their_cassandra_tables():
    tables = cassandra_tables()
    semi = [d for ds in load_all(SCHEMAS).values() for d in ds if d.kind == "semi-structured"]
    assert sorted(d.destination for d in semi) == sorted(tables)
    for dataset in semi:
        columns, key = tables[dataset.destination]
        assert [c.name for c in dataset.columns] == [name for name, _ in columns]
        for column, (_, cql) in zip(dataset.columns, columns, strict=True):
            assert column.type in CQL_TYPES[cql], (dataset.name, column.name)
        assert list(dataset.key) == key
        assert dataset.needs_run_id


def test_unstructured_datasets_go_to_the_curated_lake_and_take_no_run_id():
    for source, datasets in load_all(SCHEMAS).items():
        for dataset in datasets:
            if dataset.kind == "unstructured":
                assert dataset.destination == f"/lake/curated/{source}/{dataset.name}"
                assert not dataset.needs_run_id


def test_every_declared_transform_is_a_function_of_the_jobs_package():
    for datasets in load_all(SCHEMAS).values():
        for dataset in datasets:
            assert callable(transform_of(dataset)), dataset.transform
    (features, *_) = load_all(SCHEMAS)["game"]
    assert transform_of(features) is game.player_match_features


@pytest.mark.parametrize(
    ("transform", "message"),
    [
        ("bdp_jobs.etl.game:nothing", r"transform bdp_jobs\.etl\.game:nothing: .* has no nothing"),
        ("bdp_jobs.etl.absent:daily", r"cannot import bdp_jobs\.etl\.absent"),
        # the module's `from __future__ import annotations`: a name, but no function
        ("bdp_jobs.etl.game:annotations", r"game:annotations: not a function"),
    ],
)
def test_a_transform_that_is_not_there_is_named(transform, message):
    (dataset,) = parse(document(transform=transform), "demo", "demo.yml")
    with pytest.raises(DeclarationError, match=message):
        transform_of(dataset)


def test_the_ddl_parsers_see_every_column():
    # A DDL line the regexes skip would make the fit tests above pass vacuously.
    assert len(mysql_tables()["game_player_match_features"][0]) == 11
    assert len(cassandra_tables()["marts.ads_viewer_profiles"][0]) == 10


VALID = """
source: demo
datasets:
  - name: daily
    transform: bdp_jobs.etl.demo:daily
    kind: structured
    description: one row per account and day
    destination: demo_daily
    key: [dt, account]
    columns:
      - dt: date
      - account: string
      - clicks: bigint
      - pages: map<string,int>
    reconcile:
      - rule: each-raw-event-counted-once
        count_columns: [clicks]
        raw_filter: "method = '/click'"
      - rule: one-row-per-raw-key
        raw_key: [account]
"""


def document(**changes):
    spec = yaml.safe_load(VALID)
    spec["datasets"][0].update(changes)
    return spec


def errors(spec, raw=None):
    with pytest.raises(DeclarationError) as error:
        parse(spec, "demo", "demo.yml", raw)
    return str(error.value)


def test_a_valid_declaration_parses_into_datasets(tmp_path):
    path = tmp_path / "demo.yml"
    path.write_text(VALID)
    (dataset,) = load(path, ["account", "method", "event_id", "dt"])
    assert (dataset.source, dataset.name, dataset.kind) == ("demo", "daily", "structured")
    assert dataset.transform == "bdp_jobs.etl.demo:daily"
    assert dataset.destination == "demo_daily" and dataset.key == ("dt", "account")
    assert dataset.column_names == ("dt", "account", "clicks", "pages")
    assert [c.rule for c in dataset.checks] == [
        "each-raw-event-counted-once",
        "one-row-per-raw-key",
    ]
    assert dataset.checks[0].count_columns == ("clicks",)
    assert dataset.checks[0].raw_filter == "method = '/click'"
    assert dataset.checks[1].raw_key == ("account",) and dataset.checks[1].raw_filter is None
    assert not dataset.needs_run_id


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "tabular"}, r"datasets\[0\] \(daily\): kind 'tabular' is not one of"),
        ({"name": "Daily"}, r"datasets\[0\]: name 'Daily' must match"),
        ({"owner": "me"}, r"\(daily\): unknown field\(s\) owner"),
        ({"transform": "daily"}, r"\(daily\): transform 'daily' must name a function as"),
        ({"transform": "os:system"}, r"transform 'os:system' .* the module in bdp_jobs"),
        ({"transform": ["bdp_jobs.etl.demo:daily"]}, r"transform \['bdp_jobs"),
        ({"destination": "warehouse.demo"}, r"destination 'warehouse.demo': a MySQL table"),
        ({"kind": "semi-structured"}, r"destination 'demo_daily': a Cassandra table"),
        ({"kind": "unstructured"}, r"must be /lake/curated/demo/daily"),
        ({"key": ["account"]}, r"key: must include dt"),
        ({"key": ["dt", "user"]}, r"key: 'user' is not a declared column"),
        ({"key": ["dt", "pages"]}, r"key: 'pages' \(map<string,int>\) cannot be a key"),
        ({"key": ["dt", "dt"]}, r"key: dt listed more than once"),
        ({"columns": [{"account": "string"}]}, r"needs 'dt: date'"),
        ({"columns": [{"dt": "date"}, {"n": "long"}]}, r"columns\[1\] \(n\): type 'long'"),
        ({"columns": [{"dt": "date"}, {"dt": "date"}]}, r"column 'dt' is declared twice"),
        ({"columns": [{"dt": "date", "n": "int"}]}, r"columns\[0\]: expected one"),
        ({"columns": [{"dt": "date"}, {"run_id": "int"}]}, r"run_id must be a string"),
        ({"reconcile": []}, r"reconcile: expected a non-empty list"),
        ({"reconcile": [{"rule": "roughly"}]}, r"reconcile\[0\]: rule: expected one of"),
        (
            {"reconcile": [{"rule": "one-row-per-raw-key"}]},
            r"reconcile\[0\] \(one-row-per-raw-key\): missing raw_key",
        ),
        (
            {"reconcile": [{"rule": "one-row-per-raw-key", "raw_key": ["a"], "where": "x"}]},
            r"unknown field\(s\) where",
        ),
        (
            {"reconcile": [{"rule": "each-raw-event-counted-once", "count_columns": ["account"]}]},
            r"count_columns: 'account' is not a declared column of type",
        ),
        (
            {
                "reconcile": [
                    {"rule": "one-row-per-raw-key", "raw_key": ["account"], "raw_filter": " "}
                ]
            },
            r"raw_filter: expected a Spark SQL predicate",
        ),
    ],
)
def test_each_error_names_the_file_the_dataset_and_the_field(changes, message):
    text = errors(document(**changes))
    assert text.startswith("demo.yml: ")
    assert re.search(message, text), text


def test_a_missing_field_is_named():
    spec = document()
    del spec["datasets"][0]["description"]
    assert "(daily): missing description" in errors(spec)


def test_a_raw_key_must_be_a_raw_column_when_they_are_known():
    text = errors(document(), raw=["method", "event_id", "dt"])
    assert "raw_key: account not a raw column" in text


def test_file_level_errors():
    assert "source is 'other', expected 'demo'" in errors({**document(), "source": "other"})
    assert "exactly the fields 'source' and 'datasets'" in errors({"source": "demo"})
    assert "datasets: expected a non-empty list" in errors({"source": "demo", "datasets": []})
    twice = document()
    twice["datasets"].append(dict(twice["datasets"][0]))
    assert "datasets share the name daily" in errors(twice)


def test_a_repeated_yaml_key_is_refused_not_overwritten(tmp_path):
    path = tmp_path / "demo.yml"
    path.write_text(VALID.replace("    kind: structured\n", "    kind: structured\n    kind: x\n"))
    with pytest.raises(DeclarationError, match=r"demo\.yml: not a readable YAML.*duplicate key"):
        load(path)


def test_missing_and_unparsable_files(tmp_path):
    with pytest.raises(DeclarationError, match=r"nothing\.yml: no declaration file"):
        load(tmp_path / "nothing.yml")
    (tmp_path / "bad.yml").write_text("source: [unclosed\n")
    with pytest.raises(DeclarationError, match=r"bad\.yml: not a readable YAML file"):
        load(tmp_path / "bad.yml")
    with pytest.raises(DeclarationError, match=r"datasets: no \*\.yml declaration files"):
        load_all(tmp_path)


def test_mismatches_names_missing_reordered_and_retyped_columns():
    (dataset,) = parse(yaml.safe_load(VALID), "demo", "demo.yml")
    exact = StructType(
        [
            StructField("dt", DateType()),
            StructField("account", StringType()),
            StructField("clicks", LongType()),
            StructField("pages", MapType(StringType(), IntegerType(), False)),
        ]
    )
    assert mismatches(exact, dataset) == []
    retyped = StructType([*exact.fields[:2], StructField("clicks", IntegerType()), exact[3]])
    assert mismatches(retyped, dataset) == ["demo.daily: column clicks is int, declared bigint"]
    swapped = StructType([exact[1], exact[0], exact[2], exact[3]])
    assert "columns ['account', 'dt', 'clicks', 'pages']" in mismatches(swapped, dataset)[0]
    listed = StructType([*exact.fields[:3], StructField("pages", ArrayType(StringType()))])
    assert mismatches(listed, dataset) == [
        "demo.daily: column pages is array<string>, declared map<string,int>"
    ]
