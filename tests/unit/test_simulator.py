"""The simulator's streams are deterministic, carry every fault class, and its API paginates."""

import json
import math
import random
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bdp.sources import platform_sources
from bdp_collectors.classify import Accepted, classify
from bdp_collectors.events import canonical, event_id
from bdp_collectors.simulator.config import ConfigError, parse_api_config
from bdp_collectors.simulator.game import CHEATER_CHAMPION, MAX_STEP, TELEPORT_MIN
from bdp_collectors.simulator.registry import generators, simulates
from bdp_collectors.simulator.state import load_or_create_t0
from bdp_collectors.simulator.stream import build_stream, expected
from bdp_collectors.simulator.timeline import day_bounds_ms, event_times
from bdp_collectors.validation import load_schema
from eventkit import SCHEMA_DIR, TOKEN, ScriptedRandom, api_config, live_api, parse_api

SEOUL = ZoneInfo("Asia/Seoul")
SOURCES = tuple(generators())  # the simulated sources


def test_every_simulated_source_is_a_registered_one():
    # A generator of a source without an event schema would make events nothing can validate.
    assert set(SOURCES) <= set(platform_sources())
    assert {"game", "lodging", "raid", "ads"} <= set(SOURCES)  # the lab and demos need them


def test_a_source_has_one_generator():
    with pytest.raises(ValueError, match="both simulate 'game'"):

        @simulates("game")
        class Another:
            pass


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return parse_api(tmp_path_factory.mktemp("api"))


@pytest.fixture(scope="module")
def streams(config):
    return {source: build_stream(source, config) for source in SOURCES}


def test_streams_are_a_function_of_the_config(tmp_path, config, streams):
    for source in SOURCES:
        assert build_stream(source, config) == streams[source]
        assert expected(source, config) == expected(source, api_config(tmp_path))
    other = parse_api(tmp_path, seed=8)
    assert build_stream("game", other) != streams["game"]


@pytest.mark.parametrize("source", SOURCES)
def test_every_fault_class_is_in_the_stream(source, streams):
    kinds = Counter(item.kind for item in streams[source])
    assert sum(kinds.values()) == 120
    assert set(kinds) == {
        "event",
        "late",
        "duplicate",
        "malformed",
        "schema_violation",
        "oversized",
    }
    assert [item.position for item in streams[source]] == list(range(120))


@pytest.mark.parametrize("source", SOURCES)
def test_items_are_what_their_kind_says(source, config, streams):
    schema = load_schema(SCHEMA_DIR / f"{source}.json")
    items = streams[source]
    for item in items:
        outcome = classify(source, item.payload, schema, 4096)
        if item.kind in ("event", "late", "duplicate"):
            assert isinstance(outcome, Accepted), (item, outcome)
            assert len(canonical(item.payload).encode()) < 2048
        elif item.kind == "malformed":
            assert isinstance(item.payload, str)
            with pytest.raises(json.JSONDecodeError):
                json.loads(item.payload)
        elif item.kind == "schema_violation":
            assert isinstance(item.payload, dict)
            assert outcome.reason.startswith("schema: ")
        else:
            assert len(canonical(item.payload).encode()) > config.oversized_bytes
            assert schema.violation(item.payload) is None  # only its size is wrong
        if item.kind == "duplicate":
            assert 0 < item.position - item.original <= 20
            assert items[item.original].payload == item.payload
            assert items[item.original].kind in ("event", "late")


@pytest.mark.parametrize("source", SOURCES)
def test_distinct_events_never_share_content(source, streams):
    genuine = [i.payload for i in streams[source] if i.kind in ("event", "late")]
    assert len({canonical(event) for event in genuine}) == len(genuine)
    assert len({event["event_time"] for event in genuine}) == len(genuine)


def test_late_events_are_pushed_back_by_late_hours(config, streams):
    times = event_times(random.Random(f"{config.seed}:game"), config.start_date, 2, 60, SEOUL)
    for item in streams["game"]:
        if item.kind == "late":
            served = datetime.fromisoformat(item.payload["event_time"]).timestamp() * 1000
            hours = (times[item.position] - served) / 3_600_000
            assert 1 <= hours <= 6 + 1e-6


def test_event_times_cover_calendar_days_in_the_time_zone(streams):
    start, _ = day_bounds_ms(datetime(2026, 11, 1).date(), SEOUL)
    _, end = day_bounds_ms(datetime(2026, 11, 2).date(), SEOUL)
    for item in streams["raid"]:
        if isinstance(item.payload, dict) and "event_time" in item.payload:
            stamp = item.payload["event_time"]
            if stamp.endswith("Z"):
                ms = datetime.fromisoformat(stamp).timestamp() * 1000
                assert start <= ms < end


