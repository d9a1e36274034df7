import json
from dataclasses import asdict

from bdp.ingest.status import API_COUNTERS, as_table, lake_lag, records, summarise

EVENTS = {0: (0, 120), 1: (10, 50)}
STATE = {
    "batch_id": 7,
    "sources": {
        "game": {
            "offsets": {"game.events": {"0": 100, "1": 50}},
            "complete_through": "2026-11-02",
            "rows_late": 3,
            "rows_future": 1,
            "empty_days": 2,
            "recent_empty_days": ["2026-10-30", "2026-10-31"],
        }
    },
}


def test_records_count_what_retention_kept():
    assert records(EVENTS) == 160


def test_lake_lag_counts_from_committed_offsets_or_the_topic_start():
    assert lake_lag(EVENTS, {"0": 100, "1": 50}) == 20
    assert lake_lag(EVENTS, {}) == 160
    # An offset behind retention counts from what the topic still has.
    assert lake_lag({0: (40, 60)}, {"0": 5}) == 20


def test_summary_joins_the_collector_kafka_and_lake_views():
    collector = {"source": "game", "cursor": 900, "lag": 4, "last_error": None}
    row = summarise("game", collector, EVENTS, {0: (0, 9)}, STATE)
    assert (row.api_cursor, row.api_lag, row.produced, row.rejected) == (900, 4, 160, 9)
    assert (row.lake_lag, row.complete_through, row.late) == (20, "2026-11-02", 3)
    assert row.collector_error is None
    assert (row.future, row.empty_days, row.last_empty_day) == (1, 2, "2026-10-31")
    # A collector shows its API misbehaviour counters once non-zero: missing ones are 0.
    assert (row.api_errors, row.cursor_stalled, row.stalled_response) == (0, 0, 0)
    assert row.api_error_summary == "0"


def test_the_collectors_api_errors_and_misbehaviours_are_shown():
    collector = {
        "source": "game",
        "cursor": 50,
        "lag": 70,
        "api_errors": 9,
        "cursor_backwards": 1,
        "cursor_stalled": 3,
        "empty_pages": 4,
        "stalled_response": 1,
        "last_error": "empty_pages: API sent no events while claiming 120 available",
    }
    row = summarise("game", collector, EVENTS, {0: (0, 9)}, STATE)
    counters = [getattr(row, name) for name in API_COUNTERS]
    assert counters == [9, 1, 3, 4, 0, 1]
    line = json.loads(json.dumps(asdict(row)))  # what --json prints
    assert (line["api_errors"], line["empty_pages"], line["oversized_response"]) == (9, 4, 0)
    header, values = as_table([row]).splitlines()
    summary = "9 (cursor_backwards 1, cursor_stalled 3, empty_pages 4, stalled_response 1)"
    assert values[header.index("API ERRORS") :].startswith(summary + "  empty_pages: API sent")


def test_a_silent_collector_and_no_lake_state_are_shown_as_such():
    row = summarise("ads", None, {0: (0, 5)}, {}, None)
    assert (row.api_cursor, row.collector_error, row.lake_lag, row.complete_through) == (
        None,
        "no answer",
        5,
        None,
    )
    assert (row.future, row.empty_days, row.last_empty_day) == (0, 0, None)
    assert (row.api_errors, row.cursor_stalled, row.api_error_summary) == (None, None, None)
    table = as_table([row])
    assert table.splitlines()[0].split()[:2] == ["SOURCE", "API"]
    assert table.splitlines()[1].split()[:3] == ["ads", "-", "-"]
