"""`bdp demo`: the simulator's counts, when ingestion is done, and the report it prints."""

import re

from bdp.demo import render, wait
from bdp.demo.known import Served, served
from bdp.ingest.status import SourceStatus
from bdp_collectors.simulator.stream import build_stream, expected
from eventkit import api_config


def test_served_counts_distinct_valid_events_and_invalid_items(tmp_path):
    config = api_config(tmp_path)
    counts = served("game", config)
    stream = build_stream("game", config)
    kinds = [item.kind for item in stream]
    assert counts.items == len(stream) == 120
    # Duplicates repeat an event, so the distinct valid events are fewer than the valid items.
    assert counts.valid == kinds.count("event") + kinds.count("late") < len(stream)
    assert counts.invalid == len(stream) - counts.valid - kinds.count("duplicate")
    assert sum(counts.valid_by_day.values()) == counts.valid
    assert set(counts.valid_by_day) <= {"2026-10-31", "2026-11-01", "2026-11-02"}
    assert counts.valid == len(expected("game", config).valid)


def status(**changes) -> SourceStatus:
    fields = dict(
        source="game", api_cursor=120, api_lag=0, produced=130, rejected=9, lake_lag=0,
        complete_through="2026-11-01", late=2, future=0, empty_days=0, last_empty_day=None,
        collector_error=None,
    )  # fmt: skip
    return SourceStatus(**(fields | changes))


def test_ingestion_is_done_only_when_polled_committed_and_days_complete():
    assert wait.drained(status(), 120, "2026-11-01")
    assert wait.drained(status(complete_through="2026-11-23"), 120, "2026-11-01")
    assert not wait.drained(status(api_cursor=119), 120, "2026-11-01")
    assert not wait.drained(status(lake_lag=3), 120, "2026-11-01")
    assert not wait.drained(status(complete_through="2026-10-31"), 120, "2026-11-01")
    assert not wait.drained(status(api_cursor=None), 120, "2026-11-01")


KNOWN = Served(items=120, valid=100, invalid=9, valid_by_day={"2026-11-01": 100})


def report(accepted: int = 100, rejected: int = 9) -> render.DemoReport:
    return render.DemoReport(
        zone="Asia/Seoul",
        sources=[
            render.SourceLine("game", KNOWN, accepted=accepted, late=2, rejected=rejected),
            render.SourceLine("ads", KNOWN, accepted=100, late=0, rejected=9),
        ],
        partitions=[["game", "2026-11-01", "yes", "100", "98", "published"]],
        warehouse={"game_player_match_features": {"2026-11-01": 40}},
        etl_outputs=[["game", "features", "structured", "t", "2026-11-01", "40", "40"]],
        curated=[["/lake/curated/game/training_set", "2", "1234"]],
        funnel=[("hotel", 50, 10, 2), ("motel", 25, 0, 0)],
        features=[(1.0, 2.0, False), (4.0, 30.0, True)],
        log_command=["bdp", "logs", "search", "complete"],
        log_output="error: OpenSearch at https://x:9200 is unreachable",
        endpoints={"Airflow": "http://10.87.0.10:8080"},
    )


def test_the_text_report_matches_only_when_every_source_holds_the_simulators_events():
    text = render.as_text(report())
    assert re.search(r"^game\s+120\s+100\s+100\s+2\s+9\s+9\s+yes$", text, re.M), text
    assert "holds exactly the simulator's events" in text
    assert "game_player_match_features  2026-11-01  40" in text
    for wrong in (report(accepted=99), report(rejected=10)):
        assert not wrong.matches
        assert re.search(r"^game\s.*\sNO$", render.as_text(wrong), re.M)
        assert "MISMATCH" in render.as_text(wrong)


def test_funnel_bars_share_one_scale():
    svg = render.funnel_chart([("hotel", 50, 10, 0), ("motel", 25, 0, 0)])
    widths = [
        float(w) for w in re.findall(r'<rect x="110" y="\d+" width="([\d.]+)" height="12"', svg)
    ]
    assert widths == [470.0, 94.0, 0.0, 235.0, 0.0, 0.0]


def test_cheaters_are_drawn_in_their_own_colour_on_top():
    svg = render.features_chart([(4.0, 30.0, True), (1.0, 2.0, False), (2.0, 1.0, False)])
    colours = re.findall(r'<circle [^>]*fill="(#\w+)"', svg)
    assert colours == ["#4e79a7", "#4e79a7", "#e15759"]


def test_the_html_report_escapes_what_it_shows():
    page = render.as_html(report())
    assert page.startswith("<!doctype html>")
    assert "<svg" in page and "matches the simulator" in page
    odd = render.html_table(["A"], [["<script>"]])
    assert "<script>" not in odd and "&lt;script&gt;" in odd