def test_dst_days_have_their_real_length():
    low, high = day_bounds_ms(datetime(2026, 3, 29).date(), ZoneInfo("Europe/Berlin"))
    assert high - low == 23 * 3_600_000


@pytest.mark.parametrize("source", SOURCES)
def test_expected_sets_match_the_stream(source, config, streams):
    known = expected(source, config)
    items = streams[source]
    valid = [i for i in items if i.kind in ("event", "late", "duplicate")]
    assert len(known.valid) == len(valid) - sum(1 for i in items if i.kind == "duplicate")
    for item in valid:
        entry = known.valid[event_id(source, item.payload)]
        assert entry.event == item.payload
        local = datetime.fromisoformat(item.payload["event_time"]).astimezone(SEOUL)
        assert entry.dt == local.date().isoformat()
    invalid = [i for i in items if i.kind not in ("event", "late", "duplicate")]
    assert [entry.position for entry in known.invalid] == [i.position for i in invalid]
    classes = {"malformed": "malformed", "schema_violation": "schema", "oversized": "oversized"}
    assert [e.reason_class for e in known.invalid] == [classes[i.kind] for i in invalid]
    assert len({entry.event_id for entry in known.invalid}) == len(known.invalid)
    assert not {entry.event_id for entry in known.invalid} & set(known.valid)
    assert {e.dt for e in known.valid.values()} == {"2026-11-01", "2026-11-02"}


def test_the_cheater_champion_teleports_and_nobody_else_does(tmp_path):
    config = parse_api(tmp_path, events_per_day=3000, days=1, faults={})
    last: dict[tuple[str, str], tuple[float, float]] = {}
    jumps = Counter()
    for item in build_stream("game", config):
        event = item.payload
        where = (event["room_id"], event["account"])
        if event["method"] == "/move" and where in last:
            distance = math.dist(last[where], (event["x"], event["y"]))
            if distance > MAX_STEP + 1:
                assert event["champion"] == CHEATER_CHAMPION
                assert distance >= TELEPORT_MIN - 1
                jumps[event["champion"]] += 1
        last[where] = (event["x"], event["y"])
    assert jumps[CHEATER_CHAMPION] > 5


def test_text_fields_are_filled(streams):
    valid = {s: [i.payload for i in streams[s] if i.kind == "event"] for s in SOURCES}
    assert any(e["review_text"] for e in valid["lodging"])
    assert any(e["chat_text"] for e in valid["raid"])
    assert all(e["ad_text"] and e["ad_name"] for e in valid["ads"])


def test_bad_configs_are_named(tmp_path):
    with pytest.raises(ConfigError, match="missing key 'seed'"):
        parse_api_config({k: v for k, v in api_config(tmp_path).items() if k != "seed"})
    with pytest.raises(ConfigError, match="unknown 'timezone' 'Mars/Base'"):
        parse_api(tmp_path, timezone="Mars/Base")
    with pytest.raises(ConfigError, match="unknown faults teleport"):
        parse_api(tmp_path, faults={"teleport": 0.1})
    with pytest.raises(ConfigError, match="'days' must be >= 1"):
        parse_api(tmp_path, days=0)


def test_t0_survives_a_restart(tmp_path):
    state = tmp_path / "state" / "api.json"
    assert load_or_create_t0(state, 100.0) == 100.0
    assert load_or_create_t0(state, 999.0) == 100.0
    state.write_text("junk")
    with pytest.raises(ValueError, match="not an event API state file"):
        load_or_create_t0(state, 1.0)


