"""The ETL job end to end on a local lake: raw day in, gate, writers, report, reruns.

MySQL and Cassandra are replaced by recording fakes here (their writers run against the real
stores in tests/lab/test_8_ingest_etl.py); the curated lake is written for real.
"""

import argparse
import json
from datetime import date

import pytest
from etl_fixtures import DAY, raw_frame
from pyspark.sql import functions as F
from test_etl_game import ROWS

import etl_job
from bdp_jobs.etl import gate, runreport
from bdp_jobs.etl.rawday import IncompleteDay
from bdp_jobs.etl.writers import cassandra, mysql
from bdp_jobs.sparkschema import load_schema
from bdp_testkit.helpers import REPO

OTHER_DAY = date(2026, 10, 31)


@pytest.fixture
def lake(tmp_path, spark):
    root = f"file://{tmp_path}/lake"
    day_dir = tmp_path / "lake" / "raw" / "game" / f"dt={DAY}"
    raw_frame(spark, "game", ROWS).drop("dt").coalesce(1).write.parquet(f"file://{day_dir}/tmp")
    for written in (day_dir / "tmp").glob("*.parquet"):
        written.rename(day_dir / "part-00000.parquet")
    (day_dir / "_SUCCESS").touch()
    stores = tmp_path / "stores.json"
    stores.write_text(
        json.dumps(
            {
                "warehouse": {"url": "jdbc:mysql://127.0.0.1:1/warehouse?permitMysqlScheme",
                              "user": "u", "password": "p"},
                "cassandra": {"hosts": ["127.0.0.1"], "port": 1, "user": "u", "password": "p",
                              "local_dc": "dc1", "ca_file": "/nonexistent/ca.crt"},
            }
        )
    )  # fmt: skip
    return tmp_path, root, stores


@pytest.fixture
def stores_written(monkeypatch):
    """What the fake MySQL and Cassandra writers received: {destination: [rows]}."""
    received: dict[str, list] = {}

    def fake_mysql(spark, table, frame, day, warehouse):
        received[table] = frame.collect()
        return len(received[table])

    def fake_cassandra(frame, table, settings):
        received[table] = frame.collect()
        return len(received[table])

    monkeypatch.setattr(mysql, "replace_day", fake_mysql)
    monkeypatch.setattr(cassandra, "upsert", fake_cassandra)
    return received


def job_args(root, stores, run_id="run-1", max_unreadable_files=0):
    args = etl_job.parse_args(
        ["--source", "game", "--date", DAY.isoformat(), "--run-id", run_id, "--lake", root,
         "--schemas-dir", str(REPO / "schemas"), "--stores", str(stores),
         "--max-unreadable-files", str(max_unreadable_files)]
    )  # fmt: skip
    etl_job.prepare(args)
    return args


def read_report(tmp_path, run_id):
    path = tmp_path / "lake" / "_etl" / "runs" / "game" / f"dt={DAY}" / f"{run_id}.json"
    return json.loads(path.read_text())


def test_a_day_is_published_to_every_destination_and_rerun_replaces_it(spark, lake, stores_written):
    tmp_path, root, stores = lake
    curated = f"{root}/curated/game/training_set"
    spark.createDataFrame([(OTHER_DAY, "kept")], "dt date, event_id string").write.partitionBy(
        "dt"
    ).parquet(curated)

    assert etl_job.run(spark, job_args(root, stores)) == 0
    report = read_report(tmp_path, "run-1")
    assert report["status"] == runreport.PUBLISHED, report["problems"]
    assert report["raw"]["rows"] == len(ROWS)
    datasets = report["datasets"]
    assert datasets["training_set"]["stored_rows"] == len(ROWS)
    assert (
        len(stores_written["game_player_match_features"])
        == datasets["player_match_features"]["rows"]
    )
    assert {r["run_id"] for r in stores_written["marts.game_player_profiles"]} == {"run-1"}
    assert all(d["stored_rows"] == d["rows"] for d in datasets.values())

    assert etl_job.run(spark, job_args(root, stores, run_id="run-2")) == 0
    assert spark.read.parquet(f"{curated}/dt={DAY}").count() == len(ROWS)
    assert spark.read.parquet(f"{curated}/dt={OTHER_DAY}").count() == 1  # other days stay
    assert not (tmp_path / "lake" / "_etl" / "staging" / "game" / f"dt={DAY}").exists()


def test_an_unreadable_raw_file_stops_the_day_before_any_write(spark, lake, stores_written):
    tmp_path, root, stores = lake
    day_dir = tmp_path / "lake" / "raw" / "game" / f"dt={DAY}"
    (day_dir / "part-00001.parquet").write_bytes(b"not parquet at all")

    assert etl_job.run(spark, job_args(root, stores)) == etl_job.EXIT_QUALITY
    report = read_report(tmp_path, "run-1")
    assert report["status"] == runreport.QUALITY_FAILED
    assert "1 unreadable raw file(s)" in report["problems"][0]
    assert stores_written == {}
    rejects = tmp_path / "lake" / "_etl" / "rejects" / "game" / f"dt={DAY}" / "files"
    assert (rejects / "part-00001.parquet").read_bytes() == b"not parquet at all"
    # With a threshold that allows it, the readable rows go through.
    assert etl_job.run(spark, job_args(root, stores, max_unreadable_files=1)) == 0


def test_a_day_without_its_success_marker_is_refused(spark, lake):
    tmp_path, root, stores = lake
    (tmp_path / "lake" / "raw" / "game" / f"dt={DAY}" / "_SUCCESS").unlink()
    with pytest.raises(IncompleteDay, match="no _SUCCESS marker"):
        etl_job.run(spark, job_args(root, stores))


