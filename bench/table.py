"""One table of every benchmark's results, as `make bench` prints it (pure: no I/O).

Each row reads the JSON results of one benchmark (`deploy`, `ingest`, `etl`, as their `--json`
writes them); a benchmark that did not run, or a result it does not hold (the fresh site.yml
run without --fresh-lab), shows as "not run" so a partial run still prints the rest. Ratios are
the ones the benchmarks computed: the platform's rate as a share of the fastest path's.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

NOT_RUN = "not run"
HEADER = ("measure", "platform path", "fastest path", "ratio or value", "units")


@dataclass(frozen=True)
class Measure:
    """A row: the benchmark it comes from, and templates of its cells over that benchmark's
    results (a `{key}` field is a result; a cell without fields is a fixed description)."""

    name: str
    benchmark: str
    platform: str
    fastest: str
    value: str
    units: str


NONE = "-"  # no fastest path to compare with: the measure is a value, not a ratio
RATE = "events/s; ratio = collector / tool"
WRITER = "s; ratio = bulk s / writer s"
MEASURES = (
    Measure(
        "ingest rate",
        "ingest",
        "collector {collector_per_s}",
        "kafka-producer-perf-test {kafka_producer_perf_test_per_s}",
        "{collector_vs_perf_test}",
        RATE,
    ),
    Measure(
        "API -> lake latency p50",
        "ingest",
        "event API -> collector -> Kafka -> lake writer",
        NONE,
        "{api_to_lake_p50_s}",
        "s",
    ),
    Measure(
        "API -> lake latency p99",
        "ingest",
        "event API -> collector -> Kafka -> lake writer",
        NONE,
        "{api_to_lake_p99_s}",
        "s",
    ),
    Measure(
        "ETL per million events",
        "etl",
        "bdp_dags run on YARN: {events} events in {etl_seconds} s",
        NONE,
        "{etl_minutes_per_million_events}",
        "min / million events",
    ),
    Measure(
        "MySQL writer",
        "etl",
        "partition exchange {mysql_writer_s}",
        "LOAD DATA LOCAL INFILE {mysql_bulk_s}",
        "{mysql_writer_vs_bulk}",
        WRITER,
    ),
    Measure(
        "Cassandra writer",
        "etl",
        "LOCAL_QUORUM upserts from executors {cassandra_writer_s}",
        "concurrent prepared INSERTs {cassandra_bulk_s}",
        "{cassandra_writer_vs_bulk}",
        WRITER,
    ),
    Measure(
        "curated-lake writer",
        "etl",
        "dynamic partition overwrite {lake_writer_s}",
        "plain Parquet write {lake_bulk_s}",
        "{lake_writer_vs_bulk}",
        WRITER,
    ),
    Measure(
        "site.yml, fresh hosts",
        "deploy",
        "ansible-playbook site.yml",
        NONE,
        "{site_yml_fresh_s}",
        "s",
    ),
    Measure(
        "site.yml, idempotent re-run",
        "deploy",
        "ansible-playbook site.yml again",
        NONE,
        "{site_yml_rerun_s}",
        "s",
    ),
    Measure(
        "site.yml re-run, changed tasks",
        "deploy",
        "PLAY RECAP changed=, all hosts",
        NONE,
        "{site_yml_rerun_changed}",
        "tasks (0 = idempotent)",
    ),
)


def number(value: object) -> str:
    """Integers with thousands separators (events/s are read at a glance), the rest as is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def cell(template: str, results: Mapping[str, object] | None) -> str:
    fields = [field for _, field, _, _ in string.Formatter().parse(template) if field]
    if not fields:
        return template
    if results is None or any(field not in results for field in fields):
        return NOT_RUN
    return template.format(**{field: number(results[field]) for field in fields})


def rows(results: Mapping[str, Mapping[str, object] | None]) -> list[tuple[str, ...]]:
    """The table's rows from each benchmark's results (absent or None: it did not run)."""
    table = []
    for measure in MEASURES:
        found = results.get(measure.benchmark)
        cells = (measure.platform, measure.fastest, measure.value, measure.units)
        table.append((measure.name, *(cell(template, found) for template in cells)))
    return table


def markdown(table: list[tuple[str, ...]], header: tuple[str, ...] = HEADER) -> str:
    """A Markdown table with padded columns, readable in a terminal and in table.md alike
    (`header`: another benchmark's own columns)."""
    widths = [max(len(line[column]) for line in (header, *table)) for column in range(len(header))]
    rule = tuple("-" * width for width in widths)
    padded = (
        (text.ljust(width) for text, width in zip(line, widths, strict=True))
        for line in (header, rule, *table)
    )
    return "\n".join(f"| {' | '.join(cells)} |" for cells in padded)