def get(url, token=TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_pagination_reaches_the_end_with_every_item(config, streams):
    with live_api(config) as base:
        status, _, body = get(f"{base}/healthz", token=None)
        assert status == 200
        cursor, served = 0, []
        while True:
            status, _, body = get(f"{base}/v1/lodging/events?cursor={cursor}&limit=50")
            page = json.loads(body)
            assert status == 200 and page["source"] == "lodging" and page["available"] == 120
            served += page["events"]
            assert page["next_cursor"] == cursor + len(page["events"])
            cursor = page["next_cursor"]
            if page["end"]:
                break
        assert cursor == 120
        assert served == [item.payload for item in streams["lodging"]]
        status, _, body = get(f"{base}/v1/lodging/events?cursor=120&limit=50")
        assert json.loads(body) | {"source": None} == {
            "source": None,
            "events": [],
            "next_cursor": 120,
            "available": 120,
            "end": True,
        }


def test_requests_are_refused_with_a_reason(config):
    with live_api(config) as base:
        for token in (None, "wrong"):
            status, _, body = get(f"{base}/v1/game/events", token=token)
            assert status == 401 and "bearer token" in json.loads(body)["error"]
        assert get(f"{base}/v1/chess/events")[0] == 404
        for query, message in (
            ("cursor=-1", "cursor must be an integer from 0 to 120, got '-1'"),
            ("cursor=121", "cursor must be an integer from 0 to 120, got '121'"),
            ("cursor=x", "cursor must be an integer from 0 to 120, got 'x'"),
            ("limit=0", "limit must be an integer from 1 to 50, got '0'"),
            ("limit=51", "limit must be an integer from 1 to 50, got '51'"),
        ):
            status, _, body = get(f"{base}/v1/game/events?{query}")
            assert (status, json.loads(body)["error"]) == (400, message)


def test_release_pacing_follows_the_clock(tmp_path):
    config = parse_api(tmp_path, release_rate=10)
    now = [5.0]
    with live_api(config, clock=lambda: now[0]) as base:
        page = json.loads(get(f"{base}/v1/raid/events?cursor=0&limit=50")[2])
        assert (page["available"], len(page["events"]), page["end"]) == (51, 50, False)
        page = json.loads(get(f"{base}/v1/raid/events?cursor=50&limit=50")[2])
        assert (page["available"], len(page["events"]), page["next_cursor"]) == (51, 1, 51)
        now[0] = 1000.0
        page = json.loads(get(f"{base}/v1/raid/events?cursor=100&limit=50")[2])
        assert (page["available"], page["next_cursor"], page["end"]) == (120, 120, True)
        now[0] = -1.0
        page = json.loads(get(f"{base}/v1/raid/events?cursor=0&limit=50")[2])
        assert (page["available"], page["events"]) == (0, [])


def test_request_faults(tmp_path):
    faults = {"throttle": 0.2, "server_error": 0.2, "html": 0.2, "cursor_backwards": 0.2}
    config = parse_api(tmp_path, faults=faults)
    # Rolls: throttle; server error (then 500); html; backwards at cursor 0 (refused: no fault);
    # backwards at cursor 30 (then distance roll 0.1 -> 30 - 1 - 5).
    rolls = ScriptedRandom([0.1, 0.3, 0.2, 0.5, 0.7, 0.7, 0.1])
    with live_api(config, fault_rng=rolls) as base:
        status, headers, body = get(f"{base}/v1/ads/events?cursor=0&limit=50")
        assert (status, headers["Retry-After"]) == (429, "2")
        assert get(f"{base}/v1/ads/events?cursor=0&limit=50")[0] == 500
        status, headers, body = get(f"{base}/v1/ads/events?cursor=0&limit=50")
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert body.startswith(b"<!DOCTYPE html>")
        page = json.loads(get(f"{base}/v1/ads/events?cursor=0&limit=50")[2])
        assert page["next_cursor"] == 50
        page = json.loads(get(f"{base}/v1/ads/events?cursor=30&limit=50")[2])
        assert page["next_cursor"] == 24


def test_a_source_with_a_wrong_clock_sends_future_and_past_events(tmp_path):
    faults = {"future_time": 0.1, "past_time": 0.1}
    config = parse_api(tmp_path, faults=faults, clock_skew_days=400)
    plain = build_stream("game", parse_api(tmp_path, faults={}))
    items = build_stream("game", config)
    kinds = Counter(item.kind for item in items)
    assert kinds["future"] and kinds["past"] and kinds["event"]
    schema = load_schema(SCHEMA_DIR / "game.json")
    not_after = datetime(2026, 12, 1, tzinfo=ZoneInfo("UTC"))
    known = expected("game", config)
    for item in items:
        if item.kind not in ("future", "past"):
            continue
        original = datetime.fromisoformat(plain[item.position].payload["event_time"])
        shifted = datetime.fromisoformat(item.payload["event_time"])
        assert abs(shifted - original).days == 400
        outcome = classify("game", item.payload, schema, 4096, not_after)
        if item.kind == "future":
            assert outcome.reason.startswith("future: $.event_time ")
        else:
            assert isinstance(outcome, Accepted)
            assert known.valid[outcome.event_id].late
            assert known.valid[outcome.event_id].dt.startswith("2025-")
    assert Counter(e.reason_class for e in known.invalid) == {"future": kinds["future"]}
