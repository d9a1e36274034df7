"""bdp_runtime.exposition, the Prometheus text format writer of every /metrics endpoint (collectors,
event API, bdp_exporter): escaping, numbers, HELP/TYPE lines and what it refuses."""

import math

import pytest

from bdp_runtime.exposition import (
    CONTENT_TYPE,
    MetricFamily,
    Sample,
    escape_help,
    escape_label_value,
    format_labels,
    format_value,
    render,
)

HOSTILE = 'a\\b "quoted"\nsecond line} x="y",\\n'


def test_label_values_escape_backslash_quote_and_newline():
    assert escape_label_value("plain") == "plain"
    assert escape_label_value('C:\\dir "x"\ny') == 'C:\\\\dir \\"x\\"\\ny'
    # The backslash first: escaping it after the others would double their backslashes.
    assert escape_label_value("\\n") == "\\\\n"
    assert escape_help('say "hi"\\\nbye') == 'say "hi"\\\\\\nbye'


def test_values_as_prometheus_spells_them():
    assert [format_value(v) for v in (0, 3, 3.0, -2.0, True)] == ["0", "3", "3", "-2", "1"]
    assert format_value(0.25) == "0.25"
    assert format_value(1_700_000_000.0) == "1700000000"  # a Unix time, not 1.7e+09
    assert format_value(1e-7) == "1e-07"
    assert format_value(2.0**60) == "1.152921504606847e+18"
    assert format_value(math.nan) == "NaN"
    assert (format_value(math.inf), format_value(-math.inf)) == ("+Inf", "-Inf")


def test_labels_keep_their_order_and_refuse_bad_names():
    assert format_labels({}) == ""
    assert format_labels({"source": "game", "kind": "x"}) == '{source="game",kind="x"}'
    for name in ("1st", "a-b", "__reserved", ""):
        with pytest.raises(ValueError, match="label name"):
            format_labels({name: "v"})


def test_a_family_renders_help_type_and_one_line_per_sample():
    family = MetricFamily(
        "bdp_demo_requests_total",
        "counter",
        "Requests\nby status.",
        (Sample(3, {"status": "200"}), Sample(1.5, {"status": "500"})),
    )
    assert render([family]) == (
        "# HELP bdp_demo_requests_total Requests\\nby status.\n"
        "# TYPE bdp_demo_requests_total counter\n"
        'bdp_demo_requests_total{status="200"} 3\n'
        'bdp_demo_requests_total{status="500"} 1.5\n'
    )
    assert render([]) == ""
    assert CONTENT_TYPE == "text/plain; version=0.0.4; charset=utf-8"


def test_rendered_lines_escape_help_and_label_values():
    family = MetricFamily(
        "bdp_demo_up",
        "gauge",
        "Up with \\ and\nnewline.",
        (Sample(1.5, {"x": 'q"uo\\te\n'}), Sample(math.nan, {"x": "n"})),
    )
    assert render([family]) == (
        "# HELP bdp_demo_up Up with \\\\ and\\nnewline.\n"
        "# TYPE bdp_demo_up gauge\n"
        'bdp_demo_up{x="q\\"uo\\\\te\\n"} 1.5\n'
        'bdp_demo_up{x="n"} NaN\n'
    )


def test_a_family_without_samples_keeps_its_help_and_type():
    """Leaving such a family out is the caller's choice (bdp_exporter's failed probes)."""
    assert render([MetricFamily("bdp_x", "gauge", "h")]) == "# HELP bdp_x h\n# TYPE bdp_x gauge\n"


def test_a_summary_has_sum_count_and_quantiles():
    family = MetricFamily(
        "bdp_demo_seconds",
        "summary",
        "Durations.",
        (
            Sample(0.5, {"quantile": "0.5"}),
            Sample(12.25, {}, "_sum"),
            Sample(7, {}, "_count"),
        ),
    )
    lines = render([family]).splitlines()
    assert lines[2:] == [
        'bdp_demo_seconds{quantile="0.5"} 0.5',
        "bdp_demo_seconds_sum 12.25",
        "bdp_demo_seconds_count 7",
    ]


@pytest.mark.parametrize(
    ("family", "message"),
    [
        (MetricFamily("bdp_events", "counter", "h"), r"\*_total"),
        (MetricFamily("bdp-events_total", "counter", "h"), "invalid metric name"),
        (MetricFamily("bdp_x", "histogram", "h"), "unsupported type"),
        (MetricFamily("bdp_x", "gauge", "h", (Sample(1, {}, "_sum"),)), "no '_sum' samples"),
        (MetricFamily("bdp_x", "summary", "h", (Sample(1, {}),)), "quantile"),
        (
            MetricFamily("bdp_x", "summary", "h", (Sample(1, {"quantile": "1"}, "_count"),)),
            "quantile",
        ),
        (
            MetricFamily("bdp_x", "gauge", "h", (Sample(1, {"a": "1"}), Sample(2, {"a": "1"}))),
            "two samples",
        ),
        (
            MetricFamily(
                "bdp_x",
                "gauge",
                "h",
                (Sample(1, {"a": "1", "b": "2"}), Sample(2, {"b": "2", "a": "1"})),
            ),
            "two samples",
        ),
    ],
)
def test_refuses_what_prometheus_would_refuse_or_misread(family, message):
    with pytest.raises(ValueError, match=message):
        render([family])


def test_refuses_a_family_given_twice():
    family = MetricFamily("bdp_x", "gauge", "h")
    with pytest.raises(ValueError, match="given twice"):
        render([family, family])


def test_a_hostile_label_value_survives_a_real_parser():
    """Prometheus' own Python parser reads back exactly the value written, and the label
    cannot end early or add a sample or label of its own."""
    parser = pytest.importorskip("prometheus_client.parser")
    families = [
        MetricFamily(
            "bdp_demo_up", "gauge", 'Help with "quotes" and \\ \n', (Sample(1, {"v": HOSTILE}),)
        ),
        MetricFamily("bdp_demo_nan", "gauge", "h", (Sample(math.nan, {}),)),
    ]
    parsed = list(parser.text_string_to_metric_families(render(families)))
    assert [family.name for family in parsed] == ["bdp_demo_up", "bdp_demo_nan"]
    assert parsed[0].documentation == 'Help with "quotes" and \\ \n'
    [sample] = parsed[0].samples
    assert (sample.name, sample.labels, sample.value) == ("bdp_demo_up", {"v": HOSTILE}, 1.0)
    assert math.isnan(parsed[1].samples[0].value)
