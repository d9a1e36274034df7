"""The data-quality gate over a run report (plain Python: the DAG's quality task uses it too).

A run report (`runreport`) holds what the job measured; these functions say what is wrong
with it. A problem here means the data, not the system, is wrong: a retry would see the same
data, so the caller fails without retrying.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Thresholds:
    max_rejected_ratio: float = 0.001  # rejected raw rows / all raw rows of the day
    max_unreadable_files: int = 0


def before_publish(report: Mapping[str, Any], thresholds: Thresholds) -> list[str]:
    """Problems that must keep the day's outputs away from every destination."""
    raw = report["raw"]
    problems = []
    if raw["rows"] == 0:
        problems.append(f"{report['source']} {report['dt']}: the raw day has no valid rows")
    total = raw["rows"] + raw["rejected_rows"]
    if total and raw["rejected_rows"] / total > thresholds.max_rejected_ratio:
        problems.append(
            f"{report['source']} {report['dt']}: {raw['rejected_rows']} of {total} raw rows"
            f" rejected, above the threshold {thresholds.max_rejected_ratio:.4%}"
            f" (they are in {raw['rejects_dir']})"
        )
    unreadable = raw["unreadable_files"]
    if len(unreadable) > thresholds.max_unreadable_files:
        problems.append(
            f"{report['source']} {report['dt']}: {len(unreadable)} unreadable raw file(s),"
            f" copied to {raw['rejects_dir']}: {', '.join(unreadable)}"
        )
    for name, dataset in sorted(report["datasets"].items()):
        where = f"{report['source']}.{name} {report['dt']}"
        if dataset["rows"] == 0 and raw["rows"] > 0:
            problems.append(f"{where}: no rows from {raw['rows']} raw rows")
        if dataset["duplicate_keys"]:
            problems.append(
                f"{where}: {dataset['duplicate_keys']} key(s) repeated"
                f" (key {', '.join(dataset['key'])})"
            )
        for check in dataset["checks"]:
            if check["raw"] != check["output"]:
                problems.append(
                    f"{where}: {check['rule']} {check['detail']}: raw side {check['raw']},"
                    f" output side {check['output']}"
                )
    return problems


def after_publish(report: Mapping[str, Any]) -> list[str]:
    """Problems with what the destinations hold after the writes."""
    problems = []
    for name, dataset in sorted(report["datasets"].items()):
        stored = dataset.get("stored_rows")
        if stored is None:
            problems.append(f"{report['source']}.{name} {report['dt']}: not published")
        elif stored != dataset["rows"]:
            problems.append(
                f"{report['source']}.{name} {report['dt']}: {dataset['destination']} holds"
                f" {stored} rows for the day, the output has {dataset['rows']}"
            )
    return problems
