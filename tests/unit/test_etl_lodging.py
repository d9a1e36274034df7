"""lodging transforms on tiny hand-made events: funnel counts, journeys, reviews."""

import json

import pytest
from etl_fixtures import DAY, raw_frame

from bdp_jobs.etl.lodging import daily_funnel, reviews, user_journeys

HOTEL = {"category": "hotel", "place_id": 6}
# u1's first session is listed backwards, so event ids run against time.
ROWS = [
    {"t": "09:00:07", "method": "/review/places/6", "rating": 4, "review_text": "Lovely.",
     **HOTEL},
    {"t": "09:00:06", "method": "/refund/places/6", **HOTEL},
    {"t": "09:00:05", "method": "/buy/places/6", "status": 1, **HOTEL},
    {"t": "09:00:04", "method": "/places/6", **HOTEL},
    {"t": "09:00:03", "method": "/places/6", **HOTEL},
    {"t": "09:00:02", "method": "/subhome/hotel", "category": "hotel"},
    {"t": "09:00:01", "method": "/home"},
    {"t": "12:00:00", "session_id": "s0", "method": "/home"},
    {"t": "09:30:00", "account": "u2", "session_id": "s2", "gender": "M", "age_band": "30s",
     "method": "/places/7", "category": "motel", "place_id": 7},
    {"t": "09:31:00", "account": "u2", "session_id": "s2", "gender": "M", "age_band": "30s",
     "method": "/buy/places/7", "category": "motel", "place_id": 7},
    {"t": "09:32:00", "account": "u2", "session_id": "s2", "gender": "M", "age_band": "30s",
     "method": "/buy/places/7", "category": "motel", "place_id": 7, "status": 1},
    {"t": "10:00:00", "account": "u3", "session_id": "s3", "method": "/places/12",
     "category": "hotel", "place_id": 12},
    {"t": "10:01:00", "account": "u3", "session_id": "s3", "method": "/places/13",
     "place_id": 13},
    {"t": "11:00:00", "account": "u4", "session_id": "s4", "gender": "M", "age_band": "40s",
     "method": "/buy/places/9", "category": "pension", "place_id": 9, "status": 1},
]  # fmt: skip


@pytest.fixture(scope="module")
def events(spark):
    return raw_frame(spark, "lodging", ROWS)


def test_daily_funnel_counts_views_bookings_and_refunds(events):
    rows = sorted(tuple(r) for r in daily_funnel(events).collect())
    assert rows == [
        # u1's two place views and u3's categorised one; u1's booking and refund.
        (DAY, "hotel", "F", "20s", 3, 1, 1),
        # u2's unbooked /buy (status 0) is not a booking.
        (DAY, "motel", "M", "30s", 1, 1, 0),
        (DAY, "pension", "M", "40s", 0, 1, 0),
    ]


def test_user_journeys(events):
    rows = {r["account"]: r for r in user_journeys(events, run_id="run-1").collect()}
    u1 = rows["u1"]
    assert (u1["dt"], u1["gender"], u1["age_band"], u1["session_count"]) == (DAY, "F", "20s", 2)
    assert u1["page_views"] == {"home": 2, "places": 2, "subhome/hotel": 1}
    assert (u1["booked_places"], u1["refunds"], u1["run_id"]) == (["6"], 1, "run-1")
    sessions = json.loads(u1["sessions"])
    # Ordered by start: s1 (09:00) before s0 (12:00), whatever their ids.
    assert [s["session_id"] for s in sessions] == ["s1", "s0"]
    assert sessions[0]["started_at"] == "2026-11-01T09:00:01.000Z"
    assert sessions[0]["ended_at"] == "2026-11-01T09:00:07.000Z"
    steps = sessions[0]["steps"]
    assert [s["method"] for s in steps] == [
        "/home",
        "/subhome/hotel",
        "/places/6",
        "/places/6",
        "/buy/places/6",
        "/refund/places/6",
        "/review/places/6",
    ]
    assert [s["event_id"] for s in steps] == [f"e{i:02d}" for i in range(6, -1, -1)]
    assert "category" not in steps[0] and steps[6]["rating"] == 4
    u2, u3, u4 = rows["u2"], rows["u3"], rows["u4"]
    assert (u2["page_views"], u2["booked_places"], u2["refunds"]) == ({"places": 1}, ["7"], 0)
    assert (u3["page_views"], u3["booked_places"]) == ({"places": 2}, [])
    assert (u4["page_views"], u4["booked_places"], u4["session_count"]) == ({}, ["9"], 1)
    assert sorted(rows) == ["u1", "u2", "u3", "u4"]


def test_reviews_keep_one_row_per_review_text(events):
    rows = [r.asDict() for r in reviews(events).collect()]
    assert len(rows) == 1
    assert {k: rows[0][k] for k in ("event_id", "account", "place_id", "rating")} == {
        "event_id": "e00",
        "account": "u1",
        "place_id": 6,
        "rating": 4,
    }
    assert (rows[0]["category"], rows[0]["review_text"]) == ("hotel", "Lovely.")
