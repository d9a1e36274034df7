"""Daily ETL of one source and one day: raw lake day -> declared output datasets.

Run with spark-submit on YARN (see spark_jobs/README.md, "Daily ETL"). Steps:
1. read /lake/raw/<source>/dt=D (only with its _SUCCESS); rows breaking the event schema and
   files Spark cannot read go to /lake/_etl/rejects/<source>/dt=D, counted;
2. compute every dataset of schemas/datasets/<source>.yml with the transform it names and stage
   it as Parquet;
3. the quality gate (bdp_jobs.etl.gate) on the staged outputs; on a problem the report says
   quality-failed, nothing is written anywhere and the job exits with EXIT_QUALITY;
4. each dataset to the writer of its kind (MySQL, Cassandra, curated lake), then the rows each
   destination holds for the day.
Every step writes the run report /lake/_etl/runs/<source>/dt=D/<run>.json.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from pyspark.sql import DataFrame, SparkSession

from bdp_jobs.etl import gate, quality, runreport, writers
from bdp_jobs.etl.datasets import Dataset, DeclarationError, load, raw_columns, transform_of
from bdp_jobs.etl.frames import conforms
from bdp_jobs.etl.rawday import IncompleteDay, RawDay, day_path, read_day
from bdp_jobs.etl.runreport import EtlLayout
from bdp_jobs.etl.writers.stores import load_stores
from bdp_jobs.hadoopfs import HadoopFS
from bdp_jobs.lake.batch import TIMEZONE_KEY
from bdp_jobs.sparkschema import SchemaError, load_schema

# Exit status when the data, not the system, is wrong (the DAG fails such a task for good).
EXIT_QUALITY = 3
EXIT_INPUT = 4  # the raw day is not complete, or the declarations are unusable


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="etl_job.py",
        description="Daily ETL of one source and day: raw lake day -> MySQL, Cassandra, lake.",
    )
    parser.add_argument("--source", required=True, help="event source, e.g. game")
    parser.add_argument("--date", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    parser.add_argument("--run-id", required=True, help="recorded in the report and the rows")
    parser.add_argument("--attempt", type=int, default=1, help="try number, for the report")
    parser.add_argument("--lake", default="/lake", help="lake root")
    parser.add_argument("--schemas-dir", required=True, help="directory with events/ and datasets/")
    parser.add_argument("--stores", required=True, help="JSON file: warehouse and Cassandra")
    parser.add_argument("--timezone", default="UTC", help="platform time zone (the lake's days)")
    parser.add_argument("--max-rejected-ratio", type=float, default=0.001)
    parser.add_argument("--max-unreadable-files", type=int, default=0)
    return parser.parse_args(argv)


def set_aside_rejects(fs: HadoopFS, raw: RawDay, layout: EtlLayout) -> int:
    """Keep the rejected rows and copies of unreadable files; return the rejected rows."""
    fs.delete(layout.rejects)
    rejected = raw.rejected_rows.count()
    if rejected:
        raw.rejected_rows.write.mode("overwrite").parquet(f"{layout.rejects}/rows")
    for path in raw.unreadable_files:
        fs.copy(path, f"{layout.rejects}/files/{HadoopFS.name(path)}")
    return rejected


def stage_datasets(
    spark: SparkSession, args: argparse.Namespace, events: DataFrame, layout: EtlLayout
) -> dict[str, tuple[Dataset, DataFrame]]:
    """Compute every dataset and stage it; return {name: (dataset, staged frame)}."""
    staged: dict[str, tuple[Dataset, DataFrame]] = {}
    for dataset in args.datasets:
        compute = args.transforms[dataset.name]
        frame = compute(events, run_id=args.run_id) if dataset.needs_run_id else compute(events)
        conforms(frame.schema, dataset)
        frame.write.mode("overwrite").parquet(layout.staging(dataset.name))
        staged[dataset.name] = (dataset, spark.read.parquet(layout.staging(dataset.name)))
    return staged


def measure(dataset: Dataset, frame: DataFrame, events: DataFrame) -> dict[str, Any]:
    checks = [(c, *quality.check_sides(c, dataset, events, frame)) for c in dataset.checks]
    return runreport.dataset_entry(
        dataset, frame.count(), quality.duplicate_keys(dataset, frame), checks
    )


def run(spark: SparkSession, args: argparse.Namespace) -> int:
    """The steps of the module's docstring; an error is recorded in the report, then raised."""
    fs = HadoopFS(spark, args.lake)
    layout = EtlLayout(args.lake, args.source, args.date)
    report = runreport.new_report(args.source, args.date, args.run_id, args.attempt)

    def save(status: str | None = None, problems: list[str] | None = None) -> None:
        if status:
            report.update(status=status, finished=runreport.now())
        if problems is not None:
            report["problems"] = problems
        fs.write_json(layout.report(args.run_id), report)

    try:
        return _steps(spark, args, fs, layout, report, save)
    except IncompleteDay:
        raise
    except Exception as exc:
        save(runreport.FAILED, [f"{type(exc).__name__}: {str(exc)[:2000]}"])
        raise


