"""raid transforms on tiny hand-made events: summaries, outcomes, account history, chat."""

import json

import pytest
from etl_fixtures import DAY, raw_frame

from bdp_jobs.etl.raid import account_history, chat_messages, session_summaries

WARRIOR = {"account": "h2", "user_class": "warrior"}
# r1 is won on h2's closing event; r2 (Tide Mother) times out; r0, the day's last, is lost.
ROWS = [
    {"t": "20:00:00", "method": "/move", "x": 251.0},
    {"t": "20:00:30", "method": "/chat", "chat_text": "heal now", **WARRIOR},
    {"t": "20:01:00", "account": "h3"},
    {"t": "20:10:05.900", "success": True, **WARRIOR},
    {"t": "21:00:00", "session_id": "r2", "boss_name": "Tide Mother", "user_class": "priest",
     "method": "/move"},
    {"t": "21:00:10", "session_id": "r2", "boss_name": "Tide Mother", "user_class": "priest",
     "method": "/chat", "chat_text": "gg"},
    {"t": "22:00:00", "session_id": "r0", "success": False},
]  # fmt: skip


@pytest.fixture(scope="module")
def events(spark):
    return raw_frame(spark, "raid", ROWS)


def test_session_summaries(events):
    rows = sorted(tuple(r) for r in session_summaries(events).collect())
    assert rows == [
        (DAY, "r0", "Hollow King", 0, False, '{"mage":1}', 1),
        # 20:00:00 to 20:10:05.900 is 605.9 s, whole seconds rounded down.
        (DAY, "r1", "Hollow King", 605, True, '{"mage":2,"warrior":1}', 3),
        (DAY, "r2", "Tide Mother", 10, False, '{"priest":1}', 1),
    ]


def test_account_history(events):
    rows = {r["account"]: r for r in account_history(events, run_id="run-3").collect()}
    h1 = rows["h1"]
    assert (h1["dt"], h1["user_class"], h1["raid_sessions"], h1["chat_messages"]) == (
        DAY,
        "mage",
        3,
        1,
    )
    assert h1["boss_attempts"] == {"Hollow King": 2, "Tide Mother": 1}
    assert h1["boss_kills"] == {"Hollow King": 1}  # r1, won on another member's event
    history = json.loads(h1["history"])
    assert [(s["session_id"], s.get("success")) for s in history] == [
        ("r1", True),
        ("r2", None),
        ("r0", False),
    ]
    assert [e["method"] for e in history[1]["events"]] == ["/move", "/chat"]
    assert history[1]["events"][1]["chat_text"] == "gg" and history[1]["user_class"] == "priest"
    h2, h3 = rows["h2"], rows["h3"]
    assert (h2["user_class"], h2["raid_sessions"], h2["chat_messages"]) == ("warrior", 1, 1)
    assert h2["boss_kills"] == h3["boss_kills"] == {"Hollow King": 1}
    assert h3["boss_attempts"] == {"Hollow King": 1} and h3["chat_messages"] == 0
    assert {r["run_id"] for r in rows.values()} == {"run-3"}


def test_chat_messages_keep_each_chat_text(events):
    rows = sorted(
        (r["event_id"], r["account"], r["chat_text"]) for r in chat_messages(events).collect()
    )
    assert rows == [("e01", "h2", "heal now"), ("e05", "h1", "gg")]
