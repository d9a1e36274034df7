"""Shared by the exporter's unit tests and the monitoring lab test: ETL run reports built by
the ETL's own code (bdp_jobs.etl.runreport), with the fields a test sets."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from bdp_jobs.etl import runreport
from bdp_jobs.etl.datasets import Dataset


def stamp(moment: datetime) -> str:
    """A time as runreport.now() writes it."""
    return moment.isoformat(timespec="seconds")


def run_report(
    status: str,
    started: datetime,
    finished: datetime | None = None,
    stored: Iterable[tuple[str, str, int]] = (),
    *,
    source: str = "game",
    day: date | None = None,
    run_id: str | None = None,
    attempt: int = 1,
) -> dict[str, Any]:
    """A report of `source`'s run for `day` (by default the day before `started`, with
    Airflow's scheduled run id), and a dataset entry for each (name, destination, stored rows)
    in `stored`."""
    day = day or started.date() - timedelta(days=1)
    report = runreport.new_report(
        source, day, run_id or f"scheduled__{day}T00:00:00+00:00", attempt
    )
    report["status"] = status
    report["started"] = stamp(started)
    report["finished"] = stamp(finished) if finished else None
    for name, destination, rows in stored:
        dataset = Dataset(source, name, "", "structured", "", destination, (), (), ())
        report["datasets"][name] = runreport.dataset_entry(dataset, rows, 0, []) | {
            "stored_rows": rows
        }
    return report
