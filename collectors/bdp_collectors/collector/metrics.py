"""The collector's Stats as Prometheus metric families, named bdp_collector_* (pure: no I/O)."""

from datetime import datetime
from typing import TYPE_CHECKING

from bdp_runtime.exposition import MetricFamily, MetricType, Sample

if TYPE_CHECKING:  # stats.py serves these families, so it imports this module
    from bdp_collectors.collector.stats import Stats

PREFIX = "bdp_collector_"


def iso_seconds(text: str) -> float:
    """Unix seconds of a time as the platform writes it (UTC ISO-8601 ending in Z)."""
    return datetime.fromisoformat(text).timestamp()


def single_families(stats: "Stats") -> list[MetricFamily]:
    """The families of one sample each, labelled with the source. A value not known yet (lag
    and last poll before the first page) has no sample: an absent series, rather than a 0 that
    would read as a real lag or time."""
    last_poll = None if stats.last_poll_at is None else iso_seconds(stats.last_poll_at)
    rows: list[tuple[str, MetricType, str, float | None]] = [
        ("up", "gauge", "1 while the loop runs and its last poll succeeded.", int(stats.up)),
        ("events_polled_total", "counter", "Events polled from the API.", stats.polled),
        ("events_produced_total", "counter", "Valid events sent to Kafka.", stats.produced),
        (
            "events_rejected_total",
            "counter",
            "Items sent to the DLQ topic.",
            stats.rejected,
        ),
        ("kafka_errors_total", "counter", "Sends to Kafka that failed.", stats.kafka_errors),
        ("lag_events", "gauge", "Events released by the API, not polled yet.", stats.lag),
        ("last_poll_timestamp_seconds", "gauge", "Unix time of the last good poll.", last_poll),
    ]
    labels = {"source": stats.source}
    return [
        MetricFamily(PREFIX + name, type_, help_, () if value is None else (Sample(value, labels),))
        for name, type_, help_, value in rows
    ]


def api_errors_family(stats: "Stats") -> MetricFamily:
    by_kind = stats.api_error_kinds  # read once: the loop replaces the dict, never changes it
    samples = tuple(
        Sample(count, {"source": stats.source, "kind": kind}) for kind, count in by_kind.items()
    )
    return MetricFamily(PREFIX + "api_errors_total", "counter", "Failed polls, by kind.", samples)


def delivery_family(stats: "Stats") -> MetricFamily:
    labels = {"source": stats.source}
    samples = (
        Sample(stats.delivery_seconds, labels, "_sum"),
        Sample(stats.deliveries, labels, "_count"),
    )
    help_ = "Seconds each send of records to Kafka took until every record was confirmed or failed."
    return MetricFamily(PREFIX + "kafka_delivery_seconds", "summary", help_, samples)


def collector_families(stats: "Stats") -> list[MetricFamily]:
    """Every bdp_collector_* family of one collector."""
    return [*single_families(stats), api_errors_family(stats), delivery_family(stats)]
