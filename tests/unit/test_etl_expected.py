"""The lab's independent ETL expectations (tests/lab/etl_expected.py) against the Spark
transforms: on a simulated stream, typed by the lake writer's own parser, the two
implementations of the declared rules agree on every dataset of every source the expectations
model (etl_expected.SOURCES), day by day."""

from datetime import UTC, date, datetime, timedelta

import pytest
from etl_expected import SOURCES as MODELLED
from etl_expected import (
    canonical,
    compare,
    declarations,
    expected_day,
    expected_outputs,
    raw_day,
)
from etl_fixtures import DAY, DEFAULTS, at
from lake_fixtures import NOW, SKEW, kafka_frame
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from bdp_collectors.simulator.stream import expected
from bdp_jobs.etl.datasets import load_all, transform_of
from bdp_jobs.lake.transforms import accepted, parse_events
from bdp_jobs.sparkschema import load_schema
from bdp_testkit.helpers import REPO
from eventkit import api_config

# Daylight saving time ends on 2026-11-01 here: a 25-hour day, and dates that UTC would
# put on the next day.
TIMEZONE = "America/New_York"
DAYS = [date(2026, 11, 1), date(2026, 11, 2)]
DECLARED = {s: {d.name: d for d in ds} for s, ds in load_all(REPO / "schemas").items()}


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    """The unit tests' fault-rich stream (duplicates, late events), 2 days in TIMEZONE; dense
    enough for players to move several times per match, so cheaters' teleports show."""
    return api_config(tmp_path_factory.mktemp("api"), timezone=TIMEZONE, events_per_day=3000)


@pytest.fixture(scope="module")
def platform_spark(spark):
    """The shared session in the platform time zone, which gives the lake writer's dt."""
    spark.conf.set("spark.sql.session.timeZone", TIMEZONE)
    yield spark
    spark.conf.set("spark.sql.session.timeZone", "UTC")


def lake_raw(spark: SparkSession, source: str, config: dict) -> DataFrame:
    """Every valid event as the collector sends it, parsed and typed by the lake writer."""
    schema = load_schema(REPO / "schemas" / "events", source)
    records = [{**e.event, "event_id": i} for i, e in expected(source, config).valid.items()]
    return accepted(parse_events(kafka_frame(spark, records, source), schema, NOW, SKEW), schema)


def collected(frame: DataFrame) -> list[dict]:
    """The rows as dicts, timestamps made aware (PySpark returns them naive, local time)."""
    return [
        {k: v.astimezone(UTC) if isinstance(v, datetime) else v for k, v in row.asDict().items()}
        for row in frame.collect()
    ]


@pytest.mark.parametrize("source", sorted(MODELLED))
def test_the_spark_transforms_give_the_expected_rows(platform_spark, config, source):
    raw = lake_raw(platform_spark, source, config).cache()
    differences = []
    for day in DAYS:
        events = raw_day(source, config, TIMEZONE, day)
        frame = raw.where(F.col("dt") == day)
        stored = sorted(row.event_id for row in frame.select("event_id").collect())
        assert stored == sorted(e["event_id"] for e in events), f"{source} {day}: raw day"
        wanted = expected_outputs(source, events)
        for name, dataset in declarations(source).items():
            transform = transform_of(DECLARED[source][name])
            output = (
                transform(frame, run_id="r1") if "run_id" in dataset.types else transform(frame)
            )
            differences += compare(dataset, wanted[name], collected(output), limit=5)
    raw.unpersist()
    assert differences == []


def test_the_stream_exercises_the_rules(config):
    """Agreement means little if the data never reach the rules' edges."""
    days = {s: [expected_day(s, config, TIMEZONE, day) for day in DAYS] for s in MODELLED}
    rows = {
        s: {n: [r for d in days[s] for r in d.datasets[n]] for n in days[s][0].datasets}
        for s in MODELLED
    }
    assert all(rows for s in MODELLED for d in days[s] for rows in d.datasets.values())
    features = rows["game"]["player_match_features"]
    assert any(r["teleport_moves"] for r in features if r["is_cheater"])
    assert not any(r["teleport_moves"] for r in features if not r["is_cheater"])
    funnel = rows["lodging"]["daily_funnel"]
    assert all(sum(r[c] for r in funnel) > 0 for c in ("views", "buys", "refunds"))
    summaries = rows["raid"]["session_summaries"]
    assert {r["success"] for r in summaries} == {True, False}
    raw_clicks = sum(e.event["click"] for e in expected("ads", config).valid.values())
    counted = sum(r["clicks"] for r in rows["ads"]["ad_texts"])
    assert 0 < counted < raw_clicks, "repeated clicks within 60 s must occur and be dropped"
    assert sum(d.raw_count for s in MODELLED for d in days[s]) == sum(
        len(expected(s, config).valid) for s in MODELLED
    )


