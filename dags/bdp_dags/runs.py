"""What `bdp etl status` shows: the latest runs per source and day, rows per destination."""

from __future__ import annotations

from typing import Any

from bdp_dags import webhdfs
from bdp_dags.settings import Settings
from bdp_jobs.etl import runreport


def latest_reports(settings: Settings, source: str, days: int) -> list[dict[str, Any]]:
    """The newest report of each of the `days` most recent days with one, newest day first."""
    source_dir = runreport.source_area(settings["lake"], "runs", source)
    reports = []
    for day_dir in reversed(webhdfs.list_names(settings, source_dir)):
        if len(reports) == days:
            break
        found = [
            webhdfs.read_json(settings, f"{source_dir}/{day_dir}/{name}")
            for name in webhdfs.list_names(settings, f"{source_dir}/{day_dir}")
            if name.endswith(".json")
        ]
        found = [r for r in found if r]
        if found:
            reports.append(max(found, key=lambda r: r.get("finished") or r["started"]))
    return reports


def rows(report: dict[str, Any]) -> list[list[str]]:
    """Table rows of one report: one per dataset."""
    return [
        [
            report["source"],
            report["dt"],
            report["status"],
            name,
            entry["kind"],
            entry["destination"],
            str(entry["rows"]),
            "-" if entry["stored_rows"] is None else str(entry["stored_rows"]),
            report["run_id"],
            report.get("finished") or "",
        ]
        for name, entry in sorted(report["datasets"].items())
    ] or [
        [
            report["source"],
            report["dt"],
            report["status"],
            "-",
            "",
            "",
            "",
            "",
            report["run_id"],
            report.get("finished") or "",
        ]
    ]


HEADER = [
    "SOURCE",
    "DAY",
    "STATUS",
    "DATASET",
    "KIND",
    "DESTINATION",
    "ROWS",
    "STORED",
    "RUN",
    "FINISHED",
]


def table(lines: list[list[str]]) -> str:
    widths = [max(len(line[i]) for line in [HEADER, *lines]) for i in range(len(HEADER))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in [HEADER, *lines]
    )