def test_main_reports_unusable_declarations(tmp_path, capsys):
    (tmp_path / "events").mkdir()
    status = etl_job.main(
        ["--source", "game", "--date", "2026-11-01", "--run-id", "r",
         "--schemas-dir", str(tmp_path), "--stores", "x"]
    )  # fmt: skip
    assert status == etl_job.EXIT_INPUT
    assert "game.json" in capsys.readouterr().out


def _report(**raw):
    return {
        "source": "game",
        "dt": "2026-11-01",
        "raw": {"rows": 1000, "rejected_rows": 0, "unreadable_files": [], "rejects_dir": "/r",
                **raw},
        "datasets": {
            "features": {"kind": "structured", "destination": "t", "key": ["dt", "a"],
                         "rows": 10, "duplicate_keys": 0, "stored_rows": 10,
                         "checks": [{"rule": "one-row-per-raw-key", "detail": "raw key (a)",
                                     "raw": 10, "output": 10}]},
        },
    }  # fmt: skip


def test_gate_thresholds_and_checks():
    thresholds = gate.Thresholds(max_rejected_ratio=0.01)
    assert gate.before_publish(_report(), thresholds) == []
    assert gate.before_publish(_report(rejected_rows=10), thresholds) == []
    assert (
        "11 of 1011 raw rows rejected"
        in gate.before_publish(_report(rejected_rows=11), thresholds)[0]
    )
    report = _report()
    report["datasets"]["features"]["checks"][0]["output"] = 9
    report["datasets"]["features"]["duplicate_keys"] = 1
    problems = gate.before_publish(report, thresholds)
    assert problems == [
        "game.features 2026-11-01: 1 key(s) repeated (key dt, a)",
        "game.features 2026-11-01: one-row-per-raw-key raw key (a): raw side 10, output side 9",
    ]
    assert gate.before_publish(_report(rows=0), thresholds)[0].endswith("no valid rows")


def test_gate_after_publish_compares_stored_rows():
    report = _report()
    assert gate.after_publish(report) == []
    report["datasets"]["features"]["stored_rows"] = 9
    assert gate.after_publish(report) == [
        "game.features 2026-11-01: t holds 9 rows for the day, the output has 10"
    ]
    report["datasets"]["features"]["stored_rows"] = None
    assert gate.after_publish(report) == ["game.features 2026-11-01: not published"]


def test_mysql_day_swap_statements():
    prepare, swap = mysql.replace_day_statements("game_player_match_features", DAY)
    assert prepare == [
        "DROP TABLE IF EXISTS `game_player_match_features__stage_20261101`",
        "CREATE TABLE `game_player_match_features__stage_20261101` LIKE"
        " `game_player_match_features`",
        "ALTER TABLE `game_player_match_features__stage_20261101` REMOVE PARTITIONING",
    ]
    assert swap == [
        "ALTER TABLE `game_player_match_features` EXCHANGE PARTITION p20261101 WITH TABLE"
        " `game_player_match_features__stage_20261101`",
        "DROP TABLE `game_player_match_features__stage_20261101`",
    ]


def test_cassandra_statement_and_values():
    assert (
        cassandra.insert_statement("marts.t", ["a", "b"])
        == "INSERT INTO marts.t (a, b) VALUES (?, ?)"
    )
    assert cassandra.bind_value(["x", "y"]) == {"x", "y"}
    assert cassandra.bind_value({"k": 1}) == {"k": 1}


def test_run_report_file_names_are_hdfs_safe():
    assert runreport.file_safe("scheduled__2026-11-02T00:00:00+00:00") == (
        "scheduled__2026-11-02T00_00_00_00_00"
    )
    layout = runreport.EtlLayout("/lake", "game", DAY)
    assert layout.report("r:1") == "/lake/_etl/runs/game/dt=2026-11-01/r_1.json"


def test_parse_args_needs_source_date_and_run(capsys):
    with pytest.raises(SystemExit):
        etl_job.parse_args(["--source", "game"])
    assert "--date" in capsys.readouterr().err
    assert isinstance(etl_job.parse_args(
        ["--source", "g", "--date", "2026-11-01", "--run-id", "r", "--schemas-dir", "s",
         "--stores", "x"]), argparse.Namespace)  # fmt: skip


def test_rows_breaking_the_schema_are_set_apart_with_their_reason(spark):
    from bdp_jobs.etl.rawday import REJECT_REASON, split_rows

    schema = load_schema(REPO / "schemas" / "events", "game")
    rows = [{"t": f"10:00:0{second}"} for second in range(4)]
    frame = raw_frame(spark, "game", rows)

    def broken(column, event, value):
        return F.when(F.col("event_id") == event, value).otherwise(F.col(column))

    # e01 lost its id, e02 its account, and e03 is from the day before (wrong partition).
    frame = frame.select(
        *(c for c in frame.columns if c not in ("event_id", "account", "event_time")),
        broken("account", "e02", F.lit(None).cast("string")).alias("account"),
        broken("event_time", "e03", F.col("event_time") - F.expr("INTERVAL 1 DAY")).alias(
            "event_time"
        ),
        broken("event_id", "e01", F.lit(None).cast("string")).alias("event_id"),
    )
    valid, rejected = split_rows(frame, schema, DAY)
    assert [r["event_id"] for r in valid.collect()] == ["e00"]
    assert sorted(r[REJECT_REASON] for r in rejected.collect()) == [
        "event_id missing",
        "event_time is not on 2026-11-01",
        "required property account missing",
    ]