GAME = declarations("game")
FEATURES = GAME["player_match_features"]
ROW = {
    "dt": date(2026, 11, 1),
    "room_id": "room-1",
    "account": "p1",
    "champion": "Nox",
    "moves": 3,
    "max_move_distance": 4100.25,
    "avg_move_speed": 12.5,
    "teleport_moves": 1,
    "buys": 0,
    "deaths": 2,
    "is_cheater": True,
}


def test_compare_finds_missing_unexpected_repeated_and_different_rows():
    other = {**ROW, "room_id": "room-2"}
    changed = {**ROW, "moves": 4, "is_cheater": 1, "max_move_distance": 4100.25 * (1 + 1e-12)}
    assert compare(FEATURES, [ROW], [ROW]) == []
    # MySQL's 1 for true and a float a rounding apart are no difference; the moves are.
    assert compare(FEATURES, [ROW], [changed]) == [
        "game.player_match_features ('2026-11-01', 'room-1', 'p1'): moves: expected 3, found 4"
    ]
    assert compare(FEATURES, [ROW], [other, other]) == [
        "game.player_match_features ('2026-11-01', 'room-2', 'p1'): 2 actual rows",
        "game.player_match_features ('2026-11-01', 'room-1', 'p1'): missing",
        "game.player_match_features ('2026-11-01', 'room-2', 'p1'): unexpected",
    ]
    many = [{**ROW, "account": f"p{n}"} for n in range(30)]
    assert compare(FEATURES, many, [], limit=3)[-1] == "... and 27 more"


def test_compare_reads_each_store_s_forms():
    # Cassandra: a null collection for an empty one, naive UTC timestamps, JSON as text
    # with instants in another offset; MySQL: 0/1 booleans.
    profiles = GAME["player_profiles"]
    moment = datetime(2026, 11, 1, 4, 30, tzinfo=UTC)
    wanted = {"account": "p1", "dt": date(2026, 11, 1), "champions": {}, "suspected_cheater": False}
    wanted["profile"] = {"at": moment, "x": 1.5}
    found = {**wanted, "dt": "2026-11-01", "champions": None, "suspected_cheater": 0}
    found["profile"] = '{"at": "2026-11-01T00:30:00.000-04:00", "x": 1.5}'
    assert compare(profiles, [wanted], [found]) == []
    found["profile"] = '{"at": "2026-11-01T00:30:00.000-05:00", "x": 1.5}'
    assert compare(profiles, [wanted], [found]) == [
        "game.player_profiles ('p1', '2026-11-01'): profile.at: expected"
        " datetime.datetime(2026, 11, 1, 4, 30, tzinfo=datetime.timezone.utc), found"
        " datetime.datetime(2026, 11, 1, 5, 30, tzinfo=datetime.timezone.utc)"
    ]
    found["profile"] = '{"at": "2026-11-01T04:30:00Z"}'
    assert compare(profiles, [wanted], [found]) == [
        "game.player_profiles ('p1', '2026-11-01'): profile: fields missing ['x'], unexpected []"
    ]
    assert canonical(moment.replace(tzinfo=None), "timestamp") == moment
    assert canonical(["b", "a"], "array<string>") == ["a", "b"]


def test_the_raw_day_is_the_platform_time_zone_s_day_without_the_late_events(config):
    day = DAYS[0]
    events = raw_day("raid", config, TIMEZONE, day)
    times = sorted(e["event_time"] for e in events)
    # 2026-11-01 in New York: 04:00 UTC that day to 05:00 UTC the next (25 hours).
    assert datetime(2026, 11, 1, 4, tzinfo=UTC) <= times[0] < times[-1]
    assert times[-1] - times[0] > timedelta(hours=24)
    assert times[-1] < datetime(2026, 11, 2, 5, tzinfo=UTC)
    late = {events[0]["event_id"]}
    assert expected_day("raid", config, TIMEZONE, day, late).raw_count == len(events) - 1


def test_a_half_second_of_viewing_rounds_up():
    # Doubles add these up to 30.499999999999996 in every order; the transform must agree.
    times = [17.423, 1.412, 11.665]
    events = [
        {**DEFAULTS["ads"], "event_time": at(f"10:0{n}:00"), "event_id": f"e{n}", "dt": DAY}
        | {"viewing_time": seconds}
        for n, seconds in enumerate(times)
    ]
    (row,) = expected_outputs("ads", events)["viewer_profiles"]
    assert row["viewing_seconds"] == {"fashion": 31}
