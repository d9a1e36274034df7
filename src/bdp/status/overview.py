"""The platform overview from Prometheus's answers (pure: no HTTP here).

Every figure is one instant query of QUERIES; `build` turns the answers (the `result` lists of
/api/v1/query) and the firing alerts of /api/v1/alerts into an Overview. A figure Prometheus
has no series for is None: "no data", never 0.
"""

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

# One instant query per figure; the key names the answer `build` reads.
QUERIES = {
    "up": "up",
    "hdfs_used_percent": (
        "100 * sum(hadoop_namenode_capacity_used_bytes) / sum(hadoop_namenode_capacity_total_bytes)"
    ),
    "hdfs_live_datanodes": "max(hadoop_namenode_live_datanodes)",
    "hdfs_dead_datanodes": "max(hadoop_namenode_dead_datanodes)",
    "hdfs_missing_blocks": "max(hadoop_namenode_missing_blocks)",
    "hdfs_under_replicated_blocks": "max(hadoop_namenode_under_replicated_blocks)",
    "kafka_messages_in": "sum by (topic) (rate(kafka_topic_messages_in_total[5m]))",
    "kafka_under_replicated_partitions": "sum(kafka_under_replicated_partitions)",
    "kafka_offline_partitions": "sum(kafka_offline_partitions)",
    "lake_lag_events": "bdp:lake_lag_events:sum",
    "etl_last_published_day": "bdp_etl_last_published_day_timestamp_seconds",
    "etl_overdue": "time() > bool bdp_etl_publish_due_timestamp_seconds",
}

# Series: the `result` list of one /api/v1/query answer (resultType vector).
Series = list[dict[str, Any]]


@dataclass(frozen=True)
class Host:
    host: str
    up: bool | None  # None: Prometheus has no node target for it


@dataclass(frozen=True)
class Service:
    job: str
    up: int
    total: int
    down_hosts: list[str]


@dataclass(frozen=True)
class Source:
    source: str
    lake_lag_events: float | None
    last_published_day: str | None  # YYYY-MM-DD in the platform time zone
    etl_overdue: bool | None


@dataclass(frozen=True)
class Alert:
    name: str
    severity: str | None
    host: str | None
    source: str | None


@dataclass(frozen=True)
class Overview:
    prometheus: str
    timezone: str
    hosts: list[Host]
    services: list[Service]
    hdfs: dict[str, float | None]
    kafka: dict[str, float | None]
    messages_in_per_second: dict[str, float | None]  # by topic
    sources: list[Source]
    alerts: list[Alert]

    @property
    def problems(self) -> list[str]:
        """What makes the platform not OK: targets down, alerts firing, nothing scraped."""
        found = []
        down = sum(service.total - service.up for service in self.services)
        if not self.services:
            found.append("Prometheus has no targets (no series of `up`)")
        if down:
            found.append(f"{down} target(s) down")
        if self.alerts:
            found.append(f"{len(self.alerts)} alert(s) firing")
        return found


def number(sample: dict[str, Any]) -> float | None:
    """The value of one sample; None for NaN or infinity (a division by 0: no data either)."""
    value = float(sample["value"][1])
    return value if math.isfinite(value) else None


def single(series: Series) -> float | None:
    """The one value of an aggregated query; None when it has no series."""
    return number(series[0]) if series else None


def by_label(series: Series, label: str) -> dict[str, float | None]:
    return {sample["metric"].get(label, ""): number(sample) for sample in series}


def hosts(up: Series, expected: list[str]) -> list[Host]:
    """Each host with a node exporter target, and each expected one, up or down (or no data)."""
    node = {s["metric"].get("host", ""): number(s) for s in up if s["metric"].get("job") == "node"}
    return [
        Host(name, None if name not in node else node[name] == 1)
        for name in sorted(set(node) | set(expected))
    ]


def services(up: Series) -> list[Service]:
    """Per job: targets up, targets in all, the hosts of those down."""
    jobs: dict[str, list[tuple[str, bool]]] = {}
    for sample in up:
        labels = sample["metric"]
        jobs.setdefault(labels.get("job", ""), []).append(
            (labels.get("host") or labels.get("instance", "?"), number(sample) == 1)
        )
    return [
        Service(
            job,
            up=sum(ok for _, ok in targets),
            total=len(targets),
            down_hosts=sorted(host for host, ok in targets if not ok),
        )
        for job, targets in sorted(jobs.items())
    ]


def day_in(timestamp: float | None, timezone: str) -> str | None:
    """The calendar day, in `timezone`, of a midnight given as a Unix time."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, ZoneInfo(timezone)).date().isoformat()


def sources(answers: dict[str, Series], expected: list[str], timezone: str) -> list[Source]:
    """Lake lag and ETL freshness of every expected source and of every one Prometheus knows."""
    lag = by_label(answers["lake_lag_events"], "source")
    published = by_label(answers["etl_last_published_day"], "source")
    overdue = by_label(answers["etl_overdue"], "source")
    names = list(expected) + sorted((set(lag) | set(published) | set(overdue)) - set(expected))
    return [
        Source(
            name,
            lake_lag_events=lag.get(name),
            last_published_day=day_in(published.get(name), timezone),
            etl_overdue=None if overdue.get(name) is None else overdue[name] == 1,
        )
        for name in names
    ]


def firing(alerts: list[dict[str, Any]]) -> list[Alert]:
    """The firing alerts of /api/v1/alerts (pending ones are left out), by name."""
    found = []
    for alert in alerts:
        if alert.get("state") == "firing":
            labels = alert.get("labels", {})
            found.append(
                Alert(
                    name=labels.get("alertname", "?"),
                    severity=labels.get("severity"),
                    host=labels.get("host"),
                    source=labels.get("source"),
                )
            )
    return sorted(found, key=lambda a: (a.name, a.host or "", a.source or ""))


def build(
    prometheus: str,
    timezone: str,
    answers: dict[str, Series],
    alerts: list[dict[str, Any]],
    expected_hosts: list[str],
    expected_sources: list[str],
) -> Overview:
    return Overview(
        prometheus=prometheus,
        timezone=timezone,
        hosts=hosts(answers["up"], expected_hosts),
        services=services(answers["up"]),
        hdfs={
            "capacity_used_percent": single(answers["hdfs_used_percent"]),
            "live_datanodes": single(answers["hdfs_live_datanodes"]),
            "dead_datanodes": single(answers["hdfs_dead_datanodes"]),
            "missing_blocks": single(answers["hdfs_missing_blocks"]),
            "under_replicated_blocks": single(answers["hdfs_under_replicated_blocks"]),
        },
        kafka={
            "under_replicated_partitions": single(answers["kafka_under_replicated_partitions"]),
            "offline_partitions": single(answers["kafka_offline_partitions"]),
        },
        messages_in_per_second=dict(
            sorted(by_label(answers["kafka_messages_in"], "topic").items())
        ),
        sources=sources(answers, expected_sources, timezone),
        alerts=firing(alerts),
    )
