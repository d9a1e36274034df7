"""The metrics this exporter serves, in the order it serves them, and how the probes' samples
become their families for bdp_runtime.exposition to render."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from bdp_runtime.exposition import MetricFamily, Sample

PROBE_SUCCESS = "bdp_exporter_probe_success"
LAKE_LAST_BATCH = "bdp_lake_writer_last_batch_timestamp_seconds"
LAKE_BATCH_ID = "bdp_lake_writer_batch_id"
LAKE_OFFSET = "bdp_lake_committed_offset"
LAKE_ROWS = "bdp_lake_rows_total"
LAKE_COMPLETE_THROUGH = "bdp_lake_complete_through_timestamp_seconds"
LAKE_DAY_DUE = "bdp_lake_day_due_timestamp_seconds"
ETL_LAST_PUBLISHED = "bdp_etl_last_published_day_timestamp_seconds"
ETL_PUBLISH_DUE = "bdp_etl_publish_due_timestamp_seconds"
ETL_DURATION = "bdp_etl_run_duration_seconds"
ETL_ROWS = "bdp_etl_rows"
ETL_QUALITY_FAILURES = "bdp_etl_quality_gate_failures"
OPENSEARCH_STATUS = "bdp_opensearch_cluster_status"
TLS_EXPIRY = "bdp_tls_certificate_expiry_timestamp_seconds"

FAMILIES: dict[str, MetricFamily] = {
    family.name: family
    for family in [
        MetricFamily(PROBE_SUCCESS, "gauge", "1 if the probe's last run succeeded, else 0."),
        MetricFamily(
            LAKE_LAST_BATCH, "gauge", "When the lake writer wrote its state (updated_at)."
        ),
        MetricFamily(LAKE_BATCH_ID, "gauge", "The lake writer's last committed batch id."),
        MetricFamily(LAKE_OFFSET, "gauge", "Next Kafka offset the lake writer reads."),
        MetricFamily(
            LAKE_ROWS,
            "counter",
            "Rows the lake writer handled since its checkpoint began, by kind "
            "(raw, late, duplicate, rejected, future; future rows are also rejected).",
        ),
        MetricFamily(
            LAKE_COMPLETE_THROUGH,
            "gauge",
            "End (next midnight, platform time zone) of the newest complete raw day.",
        ),
        MetricFamily(
            LAKE_DAY_DUE,
            "gauge",
            "When the next raw day should be complete: its end plus the raw grace.",
        ),
        MetricFamily(
            ETL_LAST_PUBLISHED,
            "gauge",
            "Start (midnight, platform time zone) of the newest day the ETL published.",
        ),
        MetricFamily(
            ETL_PUBLISH_DUE,
            "gauge",
            "When the next day should be published: its end plus the publish grace.",
        ),
        MetricFamily(ETL_DURATION, "gauge", "Duration of the newest published day's run."),
        MetricFamily(
            ETL_ROWS, "gauge", "Rows the newest published day's run stored, per destination."
        ),
        MetricFamily(
            ETL_QUALITY_FAILURES,
            "gauge",
            "Days among the last N whose newest run report is quality-failed.",
        ),
        MetricFamily(
            OPENSEARCH_STATUS,
            "gauge",
            "OpenSearch cluster health: 1 for the current status, 0 for the others.",
        ),
        MetricFamily(TLS_EXPIRY, "gauge", "notAfter of the certificate the endpoint presents."),
    ]
}


@dataclass(frozen=True)
class NamedSample:
    """A sample as a probe returns it: the name of its family and its labels sorted by name."""

    name: str
    labels: tuple[tuple[str, str], ...]
    value: float


def sample(name: str, value: float, **labels: str) -> NamedSample:
    return NamedSample(name, tuple(sorted(labels.items())), value)


def families(
    samples: Iterable[NamedSample], declared: Mapping[str, MetricFamily] = FAMILIES
) -> list[MetricFamily]:
    """The declared families that have samples, in the order of `declared`, each with its
    samples sorted by labels. A family without samples is left out entirely, so a failed probe
    shows no HELP or TYPE line for its metrics. A sample of an undeclared family is a bug here,
    so it raises rather than being dropped."""
    grouped: dict[str, list[NamedSample]] = {}
    for item in samples:
        if item.name not in declared:
            raise ValueError(f"sample of undeclared metric {item.name}")
        grouped.setdefault(item.name, []).append(item)
    return [
        replace(
            family,
            samples=tuple(
                Sample(item.value, dict(item.labels))
                for item in sorted(grouped[name], key=lambda found: found.labels)
            ),
        )
        for name, family in declared.items()
        if name in grouped
    ]
