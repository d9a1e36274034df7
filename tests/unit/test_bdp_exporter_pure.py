"""The exporter's pure parts: samples grouped into families, day arithmetic across
daylight-saving changes, the lake writer state and the ETL run reports as samples, the config."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from bdp_exporter import days, etl, lake, tls
from bdp_exporter.config import ConfigError, parse_config
from bdp_exporter.metrics import FAMILIES, families, sample
from bdp_jobs.lake.state import SourceState, render_state
from bdp_runtime.exposition import MetricFamily, Sample, check_family, render
from bdp_runtime.spnego import KerberosLogin
from reportkit import run_report


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


def ts(*parts):
    return utc(*parts).timestamp()


def values(samples):
    return {(s.name, s.labels): s.value for s in samples}


def labels(**found):
    return tuple(sorted(found.items()))


# --- samples into families ----------------------------------------------------------------

DECLARED = {
    "b_total": MetricFamily("b_total", "counter", "B."),
    "a": MetricFamily("a", "gauge", "A."),
    "unused": MetricFamily("unused", "gauge", "Never sampled."),
}


def test_families_in_declared_order_with_samples_sorted_by_labels():
    found = families(
        [sample("a", 1.5, x="q"), sample("b_total", 3), sample("a", 2, x="a", y="z")], DECLARED
    )
    assert found == [
        MetricFamily("b_total", "counter", "B.", (Sample(3, {}),)),
        MetricFamily(
            "a", "gauge", "A.", (Sample(2, {"x": "a", "y": "z"}), Sample(1.5, {"x": "q"}))
        ),
    ]
    assert render(found) == (
        "# HELP b_total B.\n"
        "# TYPE b_total counter\n"
        "b_total 3\n"
        "# HELP a A.\n"
        "# TYPE a gauge\n"
        'a{x="a",y="z"} 2\n'
        'a{x="q"} 1.5\n'
    )


def test_a_family_without_samples_is_left_out():
    """A failed probe shows no HELP or TYPE line for its metrics."""
    assert families([], DECLARED) == []
    assert render(families([], DECLARED)) == ""


def test_undeclared_and_duplicate_samples_are_refused():
    with pytest.raises(ValueError, match="undeclared"):
        families([sample("nope", 1)], DECLARED)
    twice = families([sample("a", 1, x="1"), sample("a", 2, x="1")], DECLARED)
    with pytest.raises(ValueError, match="two samples"):
        render(twice)


def test_the_served_families_pass_the_writers_checks():
    """Counters named *_total, valid names: a scrape cannot fail on a declaration."""
    for family in FAMILIES.values():
        check_family(family)
    every = families(sample(name, 1, source="game") for name in FAMILIES)
    assert [family.name for family in every] == list(FAMILIES)
    assert render(every).count("# TYPE ") == len(FAMILIES)


# --- days ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timezone", "day", "hours"),
    [
        ("Europe/Berlin", date(2026, 3, 29), 23),
        ("Europe/Berlin", date(2026, 10, 25), 25),
        ("Europe/Berlin", date(2026, 3, 28), 24),
        ("Asia/Seoul", date(2026, 3, 29), 24),
        ("Asia/Seoul", date(2026, 10, 25), 24),
    ],
)
def test_a_day_lasts_from_midnight_to_midnight(timezone, day, hours):
    length = days.end_of_day(day, timezone) - days.start_of_day(day, timezone)
    assert length == timedelta(hours=hours)


def test_day_boundaries_in_seoul_and_berlin():
    assert days.start_of_day(date(2026, 3, 29), "Asia/Seoul") == utc(2026, 3, 28, 15)
    assert days.end_of_day(date(2026, 3, 29), "Europe/Berlin") == utc(2026, 3, 29, 22)
    assert days.due(date(2026, 10, 25), "Europe/Berlin", timedelta(hours=6)) == utc(2026, 10, 26, 5)
    assert days.today(utc(2026, 3, 28, 15), "Asia/Seoul") == date(2026, 3, 29)
    assert days.today(utc(2026, 3, 28, 14, 59, 59), "Asia/Seoul") == date(2026, 3, 28)


# --- lake writer state --------------------------------------------------------------------


def state_document(**sources):
    return render_state(41, sources, utc(2026, 3, 29, 1, 2, 3))


def test_lake_state_as_samples_across_the_spring_change_in_berlin():
    document = state_document(
        game=SourceState(
            max_event_time=utc(2026, 3, 29, 1),
            complete_through=date(2026, 3, 28),
            offsets={"game.events": {"0": 17, "1": 5}},
            rows_raw=100,
            rows_late=3,
            duplicates_dropped=2,
            rows_rejected=4,
            rows_future=1,
        ),
        other=SourceState(rows_raw=9),
    )
    found = values(
        lake.lake_samples(document, ["game", "ads"], "Europe/Berlin", timedelta(hours=2))
    )
    assert found == {
        ("bdp_lake_writer_last_batch_timestamp_seconds", ()): ts(2026, 3, 29, 1, 2, 3),
        ("bdp_lake_writer_batch_id", ()): 41,
        **{
            (
                "bdp_lake_committed_offset",
                labels(source="game", topic="game.events", partition=p),
            ): o
            for p, o in [("0", 17), ("1", 5)]
        },
        **{
            ("bdp_lake_rows_total", labels(source="game", kind=k)): n
            for k, n in [
                ("raw", 100),
                ("late", 3),
                ("duplicate", 2),
                ("rejected", 4),
                ("future", 1),
            ]
        },
        # Midnight after 2026-03-28 is still CET (+1) ...
        ("bdp_lake_complete_through_timestamp_seconds", labels(source="game")): ts(2026, 3, 28, 23),
        # ... the next day has 23 hours, then 2 hours of grace.
        ("bdp_lake_day_due_timestamp_seconds", labels(source="game")): ts(2026, 3, 30, 0),
    }


def test_lake_state_in_seoul_and_a_source_without_events():
    document = state_document(
        game=SourceState(complete_through=date(2026, 10, 24)), ads=SourceState()
    )
    found = values(lake.lake_samples(document, ["game", "ads"], "Asia/Seoul", timedelta(0)))
    assert found[("bdp_lake_complete_through_timestamp_seconds", labels(source="game"))] == ts(
        2026, 10, 24, 15
    )
    assert found[("bdp_lake_day_due_timestamp_seconds", labels(source="game"))] == ts(
        2026, 10, 25, 15
    )
    # No complete day yet: its rows count, but no day timestamps rather than a made-up one.
    assert ("bdp_lake_rows_total", labels(source="ads", kind="raw")) in found
    assert not [k for k in found if k[0].startswith("bdp_lake_day") and ("source", "ads") in k[1]]
    assert ("bdp_lake_complete_through_timestamp_seconds", labels(source="ads")) not in found


@pytest.mark.parametrize(
    "document",
    [[], {}, {"batch_id": 1}, {"batch_id": "x", "updated_at": "2026-01-01T00:00:00Z"}],
)
def test_a_lake_state_that_does_not_parse_is_an_error(document):
    with pytest.raises(lake.StateError):
        lake.lake_samples(document, ["game"], "UTC", timedelta(0))


# --- ETL run reports ----------------------------------------------------------------------


def test_status_names_are_the_etls():
    from bdp_jobs.etl import runreport

    assert etl.STATUSES == (
        runreport.RUNNING,
        runreport.QUALITY_FAILED,
        runreport.PUBLISHED,
        runreport.FAILED,
    )


def parsed(*documents):
    return [etl.parse_report(d) for d in documents]


def test_newest_published_day_in_berlin_autumn():
    reports = {
        date(2026, 10, 26): parsed(run_report("running", utc(2026, 10, 27, 3))),
        date(2026, 10, 25): parsed(
            run_report("quality-failed", utc(2026, 10, 26, 3), utc(2026, 10, 26, 3, 5)),
        ),
        date(2026, 10, 24): parsed(
            run_report("failed", utc(2026, 10, 25, 3), utc(2026, 10, 25, 3, 1)),
            run_report(
                "published",
                utc(2026, 10, 25, 4),
                utc(2026, 10, 25, 4, 10, 30),
                [
                    ("events", "cassandra:game.events", 70),
                    ("daily", "mariadb:game_daily", 3),
                    ("hourly", "mariadb:game_daily", 24),
                ],
            ),
        ),
        date(2026, 10, 23): parsed(
            run_report("published", utc(2026, 10, 24, 3), utc(2026, 10, 24, 4))
        ),
    }
    found = values(
        etl.etl_samples(
            "game", reports, None, date(2026, 10, 27), 7, "Europe/Berlin", timedelta(hours=6)
        )
    )
    source = labels(source="game")
    assert found == {
        ("bdp_etl_quality_gate_failures", source): 1,
        # 2026-10-24 starts at midnight CEST (+2).
        ("bdp_etl_last_published_day_timestamp_seconds", source): ts(2026, 10, 23, 22),
        # 2026-10-25 has 25 hours and ends at midnight CET (+1), then 6 hours of grace.
        ("bdp_etl_publish_due_timestamp_seconds", source): ts(2026, 10, 26, 5),
        ("bdp_etl_run_duration_seconds", source): 630,
        ("bdp_etl_rows", labels(source="game", destination="cassandra:game.events")): 70,
        ("bdp_etl_rows", labels(source="game", destination="mariadb:game_daily")): 27,
    }


def test_quality_failures_count_days_by_their_newest_report_within_the_window():
    qf, pub = "quality-failed", "published"
    reports = {
        # Failed the gate, then a rerun published it: not a failure.
        date(2026, 3, 20): parsed(
            run_report(qf, utc(2026, 3, 21, 1), utc(2026, 3, 21, 2)),
            run_report(pub, utc(2026, 3, 21, 5), utc(2026, 3, 21, 6)),
        ),
        # Published, then a rerun failed the gate: a failure.
        date(2026, 3, 19): parsed(
            run_report(pub, utc(2026, 3, 20, 1), utc(2026, 3, 20, 2)),
            run_report(qf, utc(2026, 3, 20, 5), utc(2026, 3, 20, 6)),
        ),
        date(2026, 3, 14): parsed(run_report(qf, utc(2026, 3, 15, 1), utc(2026, 3, 15, 2))),
        date(2026, 3, 13): parsed(run_report(qf, utc(2026, 3, 14, 1), utc(2026, 3, 14, 2))),
    }
    assert etl.quality_failed_days(reports, date(2026, 3, 21), 7) == 2  # from 03-14 on
    assert etl.quality_failed_days(reports, date(2026, 3, 21), 1) == 0
    found = values(
        etl.etl_samples("raid", reports, None, date(2026, 3, 21), 7, "Asia/Seoul", timedelta(0))
    )
    # Seoul has no daylight-saving time: 2026-03-20 starts at 15:00 UTC the day before.
    assert found[("bdp_etl_last_published_day_timestamp_seconds", labels(source="raid"))] == ts(
        2026, 3, 19, 15
    )
    assert found[("bdp_etl_publish_due_timestamp_seconds", labels(source="raid"))] == ts(
        2026, 3, 21, 15
    )


def test_a_source_with_no_reports_is_due_from_its_first_raw_day():
    found = values(
        etl.etl_samples(
            "ads", {}, date(2026, 3, 28), date(2026, 4, 2), 7, "Europe/Berlin", timedelta(hours=3)
        )
    )
    assert found == {
        ("bdp_etl_quality_gate_failures", labels(source="ads")): 0,
        # 2026-03-28 ends at midnight CET (+1), before the change.
        ("bdp_etl_publish_due_timestamp_seconds", labels(source="ads")): ts(2026, 3, 29, 2),
    }


def test_a_source_with_nothing_at_all_has_no_due_time():
    found = values(
        etl.etl_samples("ads", {}, None, date(2026, 4, 2), 7, "Europe/Berlin", timedelta(0))
    )
    assert found == {("bdp_etl_quality_gate_failures", labels(source="ads")): 0}


def test_nothing_published_yet_counts_from_the_oldest_known_day():
    reports = {date(2026, 3, 27): parsed(run_report("quality-failed", utc(2026, 3, 28, 1)))}
    found = values(
        etl.etl_samples(
            "ads", reports, date(2026, 3, 28), date(2026, 3, 30), 7, "UTC", timedelta(0)
        )
    )
    assert found[("bdp_etl_publish_due_timestamp_seconds", labels(source="ads"))] == ts(2026, 3, 28)
    assert ("bdp_etl_run_duration_seconds", labels(source="ads")) not in found


def test_reading_stops_once_past_the_window_and_a_published_day():
    today = date(2026, 3, 21)
    assert etl.still_needed(date(2026, 3, 14), True, today, 7)
    assert not etl.still_needed(date(2026, 3, 13), True, today, 7)
    assert etl.still_needed(date(2025, 1, 1), False, today, 7)


@pytest.mark.parametrize(
    "document",
    [
        "x",
        {"status": "weird", "started": "2026-01-01T00:00:00+00:00"},
        {"status": "running", "started": None},
        {"status": "published", "started": "2026-01-01T00:00:00+00:00", "finished": "soon"},
        {"status": "published", "started": "2026-01-01T00:00:00Z", "datasets": {"a": {}}},
    ],
)
def test_reports_that_do_not_parse_are_errors(document):
    with pytest.raises(etl.ReportError):
        etl.parse_report(document)


# --- endpoints ----------------------------------------------------------------------------


def test_endpoints():
    assert tls.parse_endpoint("os-1.bdp:9200") == ("os-1.bdp", 9200)
    assert tls.parse_endpoint("[::1]:443") == ("::1", 443)
    for bad in ["host", "host:", ":443", "host:99999", "host:ab"]:
        with pytest.raises(ValueError):
            tls.parse_endpoint(bad)


# --- config -------------------------------------------------------------------------------

MINIMAL = {
    "timezone": "Asia/Seoul",
    "namenode_url": "http://nn-1:9870",
    "hdfs_user": "hdfs",
    "sources": ["game", "ads"],
    "raw_grace_hours": 2,
    "publish_grace_hours": 6.5,
}


def test_minimal_config_and_defaults():
    config = parse_config(json.loads(json.dumps(MINIMAL)))
    assert (config.bind, config.port, config.lake) == ("127.0.0.1", 9188, "/lake")
    assert config.lake_writer_checkpoint == "/lake/_checkpoints/lake-writer"
    assert config.publish_grace == timedelta(hours=6, minutes=30)
    assert config.opensearch is None and config.tls_endpoints == ()
    assert (config.quality_window_days, config.probe_timeout_seconds) == (7, 5.0)


def test_opensearch_inherits_the_ca_file():
    config = parse_config(
        {
            **MINIMAL,
            "ca_file": "/etc/bdp/ca.pem",
            "opensearch": {"url": "https://os-1:9200", "user": "mon", "password_file": "/p"},
        }
    )
    assert config.opensearch.ca_file == "/etc/bdp/ca.pem"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone: unknown time zone"),
        ({"port": 0}, "port: must be between 1 and 65535"),
        ({"port": "9188"}, "port: must be an integer"),
        ({"namenode_url": "nn-1:9870"}, "namenode_url: must be an http"),
        ({"lake": "lake"}, "lake: must be an absolute HDFS path"),
        ({"sources": ["game", "game"]}, "sources: a source is listed twice"),
        ({"sources": ["a/b"]}, "sources: not a source name"),
        ({"raw_grace_hours": -1}, "raw_grace_hours: must be >= 0"),
        ({"publish_grace_hours": True}, "publish_grace_hours: must be a number"),
        ({"probe_timeout_seconds": 0}, "probe_timeout_seconds: must be > 0"),
        ({"tls_endpoints": ["db"]}, "tls_endpoints: not host:port: 'db'"),
        ({"opensearch": {"url": "https://os:9200"}}, "opensearch.user: required key missing"),
        ({"opensearch": []}, "opensearch must be a JSON object"),
        (
            {"opensearch": {"url": "https://o", "user": "u", "password_file": "/p", "pw": "x"}},
            "unknown key\\(s\\): opensearch.pw",
        ),
        ({"kerberos": {"principal": "bdp-exporter/h"}}, "kerberos.keytab: required key missing"),
        ({"sourcse": []}, "unknown key\\(s\\): sourcse"),
    ],
)
def test_config_errors_name_the_key(change, message):
    with pytest.raises(ConfigError, match=message):
        parse_config({**MINIMAL, **change})


@pytest.mark.parametrize("key", ["timezone", "namenode_url", "hdfs_user", "sources"])
def test_required_keys(key):
    document = dict(MINIMAL)
    del document[key]
    with pytest.raises(ConfigError, match=f"^{key}: required key missing"):
        parse_config(document)


def test_the_served_metric_names():
    """Dashboards and alert rules use these names: renaming one is a breaking change."""
    assert list(FAMILIES) == [
        "bdp_exporter_probe_success",
        "bdp_lake_writer_last_batch_timestamp_seconds",
        "bdp_lake_writer_batch_id",
        "bdp_lake_committed_offset",
        "bdp_lake_rows_total",
        "bdp_lake_complete_through_timestamp_seconds",
        "bdp_lake_day_due_timestamp_seconds",
        "bdp_etl_last_published_day_timestamp_seconds",
        "bdp_etl_publish_due_timestamp_seconds",
        "bdp_etl_run_duration_seconds",
        "bdp_etl_rows",
        "bdp_etl_quality_gate_failures",
        "bdp_opensearch_cluster_status",
        "bdp_tls_certificate_expiry_timestamp_seconds",
    ]


def test_kerberos_login_is_read_when_given():
    given = {"principal": "bdp-exporter/h@R", "keytab": "/etc/security/keytabs/bdp-exporter.keytab"}
    assert parse_config({**MINIMAL, "kerberos": given}).kerberos == KerberosLogin(**given)
    assert parse_config(dict(MINIMAL)).kerberos is None
