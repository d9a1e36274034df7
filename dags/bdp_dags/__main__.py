"""`python -m bdp_dags`: the daily ETL for operators, outside Airflow (behind `bdp etl`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, date, datetime

from bdp_dags import runs, submit, webhdfs
from bdp_dags.settings import DataQualityError, EtlError, Settings, load_settings


def run(settings: Settings, day: date, sources: list[str], run_id: str) -> int:
    """The DAG's steps for `day`, source after source; a raw day that is not complete is an
    error here (the DAG's sensor would wait for it)."""
    failed = 0
    for source in sources:
        marker = submit.raw_day_marker(settings, source, day)
        try:
            if not webhdfs.exists(settings, marker):
                held = submit.held_empty_day(settings, source, day)
                raise EtlError(held or f"{source} {day}: the raw day is not complete (no {marker})")
            submit.run_job(settings, source, day, run_id, attempt=1)
            report = submit.check_report(settings, source, day, run_id)
        except DataQualityError as exc:
            print(f"bdp-etl: data-quality gate failed: {exc}", file=sys.stderr)
            failed += 1
            continue
        except EtlError as exc:
            print(f"bdp-etl: {exc}", file=sys.stderr)
            failed += 1
            continue
        print(runs.table(runs.rows(report)), flush=True)
    return 1 if failed else 0


# The command an operator typed, for usage lines: `bdp etl` sets it when it runs this module
# on a worker.
PROG_ENV = "BDP_ETL_PROG"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=os.environ.get(PROG_ENV, "python -m bdp_dags"),
        description="The daily ETL outside Airflow, for operators.",
    )
    parser.add_argument("--settings", help="etl.json (default: /etc/bdp/etl/etl.json)")
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="run the ETL of one day now")
    run_parser.add_argument("--date", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    run_parser.add_argument("--source", action="append", help="only this source (repeatable)")
    run_parser.add_argument("--run-id", help="default: manual__<UTC time>")
    status_parser = commands.add_parser("status", help="latest runs and rows per destination")
    status_parser.add_argument("--days", type=int, default=7, help="days per source")
    status_parser.add_argument("--json", action="store_true", help="the run reports as JSON")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.settings)
        if args.command == "run":
            unknown = sorted(set(args.source or []) - set(settings.sources))
            if unknown:
                parser.error(f"unknown source(s) {', '.join(unknown)}; known: {settings.sources}")
            run_id = args.run_id or f"manual__{datetime.now(UTC):%Y-%m-%dT%H:%M:%S}"
            return run(settings, args.date, args.source or settings.sources, run_id)
        reports = [
            report
            for source in settings.sources
            for report in runs.latest_reports(settings, source, args.days)
        ]
    except EtlError as exc:
        print(f"bdp-etl: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(reports, indent=2, sort_keys=True))
    else:
        print(runs.table([line for report in reports for line in runs.rows(report)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
