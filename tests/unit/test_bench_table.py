"""The `make bench` table from the benchmarks' JSON results (bench/table.py)."""

import json
import string

from table import HEADER, MEASURES, NOT_RUN, markdown, rows

# What bench/ingest.py, bench/etl.py and bench/deploy.py write with --json (their `results`).
INGEST = json.loads("""{
  "record_bytes": 412,
  "kafka_producer_perf_test_per_s": 98500,
  "collector_per_s": 41230,
  "collector_vs_perf_test": 0.419,
  "api_to_lake_p50_s": 14.2,
  "api_to_lake_p99_s": 31.7,
  "latency_events": 3000
}""")
ETL = json.loads("""{
  "events": 1000000,
  "etl_seconds": 312.4,
  "etl_minutes_per_million_events": 5.21,
  "mysql_rows": 41234,
  "mysql_writer_s": 9.87,
  "mysql_bulk_s": 3.12,
  "mysql_writer_vs_bulk": 0.316,
  "cassandra_rows": 9876,
  "cassandra_writer_s": 14.2,
  "cassandra_bulk_s": 6.05,
  "cassandra_writer_vs_bulk": 0.426,
  "lake_rows": 1000000,
  "lake_writer_s": 21.5,
  "lake_bulk_s": 18.3,
  "lake_writer_vs_bulk": 0.851
}""")
DEPLOY_FRESH = json.loads("""{
  "lab_create_s": 6.2,
  "site_yml_fresh_s": 871.4,
  "site_yml_rerun_s": 339.0,
  "site_yml_rerun_changed": 0
}""")
DEPLOY_RERUN_ONLY = {"site_yml_rerun_s": 178.3, "site_yml_rerun_changed": 2}


def by_measure(table):
    return {row[0]: row[1:] for row in table}


def test_every_result_the_table_reads_is_one_a_benchmark_writes():
    written = {"ingest": INGEST, "etl": ETL, "deploy": DEPLOY_FRESH}
    for measure in MEASURES:
        templates = (measure.platform, measure.fastest, measure.value, measure.units)
        fields = {f for t in templates for _, f, _, _ in string.Formatter().parse(t) if f}
        assert fields <= set(written[measure.benchmark]), measure.name


def test_ratios_and_both_paths_come_from_the_results():
    table = by_measure(rows({"ingest": INGEST, "etl": ETL, "deploy": DEPLOY_FRESH}))
    assert table["ingest rate"][:3] == (
        "collector 41,230",
        "kafka-producer-perf-test 98,500",
        "0.419",
    )
    assert table["MySQL writer"][:3] == (
        "partition exchange 9.87",
        "LOAD DATA LOCAL INFILE 3.12",
        "0.316",
    )
    assert table["Cassandra writer"][2] == "0.426"
    assert table["curated-lake writer"][:3] == (
        "dynamic partition overwrite 21.5",
        "plain Parquet write 18.3",
        "0.851",
    )
    assert table["ETL per million events"][0] == "bdp_dags run on YARN: 1,000,000 events in 312.4 s"
    assert table["ETL per million events"][2] == "5.21"
    assert table["API -> lake latency p50"][2] == "14.2"
    assert table["API -> lake latency p99"][2] == "31.7"
    assert table["site.yml, fresh hosts"][2] == "871.4"
    assert table["site.yml, idempotent re-run"][2] == "339.0"
    assert table["site.yml re-run, changed tasks"][2] == "0"
    assert all(NOT_RUN not in row for row in table.values())


def test_benchmarks_that_did_not_run_show_not_run():
    table = by_measure(rows({"ingest": INGEST, "etl": None}))
    assert table["ingest rate"][2] == "0.419"
    for name in ("ETL per million events", "MySQL writer", "site.yml, idempotent re-run"):
        assert table[name][2] == NOT_RUN, name
    assert table["MySQL writer"][:2] == (NOT_RUN, NOT_RUN)
    # Descriptions of the paths stay: the reader sees what was not measured.
    assert table["site.yml, fresh hosts"][0] == "ansible-playbook site.yml"


def test_nothing_run_at_all_still_gives_every_row():
    table = rows({})
    assert [row[0] for row in table] == [measure.name for measure in MEASURES]
    assert all(row[3] == NOT_RUN for row in table)


def test_a_re_run_without_fresh_lab_leaves_only_the_fresh_time_not_run():
    table = by_measure(rows({"deploy": DEPLOY_RERUN_ONLY}))
    assert table["site.yml, fresh hosts"][2] == NOT_RUN
    assert table["site.yml, idempotent re-run"][2] == "178.3"
    assert table["site.yml re-run, changed tasks"][2] == "2"


def test_markdown_has_the_header_a_rule_and_aligned_columns():
    lines = markdown(rows({"ingest": INGEST, "etl": ETL})).splitlines()
    assert [cell.strip() for cell in lines[0].strip("|").split("|")] == list(HEADER)
    assert set(lines[1]) <= {"|", "-", " "}
    assert len(lines) == 2 + len(MEASURES)
    assert len({len(line) for line in lines}) == 1
    assert "| ingest rate " in lines[2]