def _steps(
    spark: SparkSession,
    args: argparse.Namespace,
    fs: HadoopFS,
    layout: EtlLayout,
    report: dict[str, Any],
    save: Any,
) -> int:
    raw = read_day(
        spark, fs, day_path(args.lake, "raw", args.source, args.date), args.schema, args.date
    )
    events = raw.events.cache()
    report["raw"] = {
        "rows": events.count(),
        "rejected_rows": set_aside_rejects(fs, raw, layout),
        "unreadable_files": list(raw.unreadable_files),
        "rejects_dir": layout.rejects,
    }
    save()
    staged = stage_datasets(spark, args, events, layout)
    for name, (dataset, frame) in staged.items():
        report["datasets"][name] = measure(dataset, frame, events)
        log(f"{args.source} {args.date} {name}: {report['datasets'][name]['rows']} rows staged")
    problems = gate.before_publish(report, args.thresholds)
    if problems:
        save(runreport.QUALITY_FAILED, problems)
        return EXIT_QUALITY
    save()
    stores = load_stores(args.stores, lake=args.lake)
    for name, (dataset, frame) in staged.items():
        stored = writers.write(spark, dataset, frame, args.date, stores)
        report["datasets"][name]["stored_rows"] = stored
        log(f"{args.source} {args.date} {name}: {stored} rows in {dataset.destination}")
        save()
    problems = gate.after_publish(report)
    save(runreport.QUALITY_FAILED if problems else runreport.PUBLISHED, problems)
    fs.delete(layout.staging_day)
    return EXIT_QUALITY if problems else 0


def log(message: str) -> None:
    print(f"bdp-etl: {message}", flush=True)


def prepare(args: argparse.Namespace) -> None:
    """Add to `args` what the run needs from files: the event schema, the declarations."""
    args.thresholds = gate.Thresholds(args.max_rejected_ratio, args.max_unreadable_files)
    args.schema = load_schema(f"{args.schemas_dir}/events", args.source)
    columns = raw_columns(f"{args.schemas_dir}/events", args.source)
    args.datasets = load(f"{args.schemas_dir}/datasets/{args.source}.yml", columns)
    # Imported before Spark starts: a transform the declaration names wrongly is a bad input.
    args.transforms = {dataset.name: transform_of(dataset) for dataset in args.datasets}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        prepare(args)
    except (SchemaError, DeclarationError) as exc:
        log(f"error: {exc}")
        return EXIT_INPUT
    spark = (
        SparkSession.builder.appName(f"bdp-etl-{args.source}-{args.date}")
        .config(TIMEZONE_KEY, args.timezone)
        .getOrCreate()
    )
    try:
        status = run(spark, args)
    except IncompleteDay as exc:
        log(f"error: {exc}")
        status = EXIT_INPUT
    finally:
        spark.stop()
    if status == EXIT_QUALITY:
        log("the data-quality gate failed; see the run report's problems")
    return status


if __name__ == "__main__":
    sys.exit(main())
