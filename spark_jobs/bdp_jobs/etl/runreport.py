"""Where the daily ETL keeps its own files, and the run report it writes there (no I/O).

<lake>/_etl/runs/<source>/dt=D/<run>.json   the report of each run (latest attempt)
<lake>/_etl/staging/<source>/dt=D/<dataset> the outputs between the gate and the writers
<lake>/_etl/rejects/<source>/dt=D/rows      raw rows that break the event schema
<lake>/_etl/rejects/<source>/dt=D/files     copies of raw files Spark cannot read
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from bdp_jobs.etl.datasets import Check, Dataset
from bdp_jobs.lake.layout import day_dir_name

# Report states: the job is going, the gate stopped the day, the writers finished, or an error
# (a store down, a bug) stopped the job; a retry starts again from the raw day.
RUNNING, QUALITY_FAILED, PUBLISHED, FAILED = "running", "quality-failed", "published", "failed"


def file_safe(run_id: str) -> str:
    """A run id as a file name: HDFS refuses ':' in names, and Airflow's ids contain it."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", run_id)


def source_area(lake: str, area: str, source: str) -> str:
    """<lake>/_etl/<area>/<source>: area is runs, staging or rejects."""
    return f"{lake.rstrip('/')}/_etl/{area}/{source}"


@dataclass(frozen=True)
class EtlLayout:
    lake: str
    source: str
    day: date

    def _under(self, area: str) -> str:
        return f"{source_area(self.lake, area, self.source)}/{day_dir_name(self.day)}"

    def report(self, run_id: str) -> str:
        return f"{self._under('runs')}/{file_safe(run_id)}.json"

    def staging(self, dataset: str) -> str:
        return f"{self._under('staging')}/{dataset}"

    @property
    def staging_day(self) -> str:
        return self._under("staging")

    @property
    def rejects(self) -> str:
        return self._under("rejects")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def check_detail(check: Check) -> str:
    """A check in words, for the report and the gate's messages."""
    if check.rule == "one-row-per-raw-key":
        detail = f"raw key ({', '.join(check.raw_key)})"
    else:
        detail = f"count columns ({', '.join(check.count_columns)})"
    return f"{detail} where {check.raw_filter}" if check.raw_filter else detail


def new_report(source: str, day: date, run_id: str, attempt: int) -> dict[str, Any]:
    return {
        "source": source,
        "dt": day.isoformat(),
        "run_id": run_id,
        "attempt": attempt,
        "started": now(),
        "finished": None,
        "status": RUNNING,
        "raw": {},
        "datasets": {},
        "problems": [],
    }


def dataset_entry(
    dataset: Dataset, rows: int, duplicate_keys: int, checks: list[tuple[Check, int, int]]
) -> dict[str, Any]:
    return {
        "kind": dataset.kind,
        "destination": dataset.destination,
        "key": list(dataset.key),
        "rows": rows,
        "duplicate_keys": duplicate_keys,
        "checks": [
            {"rule": check.rule, "detail": check_detail(check), "raw": raw, "output": output}
            for check, raw, output in checks
        ],
        "stored_rows": None,
    }
