"""ads transforms on tiny hand-made events: the 60-second click rule, performance, profiles."""

import json

import pytest
from etl_fixtures import DAY, raw_frame

from bdp_jobs.etl.ads import ad_performance, ad_texts, counted_clicks, viewer_profiles

AD2 = {"ad_id": "ad-2", "ad_name": "Book your next getaway", "genre": "travel"}
V2 = {"account": "v2", "gender": "F", "age_band": "20s"}
V3 = {"account": "v3"}
ROWS = [
    {"t": "10:00:00", "click": True, "viewing_time": 2.0},  # e00 counts
    {"t": "10:00:30", "viewing_time": 20.0},  # e01 an impression, no click
    {"t": "10:00:59", "click": True, "viewing_time": 1.0},  # e02 59 s after e00: repeat
    {"t": "10:02:00", "click": True, "viewing_time": 3.0},  # e03 61 s after e02: counts
    {"t": "10:03:00", "click": True, "viewing_time": 4.0},  # e04 exactly 60 s: counts
    {"t": "10:00:30", "click": True, "viewing_time": 10.0, **V2},  # e05 another viewer
    {"t": "10:00:10", "click": True, "viewing_time": 7.5, "ad_text": "Pack light.", **AD2},
    {"t": "11:00:00", "click": True, "viewing_time": 6.0, **V3},  # e07 counts
    {"t": "11:00:50", "click": True, "viewing_time": 0.0, **V3},  # e08 repeat
    {"t": "11:01:40", "click": True, "viewing_time": 4.0, **V3},  # e09 50 s after a repeat
    {"t": "12:00:00", "viewing_time": 2.4, "ad_text": None, "account": "v4", "gender": "F",
     "age_band": "40s", **AD2},
]  # fmt: skip


@pytest.fixture(scope="module")
def events(spark):
    return raw_frame(spark, "ads", ROWS)


def test_the_60_second_rule_per_viewer_and_ad(events):
    counted = sorted(r["event_id"] for r in counted_clicks(events).where("counted_click").collect())
    assert counted == ["e00", "e03", "e04", "e05", "e06", "e07"]


def test_the_window_is_a_parameter(events):
    # With 120 s, e03 (61 s after e02) and e04 (60 s after e03) become repeats too.
    counted = counted_clicks(events, window_seconds=120).where("counted_click").collect()
    assert sorted(r["event_id"] for r in counted) == ["e00", "e05", "e06", "e07"]


def test_ad_performance(events):
    rows = sorted(tuple(r) for r in ad_performance(events).collect())
    jacket = ("ad-1", "Try the new jacket", "fashion")
    getaway = ("ad-2", "Book your next getaway", "travel")
    assert rows == [
        # v1 (e00-e04) and v3 (e07-e09): 8 impressions, 4 counted clicks, 40 s of viewing.
        (DAY, *jacket, "F", "20s", 1, 1, 1.0, 10.0),
        (DAY, *jacket, "M", "30s", 8, 4, 0.5, 5.0),
        (DAY, *getaway, "F", "40s", 1, 0, 0.0, 2.4),
        (DAY, *getaway, "M", "30s", 1, 1, 1.0, 7.5),
    ]


def test_viewer_profiles(events):
    rows = {r["account"]: r for r in viewer_profiles(events, run_id="run-9").collect()}
    v1 = rows["v1"]
    assert (v1["dt"], v1["gender"], v1["age_band"], v1["impressions"], v1["clicks"]) == (
        DAY,
        "M",
        "30s",
        6,
        4,
    )
    # 2 + 20 + 1 + 3 + 4 = 30 s of fashion; 7.5 s of travel rounds half up to 8.
    assert v1["viewing_seconds"] == {"fashion": 30, "travel": 8}
    assert v1["clicked_ads"] == ["ad-1", "ad-2"] and v1["run_id"] == "run-9"
    document = json.loads(v1["profile"])
    assert document["ads"] == [
        {"ad_id": "ad-1", "genre": "fashion", "impressions": 5, "clicks": 3,
         "viewing_time_s": 30.0},
        {"ad_id": "ad-2", "genre": "travel", "impressions": 1, "clicks": 1,
         "viewing_time_s": 7.5},
    ]  # fmt: skip
    assert (document["account"], document["dt"], document["clicks"]) == ("v1", "2026-11-01", 4)
    v3, v4 = rows["v3"], rows["v4"]
    assert (v3["impressions"], v3["clicks"], v3["viewing_seconds"]) == (3, 1, {"fashion": 10})
    assert (v4["clicks"], v4["clicked_ads"], v4["viewing_seconds"]) == (0, [], {"travel": 2})
    assert rows["v2"]["clicked_ads"] == ["ad-1"]


def test_ad_texts_take_the_latest_text_seen(events):
    rows = sorted(tuple(r) for r in ad_texts(events).collect())
    assert rows == [
        (DAY, "ad-1", "Try the new jacket", "fashion", "Try it.", 9, 5),
        # v4's later event has no text; e06's is the latest one seen.
        (DAY, "ad-2", "Book your next getaway", "travel", "Pack light.", 2, 1),
    ]


def test_viewing_seconds_round_the_exact_sum_half_up(spark):
    # 30.5 s, which doubles add up to 30.499999999999996 in every order: it must round to 31.
    times = [("10:00:00", 17.423), ("10:01:00", 1.412), ("10:02:00", 11.665)]
    events = raw_frame(spark, "ads", [{"t": t, "viewing_time": v} for t, v in times])
    (row,) = viewer_profiles(events, run_id="run-1").collect()
    assert row["viewing_seconds"] == {"fashion": 31}
