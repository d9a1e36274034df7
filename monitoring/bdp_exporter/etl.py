"""The daily ETL's run reports as samples (pure).

The ETL writes one report per run at <lake>/_etl/runs/<source>/dt=D/<run>.json, rewritten as
the run goes; its status is running, quality-failed, published or failed. Per source:

- the newest published day is the newest day with a published report; its newest published
  report gives the run duration (finished - started) and the rows stored per destination;
- a day counts as a quality-gate failure when its newest report (by finished, else started)
  is quality-failed, among the days from `window_days` before today on;
- the next day is due at the end of (newest published day + 1) plus the publish grace; before
  anything was published, the first day due is the first raw day in the lake.

The status names are the ETL's own (`bdp_jobs.etl.runreport`), repeated here because that
module needs the ETL's dependencies; a unit test keeps them equal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bdp_exporter import days
from bdp_exporter.metrics import (
    ETL_DURATION,
    ETL_LAST_PUBLISHED,
    ETL_PUBLISH_DUE,
    ETL_QUALITY_FAILURES,
    ETL_ROWS,
    NamedSample,
    sample,
)

RUNNING, QUALITY_FAILED, PUBLISHED, FAILED = "running", "quality-failed", "published", "failed"
STATUSES = (RUNNING, QUALITY_FAILED, PUBLISHED, FAILED)


class ReportError(ValueError):
    """A run report that is not what the ETL writes (or is half written)."""


@dataclass(frozen=True)
class Report:
    status: str
    started: datetime
    finished: datetime | None
    stored_rows: dict[str, int] = field(default_factory=dict)  # per destination

    @property
    def newest_moment(self) -> datetime:
        return self.finished or self.started


def _instant(value: Any, key: str) -> datetime:
    if not isinstance(value, str):
        raise ReportError(f"{key} is not a timestamp: {value!r}")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ReportError(f"{key} is not a timestamp: {value!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_report(document: Any) -> Report:
    """The fields of a run report this exporter uses; ReportError if it does not parse."""
    if not isinstance(document, dict):
        raise ReportError("not a JSON object")
    status = document.get("status")
    if status not in STATUSES:
        raise ReportError(f"unknown status {status!r}")
    finished = document.get("finished")
    datasets = document.get("datasets") or {}
    if not isinstance(datasets, dict):
        raise ReportError("datasets is not an object")
    stored: dict[str, int] = {}
    for name, entry in datasets.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("destination"), str):
            raise ReportError(f"dataset {name} has no destination")
        rows = entry.get("stored_rows")
        if rows is None:
            continue
        if isinstance(rows, bool) or not isinstance(rows, int):
            raise ReportError(f"dataset {name}: stored_rows is not a number: {rows!r}")
        stored[entry["destination"]] = stored.get(entry["destination"], 0) + rows
    return Report(
        status=status,
        started=_instant(document.get("started"), "started"),
        finished=None if finished is None else _instant(finished, "finished"),
        stored_rows=stored,
    )


def window_start(today: date, window_days: int) -> date:
    """The oldest day the quality-gate count looks at."""
    return today - timedelta(days=window_days)


def still_needed(day: date, published_found: bool, today: date, window_days: int) -> bool:
    """Whether a reader going through the days newest first needs this day's reports: it is
    in the quality window, or no published day was found yet."""
    return day >= window_start(today, window_days) or not published_found


def newest_published(day_reports: Mapping[date, Sequence[Report]]) -> tuple[date, Report] | None:
    """The newest day with a published report, and its newest published report."""
    for day in sorted(day_reports, reverse=True):
        published = [r for r in day_reports[day] if r.status == PUBLISHED]
        if published:
            return day, max(published, key=lambda r: r.newest_moment)
    return None


def quality_failed_days(
    day_reports: Mapping[date, Sequence[Report]], today: date, window_days: int
) -> int:
    start = window_start(today, window_days)
    return sum(
        1
        for day, reports in day_reports.items()
        if day >= start
        and reports
        and max(reports, key=lambda r: r.newest_moment).status == QUALITY_FAILED
    )


def etl_samples(
    source: str,
    day_reports: Mapping[date, Sequence[Report]],
    first_raw_day: date | None,
    today: date,
    window_days: int,
    timezone: str,
    publish_grace: timedelta,
) -> list[NamedSample]:
    """Samples of one source. `day_reports` holds the parsed reports of each day read (at
    least the quality window and the days back to the newest published one); `first_raw_day`
    is the oldest raw day in the lake, needed only when nothing was published."""
    samples = [
        sample(
            ETL_QUALITY_FAILURES,
            quality_failed_days(day_reports, today, window_days),
            source=source,
        )
    ]
    found = newest_published(day_reports)
    if found is None:
        candidates = [d for d in (first_raw_day, min(day_reports, default=None)) if d]
        if candidates:
            first_due = days.due(min(candidates), timezone, publish_grace)
            samples.append(sample(ETL_PUBLISH_DUE, first_due.timestamp(), source=source))
        return samples
    day, report = found
    start = days.start_of_day(day, timezone)
    next_due = days.due(day + timedelta(days=1), timezone, publish_grace)
    samples.append(sample(ETL_LAST_PUBLISHED, start.timestamp(), source=source))
    samples.append(sample(ETL_PUBLISH_DUE, next_due.timestamp(), source=source))
    if report.finished is not None:
        duration = (report.finished - report.started).total_seconds()
        samples.append(sample(ETL_DURATION, duration, source=source))
    for destination, rows in report.stored_rows.items():
        samples.append(sample(ETL_ROWS, rows, source=source, destination=destination))
    return samples
