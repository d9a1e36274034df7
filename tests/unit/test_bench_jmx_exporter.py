"""The pure parts of the JMX exporter benchmark (bench/jmx_exporter.py): the agent version and
jar, the rule files, counting samples, the statistics and the table."""

import argparse
import re
from pathlib import Path

import pytest
import yaml
from jmx_exporter import (
    HEADER,
    KAFKA_RULES,
    VERSIONS_FILE,
    Scrape,
    Summary,
    agent_option,
    jar_path,
    log_end_offset_beans,
    order,
    parser,
    percentile,
    pinned_version,
    ratios,
    results,
    rows,
    rule_file,
    samples,
    summarize,
)
from table import markdown

EXPOSITION = """\
# HELP kafka_log_end_offset LogEndOffset
# TYPE kafka_log_end_offset gauge
kafka_log_end_offset{topic="t0",partition="0",} 12.0
kafka_log_end_offset{topic="t0",partition="1",} 13.0
kafka_log_end_offset_total 1.0
jvm_threads_current 14.0

jmx_scrape_duration_seconds 0.05
"""


def test_the_pinned_version_is_bdp_versions_jmx_exporter():
    text = "bdp_versions:\n  kafka: '4.3.1'\n  jmx_exporter: \"0.20.0\"\n"
    assert pinned_version(text) == "0.20.0"
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned_version(VERSIONS_FILE.read_text()))


def test_the_kafka_rule_file_loses_its_jinja_header_only():
    rendered = rule_file(KAFKA_RULES.read_text())
    assert "{{" not in rendered
    config = yaml.safe_load(rendered)
    assert config["lowercaseOutputName"] is True
    assert any(rule.get("name") == "kafka_log_end_offset" for rule in config["rules"])


def test_jinja_beyond_the_header_is_an_error():
    with pytest.raises(ValueError, match="Jinja"):
        rule_file("{{ ansible_managed | comment }}\nrules:\n  - pattern: '{{ x }}'\n")


def test_the_jar_is_where_maven_puts_it():
    assert jar_path(Path("/r"), "1.0.1") == Path(
        "/r/io/prometheus/jmx/jmx_prometheus_javaagent/1.0.1/jmx_prometheus_javaagent-1.0.1.jar"
    )
    assert agent_option(Path("/a.jar"), 9404, Path("/c.yml")) == (
        "-javaagent:/a.jar=127.0.0.1:9404:/c.yml"
    )


def test_samples_are_the_lines_that_are_no_comments():
    assert samples(EXPOSITION) == 5
    assert samples(EXPOSITION, "kafka_log_end_offset") == 2
    assert samples(EXPOSITION, "jvm_threads_current") == 1


def test_every_fourth_bean_is_a_log_end_offset_starting_with_the_first():
    assert [log_end_offset_beans(n) for n in (1, 4, 5, 3000, 3001)] == [1, 1, 2, 750, 751]


def test_percentile_is_nearest_rank():
    values = [float(n) for n in range(20, 0, -1)]
    assert percentile(values, 0.9) == 18.0
    assert percentile(values, 0.5) == 10.0
    assert percentile([3.0], 0.9) == 3.0
    with pytest.raises(ValueError):
        percentile([], 0.9)


def test_a_summary_is_the_median_and_p90_of_the_scrapes():
    scrapes = [Scrape(seconds, 100 + index % 2, 1000) for index, seconds in enumerate([3, 1, 2])]
    assert summarize("catch-all", "0.20.0", scrapes) == Summary(
        "catch-all", "0.20.0", samples=100, bytes=1000, median_s=2, p90_s=3
    )


SUMMARIES = [
    Summary("catch-all", "0.20.0", 24000, 2_000_000, 0.5, 0.8),
    Summary("catch-all", "1.0.1", 24000, 1_900_000, 1.0, 1.0),
    Summary("Kafka rules", "0.20.0", 800, 56_000, 0.1, 0.2),
    Summary("Kafka rules", "1.0.1", 800, 54_000, 0.08, 0.25),
]


def test_ratios_are_shares_of_the_fastest_of_the_same_rule_file():
    shares = ratios(SUMMARIES)
    assert shares[("catch-all", "0.20.0")] == (1.0, 1.0)
    assert shares[("catch-all", "1.0.1")] == (0.5, 0.8)
    assert shares[("Kafka rules", "1.0.1")] == (1.0, 0.8)
    assert shares[("Kafka rules", "0.20.0")] == pytest.approx((0.8, 1.0))


def test_the_table_marks_the_pinned_version_and_formats_numbers():
    table = rows(SUMMARIES, "0.20.0")
    assert table[0] == (
        "catch-all", "0.20.0 (pinned)", "24,000", "2,000,000", "0.500", "0.800", "1.000", "1.000"
    )  # fmt: skip
    assert table[1][1:2] == ("1.0.1",)
    assert table[1][6:] == ("0.500", "0.800")
    lines = markdown(table, HEADER).splitlines()
    assert len(lines) == 2 + len(SUMMARIES)
    assert lines[0].startswith("| rule file ")
    assert len({len(line) for line in lines}) == 1


def test_the_json_results_hold_the_sizes_and_each_summary():
    args = argparse.Namespace(beans=3000, attributes=8, scrapes=20)
    found = results(SUMMARIES, args)
    assert (found["beans"], found["attributes"], found["scrapes"]) == (3000, 8, 20)
    assert found["results"][1] == {
        "config": "catch-all",
        "version": "1.0.1",
        "samples": 24000,
        "bytes": 1_900_000,
        "median_s": 1.0,
        "p90_s": 1.0,
        "median_ratio": 0.5,
        "p90_ratio": 0.8,
    }


def test_the_versions_take_turns_scraping_first():
    assert [order(["a", "b"], n) for n in range(3)] == [["a", "b"], ["b", "a"], ["a", "b"]]


def test_the_defaults_and_sizes_on_the_command_line():
    args = parser().parse_args([])
    assert (args.beans, args.attributes, args.scrapes, args.candidate) == (3000, 8, 20, "1.0.1")
    args = parser().parse_args(["--beans", "10", "--attributes", "2", "--scrapes", "3"])
    assert (args.beans, args.attributes, args.scrapes) == (10, 2, 3)
    with pytest.raises(SystemExit):
        parser().parse_args(["--scrapes", "0"])
