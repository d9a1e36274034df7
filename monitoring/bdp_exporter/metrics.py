"""The metrics this exporter serves, in the order it serves them."""

from __future__ import annotations

from bdp_exporter.exposition import Family

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

FAMILIES: dict[str, Family] = {
    family.name: family
    for family in [
        Family(PROBE_SUCCESS, "gauge", "1 if the probe's last run succeeded, else 0."),
        Family(LAKE_LAST_BATCH, "gauge", "When the lake writer wrote its state (updated_at)."),
        Family(LAKE_BATCH_ID, "gauge", "The lake writer's last committed batch id."),
        Family(LAKE_OFFSET, "gauge", "Next Kafka offset the lake writer reads."),
        Family(
            LAKE_ROWS,
            "counter",
            "Rows the lake writer handled since its checkpoint began, by kind "
            "(raw, late, duplicate, rejected, future; future rows are also rejected).",
        ),
        Family(
            LAKE_COMPLETE_THROUGH,
            "gauge",
            "End (next midnight, platform time zone) of the newest complete raw day.",
        ),
        Family(
            LAKE_DAY_DUE,
            "gauge",
            "When the next raw day should be complete: its end plus the raw grace.",
        ),
        Family(
            ETL_LAST_PUBLISHED,
            "gauge",
            "Start (midnight, platform time zone) of the newest day the ETL published.",
        ),
        Family(
            ETL_PUBLISH_DUE,
            "gauge",
            "When the next day should be published: its end plus the publish grace.",
        ),
        Family(ETL_DURATION, "gauge", "Duration of the newest published day's run."),
        Family(ETL_ROWS, "gauge", "Rows the newest published day's run stored, per destination."),
        Family(
            ETL_QUALITY_FAILURES,
            "gauge",
            "Days among the last N whose newest run report is quality-failed.",
        ),
        Family(
            OPENSEARCH_STATUS,
            "gauge",
            "OpenSearch cluster health: 1 for the current status, 0 for the others.",
        ),
        Family(TLS_EXPIRY, "gauge", "notAfter of the certificate the endpoint presents."),
    ]
}
