"""game transforms on tiny hand-made events: steps, teleports, features, profiles."""

import json

import pytest
from etl_fixtures import DAY, raw_frame

from bdp_jobs.etl.game import player_match_features, player_profiles, training_set

# p1 plays Nox in room-1: a 500-unit move, then a 4000-unit jump, then a buy in place.
# In room-2 p1 plays Brakk; its second event arrived late (event time hours earlier) but
# keeps its in-game time, so it sits between the other two. p2 has one move in room-1.
ROWS = [
    {"t": "10:00:00", "champion": "Nox", "in_game_time": 0},
    {"t": "10:00:01", "champion": "Nox", "method": "/move", "x": 300.0, "y": 400.0,
     "in_game_time": 1},
    {"t": "10:00:03", "champion": "Nox", "method": "/move", "x": 300.0, "y": 4400.0,
     "in_game_time": 3, "death_count": 1},
    {"t": "10:00:04", "champion": "Nox", "method": "/buyItem", "x": 300.0, "y": 4400.0,
     "in_game_time": 4, "death_count": 1},
    {"t": "10:00:02", "account": "p2", "method": "/move", "x": 5.0, "y": 5.0,
     "in_game_time": 2},
    {"t": "10:00:00", "room_id": "room-2", "champion": "Brakk", "method": "/move",
     "in_game_time": 100},
    {"t": "07:00:00", "room_id": "room-2", "champion": "Brakk", "method": "/move",
     "x": 30.0, "y": 40.0, "in_game_time": 101},
    {"t": "10:00:02", "room_id": "room-2", "champion": "Brakk", "x": 60.0, "y": 80.0,
     "in_game_time": 102},
]  # fmt: skip


@pytest.fixture(scope="module")
def events(spark):
    return raw_frame(spark, "game", ROWS)


def test_steps_follow_the_match_clock_and_flag_teleports(events):
    rows = {r["event_id"]: r for r in training_set(events).collect()}
    steps = [
        (rows[f"e{i:02d}"]["step_distance"], rows[f"e{i:02d}"]["step_seconds"]) for i in range(8)
    ]
    assert steps == [
        (None, None),
        (500.0, 1),
        (4000.0, 2),
        (0.0, 1),
        (None, None),
        (None, None),
        (50.0, 1),  # the late event, placed by in-game time
        (50.0, 1),
    ]
    assert [rows[f"e{i:02d}"]["teleport"] for i in range(8)] == [False, False, True] + [False] * 5
    assert [rows[f"e{i:02d}"]["is_cheater"] for i in range(8)] == [True] * 4 + [False] * 4


def test_a_step_of_exactly_the_threshold_is_a_teleport(events):
    rows = training_set(events, teleport_distance=50.0).where("room_id = 'room-2'").collect()
    assert sorted((r["event_id"], r["teleport"]) for r in rows) == [
        ("e05", False),
        ("e06", True),
        ("e07", True),
    ]


def test_player_match_features(events):
    rows = {
        (r["room_id"], r["account"]): r.asDict() for r in player_match_features(events).collect()
    }
    assert rows == {
        ("room-1", "p1"): {
            "dt": DAY, "room_id": "room-1", "account": "p1", "champion": "Nox", "moves": 2,
            "max_move_distance": 4000.0, "avg_move_speed": 4500.0 / 4, "teleport_moves": 1,
            "buys": 1, "deaths": 1, "is_cheater": True,
        },
        ("room-1", "p2"): {
            "dt": DAY, "room_id": "room-1", "account": "p2", "champion": "Aria", "moves": 1,
            "max_move_distance": 0.0, "avg_move_speed": 0.0, "teleport_moves": 0, "buys": 0,
            "deaths": 0, "is_cheater": False,
        },
        ("room-2", "p1"): {
            "dt": DAY, "room_id": "room-2", "account": "p1", "champion": "Brakk", "moves": 2,
            "max_move_distance": 50.0, "avg_move_speed": 100.0 / 2, "teleport_moves": 0,
            "buys": 0, "deaths": 0, "is_cheater": False,
        },
    }  # fmt: skip


def test_player_profiles(events):
    rows = {r["account"]: r for r in player_profiles(events, run_id="run-7").collect()}
    p1, p2 = rows["p1"], rows["p2"]
    assert (p1["dt"], p1["matches"], p1["deaths"], p1["suspected_cheater"]) == (DAY, 2, 1, True)
    assert p1["champions"] == {"Brakk": 1, "Nox": 1}
    assert p1["actions"] == {"/buyItem": 1, "/move": 4, "/wait": 2}
    assert (p2["matches"], p2["deaths"], p2["suspected_cheater"]) == (1, 0, False)
    assert p2["champions"] == {"Aria": 1} and p2["actions"] == {"/move": 1}
    assert {r["run_id"] for r in rows.values()} == {"run-7"}
    document = json.loads(p1["profile"])
    assert document["account"] == "p1" and document["dt"] == "2026-11-01"
    assert [(m["room_id"], m["champion"], m["teleport_moves"]) for m in document["matches"]] == [
        ("room-1", "Nox", 1),
        ("room-2", "Brakk", 0),
    ]
    assert list(document["actions"]) == ["/buyItem", "/move", "/wait"]
    assert document["suspected_cheater"] is True
