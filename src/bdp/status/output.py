"""The overview as text for the terminal and as one JSON object (pure)."""

import json
from dataclasses import asdict
from typing import Any

from bdp.demo.render import table
from bdp.status.overview import Overview

NO_DATA = "no data"


def count(value: float | None) -> str:
    if value is None:
        return NO_DATA
    return str(int(value)) if value.is_integer() else f"{value:g}"


def fixed(value: float | None, unit: str) -> str:
    return NO_DATA if value is None else f"{value:.1f}{unit}"


def yes_no(value: bool | None, yes: str = "yes", no: str = "no") -> str:
    return NO_DATA if value is None else yes if value else no


def verdict(overview: Overview) -> str:
    problems = overview.problems
    return f"NOT OK: {', '.join(problems)}" if problems else "OK: every target up, no alert firing"


def as_text(overview: Overview) -> str:
    hdfs, kafka = overview.hdfs, overview.kafka
    topics = overview.messages_in_per_second
    sections = [
        f"Prometheus {overview.prometheus} (platform time zone {overview.timezone})\n",
        table(("HOST", "NODE"), [[h.host, yes_no(h.up, "up", "DOWN")] for h in overview.hosts]),
        table(
            ("JOB", "UP", "DOWN ON"),
            [[s.job, f"{s.up}/{s.total}", ", ".join(s.down_hosts)] for s in overview.services]
            or [["(none)", NO_DATA, ""]],
        ),
        table(
            ("HDFS", ""),
            [
                ["capacity used", fixed(hdfs["capacity_used_percent"], " %")],
                ["live DataNodes", count(hdfs["live_datanodes"])],
                ["dead DataNodes", count(hdfs["dead_datanodes"])],
                ["missing blocks", count(hdfs["missing_blocks"])],
                ["under-replicated blocks", count(hdfs["under_replicated_blocks"])],
            ],
        ),
        table(
            ("KAFKA", ""),
            [
                ["under-replicated partitions", count(kafka["under_replicated_partitions"])],
                ["offline partitions", count(kafka["offline_partitions"])],
            ],
        ),
        table(
            ("TOPIC", "MESSAGES IN/S (5m)"),
            [[topic, fixed(rate, "")] for topic, rate in topics.items()] or [["(all)", NO_DATA]],
        ),
        table(
            ("SOURCE", "LAKE LAG (EVENTS)", "LAST PUBLISHED DAY", "ETL OVERDUE"),
            [
                [
                    s.source,
                    count(s.lake_lag_events),
                    s.last_published_day or NO_DATA,
                    yes_no(s.etl_overdue),
                ]
                for s in overview.sources
            ],
        ),
        table(
            ("FIRING ALERT", "SEVERITY", "HOST", "SOURCE"),
            [[a.name, a.severity or "", a.host or "", a.source or ""] for a in overview.alerts],
        )
        if overview.alerts
        else "no alert firing\n",
        verdict(overview) + "\n",
    ]
    return "\n".join(sections)


def plain(value: Any) -> Any:
    """Whole numbers as JSON integers (Prometheus answers floats), the rest unchanged."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def as_json(overview: Overview) -> str:
    """One JSON object; null where Prometheus has no data."""
    fields = asdict(overview)
    document = {
        "prometheus": fields["prometheus"],
        "timezone": fields["timezone"],
        "ok": not overview.problems,
        "problems": overview.problems,
        "hosts": fields["hosts"],
        "services": fields["services"],
        "hdfs": fields["hdfs"],
        "kafka": {**fields["kafka"], "messages_in_per_second": fields["messages_in_per_second"]},
        "sources": fields["sources"],
        "alerts": fields["alerts"],
    }
    return json.dumps(plain(document), indent=2) + "\n"
