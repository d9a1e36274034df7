"""`bdp logs search`: query building and output, without a cluster."""

from datetime import UTC, datetime, timedelta

import pytest

from bdp.errors import BdpError
from bdp.logs import output
from bdp.logs.query import Search, levels_from, parse_time

NOW = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)


def test_relative_and_absolute_times():
    assert parse_time("15m", "--since", NOW) == NOW - timedelta(minutes=15)
    assert parse_time("2d", "--since", NOW) == NOW - timedelta(days=2)
    assert parse_time("2026-11-22T10:00:00Z", "--since", NOW) == datetime(
        2026, 11, 22, 10, tzinfo=UTC
    )
    assert parse_time("2026-11-22T10:00", "--until", NOW).tzinfo == UTC


@pytest.mark.parametrize("value", ["yesterday", "15 minutes", "-2h", "2026-13-01"])
def test_a_bad_time_names_the_option(value):
    with pytest.raises(BdpError, match=rf"--until '{value}' is not a time"):
        parse_time(value, "--until", NOW)


def test_a_range_that_ends_before_it_starts_is_refused():
    with pytest.raises(BdpError, match=r"--since .* must be before --until"):
        Search(since=NOW, until=NOW - timedelta(hours=1))


def test_levels_are_that_level_and_above():
    assert levels_from("warning") == ["WARN", "ERROR", "FATAL"]
    assert levels_from(None) == []
    with pytest.raises(BdpError, match="--level 'loud' is not one of TRACE"):
        levels_from("loud")


def test_query_filters_fields_matches_text_newest_first():
    search = Search(
        since=NOW - timedelta(hours=1),
        until=NOW,
        text="broker started",
        services=["kafka"],
        hosts=["de-kafka-cluster-1"],
        levels=["ERROR", "FATAL"],
        limit=5,
    )
    body = search.body()
    assert search.index() == "logs-kafka-*"
    assert body["size"] == 5 and body["sort"] == [{"time": {"order": "desc"}}]
    filters = body["query"]["bool"]["filter"]
    assert {"terms": {"service": ["kafka"]}} in filters
    assert {"terms": {"host": ["de-kafka-cluster-1"]}} in filters
    assert {"terms": {"level": ["ERROR", "FATAL"]}} in filters
    assert filters[0]["range"]["time"] == {
        "gte": "2026-11-22T13:00:00+00:00",
        "lte": "2026-11-22T14:00:00+00:00",
    }
    text = body["query"]["bool"]["must"][0]["simple_query_string"]
    assert text["query"] == "broker started" and text["default_operator"] == "and"


def test_several_services_search_every_log_index():
    search = Search(since=NOW - timedelta(hours=1), until=NOW, services=["kafka", "collector-game"])
    assert search.index() == "logs-*"
    assert Search(since=NOW - timedelta(hours=1), until=NOW).body()["query"]["bool"]["must"] == []


RESPONSE = {
    "hits": {
        "hits": [
            {
                "_source": {
                    "time": "2026-11-22T13:59:00.000Z",
                    "host": "h1",
                    "service": "kafka",
                    "level": "WARN",
                    "message": "first line\nsecond line",
                    "context": {},
                }
            },
            {
                "_source": {
                    "time": "2026-11-22T13:58:00.000Z",
                    "host": "h2",
                    "service": "collector-game",
                    "level": "INFO",
                    "message": "x" * 300,
                    "context": {"n": 1},
                }
            },
        ]
    }
}


def test_table_shows_one_line_per_record_with_the_first_message_line():
    table = output.as_table(output.records(RESPONSE), width=100)
    lines = table.splitlines()
    assert lines[0].split() == ["TIME", "HOST", "SERVICE", "LEVEL", "MESSAGE"]
    assert len(lines) == 3
    assert lines[1].endswith("first line") and "second line" not in table
    assert all(len(line) <= 100 for line in lines[2:]) and lines[2].endswith("…")
    assert output.as_table([]) == "no matching log records\n"


def test_json_output_is_one_record_per_line():
    lines = output.as_json(output.records(RESPONSE)).splitlines()
    assert len(lines) == 2 and '"context": {"n": 1}' in lines[1]
