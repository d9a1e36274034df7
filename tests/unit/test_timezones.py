"""The platform's days in `bdp_timezone`, end to end, for UTC, Asia/Seoul and Europe/Berlin.

Day D is a calendar day in the platform time zone: the lake writer's `dt`, the simulator's
event date, the day the lake writer completes, the DAG run's data interval, the warehouse's
daily partition and the ETL's raw day must all agree, including Berlin's 23-hour day
(2026-03-29, clocks go forward) and 25-hour day (2026-10-25, clocks go back).

The expected instants are written out by hand below (not derived from the code under test):
Berlin is CET (+01:00) until 2026-03-29T01:00Z, CEST (+02:00) until 2026-10-25T01:00Z, then
CET again; Seoul is +09:00 all year.
"""

import importlib.util
import json
import random
import sys
import types
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pendulum
import pytest
from airflow.timetables.base import TimeRestriction
from lake_fixtures import NOW, SKEW, event, kafka_frame, write_schemas
from pyspark.sql import functions as F

from bdp_collectors.simulator.timeline import (
    day_bounds_ms,
    event_date,
    event_times,
    ms_to_iso,
    to_ms,
)
from bdp_dags import submit
from bdp_dags.settings import Settings
from bdp_jobs.etl.rawday import REJECT_REASON, split_rows
from bdp_jobs.lake.days import (
    complete_through,
    days_to_complete,
    empty_days,
    end_of_day,
    is_complete,
)
from bdp_jobs.lake.transforms import accepted, parse_events
from bdp_jobs.sparkschema import load_schema
from bdp_runtime.warehouse.partitions import Partition, daily_name, plan, today_in
from bdp_testkit.helpers import REPO

ZONES = ["UTC", "Asia/Seoul", "Europe/Berlin"]
SPRING = date(2026, 3, 29)  # Berlin: 02:00 CET becomes 03:00 CEST, a 23-hour day
AUTUMN = date(2026, 10, 25)  # Berlin: 03:00 CEST becomes 02:00 CET, a 25-hour day
ORDINARY = date(2026, 11, 1)
DAYS = [SPRING, AUTUMN, ORDINARY]
TIMEZONE_KEY = "spark.sql.session.timeZone"
MS = timedelta(milliseconds=1)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# Day D of each zone as [start, end) in UTC, by hand.
BOUNDS = {
    ("UTC", SPRING): ("2026-03-29T00:00", "2026-03-30T00:00"),
    ("UTC", AUTUMN): ("2026-10-25T00:00", "2026-10-26T00:00"),
    ("UTC", ORDINARY): ("2026-11-01T00:00", "2026-11-02T00:00"),
    ("Asia/Seoul", SPRING): ("2026-03-28T15:00", "2026-03-29T15:00"),
    ("Asia/Seoul", AUTUMN): ("2026-10-24T15:00", "2026-10-25T15:00"),
    ("Asia/Seoul", ORDINARY): ("2026-10-31T15:00", "2026-11-01T15:00"),
    ("Europe/Berlin", SPRING): ("2026-03-28T23:00", "2026-03-29T22:00"),
    ("Europe/Berlin", AUTUMN): ("2026-10-24T22:00", "2026-10-25T23:00"),
    ("Europe/Berlin", ORDINARY): ("2026-10-31T23:00", "2026-11-01T23:00"),
}
HOURS = {("Europe/Berlin", SPRING): 23, ("Europe/Berlin", AUTUMN): 25}
# Instants at and around Berlin's clock changes (a skipped and a repeated local hour).
CLOCK_CHANGES = [
    utc("2026-03-29T00:59:59.999"),
    utc("2026-03-29T01:00"),
    utc("2026-03-29T01:30"),
    utc("2026-10-25T00:30"),
    utc("2026-10-25T00:59:59.999"),
    utc("2026-10-25T01:00"),
    utc("2026-10-25T01:30"),
]
BERLIN_SUMMER = (utc("2026-03-29T01:00"), utc("2026-10-25T01:00"))


def bounds(zone: str, day: date) -> tuple[datetime, datetime]:
    start, end = BOUNDS[zone, day]
    return utc(start), utc(end)


def local_day(instant: datetime, zone: str) -> date:
    """The date of `instant` in `zone` from the hand-written offsets (valid in 2026 only)."""
    if zone == "Asia/Seoul":
        offset = timedelta(hours=9)
    elif zone == "Europe/Berlin":
        summer = BERLIN_SUMMER[0] <= instant < BERLIN_SUMMER[1]
        offset = timedelta(hours=2 if summer else 1)
    else:
        offset = timedelta()
    return (instant.astimezone(UTC) + offset).date()


def around(zone: str, day: date) -> list[datetime]:
    """Instants just before, at and inside day D, its last one and the next day's first."""
    start, end = bounds(zone, day)
    inside = [moment for moment in CLOCK_CHANGES if start <= moment < end]
    return [start - MS, start, start + MS, *inside, end - MS, end]


@pytest.fixture(params=ZONES)
def zone(request):
    return request.param


@pytest.fixture
def zoned_spark(spark, zone):
    """The shared session with the zone as the session time zone, as the lake writer and the
    ETL job set it."""
    spark.conf.set(TIMEZONE_KEY, zone)
    yield spark
    spark.conf.set(TIMEZONE_KEY, "UTC")


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    return load_schema(write_schemas(tmp_path_factory.mktemp("schemas")), "game")


# --- the hand-written days themselves -------------------------------------------------------


@pytest.mark.parametrize("day", DAYS)
def test_the_hand_written_days_are_local_midnights_of_the_expected_length(zone, day):
    start, end = bounds(zone, day)
    assert end - start == timedelta(hours=HOURS.get((zone, day), 24))
    for moment, local in ((start, day), (end, day + timedelta(days=1))):
        wall = moment.astimezone(ZoneInfo(zone))
        assert (wall.date(), wall.hour, wall.minute) == (local, 0, 0)
        assert local_day(moment, zone) == local
        assert local_day(moment - MS, zone) == local - timedelta(days=1)


# --- 1. lake partitions and the simulator ---------------------------------------------------


def test_the_lake_dt_of_an_event_is_its_local_day_as_the_simulator_dates_it(
    zoned_spark, schema, zone
):
    moments = [moment for day in DAYS for moment in around(zone, day)]
    millis = [to_ms(moment) for moment in moments]
    rng = random.Random(7)
    for day in DAYS:  # the simulator's own event times of the day
        millis += event_times(rng, day, 1, 6, ZoneInfo(zone))
    records = [event(ms_to_iso(ms), account=f"a{i}") for i, ms in enumerate(millis)]
    parsed = parse_events(kafka_frame(zoned_spark, records), schema, NOW, SKEW)
    dt = {row["account"]: row["dt"] for row in accepted(parsed, schema).collect()}
    assert len(dt) == len(records)  # nothing rejected
    for i, ms in enumerate(millis):
        moment = datetime.fromtimestamp(ms / 1000, UTC)
        assert dt[f"a{i}"] == local_day(moment, zone), ms_to_iso(ms)
        assert event_date(ms, ZoneInfo(zone)) == dt[f"a{i}"].isoformat(), ms_to_iso(ms)
    by_ms = {ms: dt[f"a{i}"] for i, ms in enumerate(millis)}
    for day in DAYS:  # the edges by hand: the first and the last instant belong to D
        start, end = bounds(zone, day)
        first, after = to_ms(start), to_ms(end)
        assert [by_ms[ms] for ms in (first - 1, first, after - 1, after)] == [
            day - timedelta(days=1),
            day,
            day,
            day + timedelta(days=1),
        ]


@pytest.mark.parametrize("day", DAYS)
def test_the_simulator_day_spans_the_local_day(zone, day):
    start, end = bounds(zone, day)
    assert day_bounds_ms(day, ZoneInfo(zone)) == (to_ms(start), to_ms(end))
    times = event_times(random.Random(1), day, 1, 200, ZoneInfo(zone))
    assert all(to_ms(start) <= ms < to_ms(end) for ms in times)
    assert {event_date(ms, ZoneInfo(zone)) for ms in times} == {day.isoformat()}
    # The day after starts where D ends: consecutive days tile the time line.
    assert day_bounds_ms(day + timedelta(days=1), ZoneInfo(zone))[0] == to_ms(end)


# --- 2. completeness --------------------------------------------------------------------------


@pytest.mark.parametrize("lateness", [timedelta(0), timedelta(minutes=90), timedelta(hours=6)])
@pytest.mark.parametrize("day", DAYS)
def test_a_day_is_complete_exactly_at_its_local_end_plus_the_lateness(zone, day, lateness):
    start, end = bounds(zone, day)
    assert end_of_day(day, zone) == end
    assert end_of_day(day - timedelta(days=1), zone) == start
    due = end + lateness
    before = due - timedelta(microseconds=1)
    assert not is_complete(day, before, zone, lateness)
    assert is_complete(day, due, zone, lateness)
    assert complete_through(before, zone, lateness) == day - timedelta(days=1)
    assert complete_through(due, zone, lateness) == day


@pytest.mark.parametrize("lateness", [timedelta(0), timedelta(minutes=90), timedelta(hours=6)])
@pytest.mark.parametrize("day", DAYS)
def test_complete_through_agrees_with_is_complete_hour_by_hour(zone, day, lateness):
    start, end = bounds(zone, day)
    candidates = [day + timedelta(days=n) for n in range(-3, 4)]
    moment = start - timedelta(hours=12)
    while moment <= end + lateness + timedelta(hours=12):
        for instant in (moment - timedelta(microseconds=1), moment, moment + timedelta(minutes=30)):
            complete = [d for d in candidates if is_complete(d, instant, zone, lateness)]
            assert complete_through(instant, zone, lateness) == max(complete), instant
            assert complete == candidates[: len(complete)]  # every day up to one
        moment += timedelta(hours=1)


@pytest.mark.parametrize("day", DAYS)
def test_an_empty_day_is_held_once_it_is_complete_and_a_full_one_is_marked(zone, day):
    lateness = timedelta(hours=2)
    _, end = bounds(zone, day)
    previous, following = day - timedelta(days=1), day + timedelta(days=1)
    not_yet = complete_through(end + lateness - MS, zone, lateness)
    now = complete_through(end + lateness, zone, lateness)
    assert (not_yet, now) == (previous, day)
    # D had no event (no directory), the days around it had.
    sparse = {previous: True, following: False}
    assert empty_days(sparse, previous, not_yet) == []
    assert empty_days(sparse, previous, now) == [day]
    full = {previous: True, day: False, following: False}
    assert days_to_complete(full, not_yet) == []
    assert days_to_complete(full, now) == [day]


# --- 3. the DAG's data interval ---------------------------------------------------------------


@pytest.fixture(scope="module")
def daily_etl(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(
            "BDP_ETL_SETTINGS", str(REPO / "tests" / "unit" / "data" / "etl_settings.json")
        )
        patch.setenv("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow")))
        import daily_etl

    return daily_etl


def etl_settings(zone: str, first: date, last: date) -> Settings:
    raw = json.loads((REPO / "tests" / "unit" / "data" / "etl_settings.json").read_text())
    return Settings(
        dict(raw, timezone=zone, start_date=first.isoformat(), end_date=last.isoformat())
    )


@pytest.mark.parametrize("day", DAYS)
def test_the_run_of_day_d_covers_the_local_day_and_starts_after_it(
    daily_etl, monkeypatch, zone, day
):
    settings = etl_settings(zone, day - timedelta(days=2), day + timedelta(days=2))
    dag = daily_etl.build(settings, "game")
    restriction = TimeRestriction(earliest=dag.start_date, latest=dag.end_date, catchup=True)
    runs, last = [], None
    while info := dag.timetable.next_dagrun_info(
        last_automated_data_interval=last, restriction=restriction
    ):
        runs.append(info)
        last = info.data_interval
    start, end = bounds(zone, day)
    (run,) = [info for info in runs if info.data_interval.start == start]
    assert run.data_interval.end == end
    assert run.data_interval.end - run.data_interval.start == timedelta(
        hours=HOURS.get((zone, day), 24)
    )
    assert run.run_after == end  # local midnight ending D, never earlier
    # Consecutive runs tile the time line, one per local day.
    assert all(a.data_interval.end == b.data_interval.start for a, b in pairwise(runs))

    monkeypatch.setattr(daily_etl, "SETTINGS", settings)

    def day_of(interval_start):
        context = {"data_interval_start": interval_start}
        monkeypatch.setattr(daily_etl, "get_current_context", lambda: context)
        return daily_etl._day()

    assert day_of(run.data_interval.start) == day
    assert day_of(pendulum.instance(start).in_timezone(zone)) == day
    # Each run is for the next day: none skipped or doubled around the clock changes.
    assert [day_of(info.data_interval.start) for info in runs] == [
        day + timedelta(days=n) for n in range(-2, 3)
    ]
    assert submit.raw_day_marker(settings, "game", day).endswith(f"/dt={day}/_SUCCESS")
    argv = submit.spark_submit_argv(settings, "game", day, "r", 1)
    assert argv[argv.index("--date") + 1] == day.isoformat()
    assert argv[argv.index("--timezone") + 1] == zone


def test_a_manual_run_just_after_local_midnight_is_for_the_day_that_ended(daily_etl, zone):
    settings = etl_settings(zone, SPRING, ORDINARY)
    timetable = daily_etl.build(settings, "game").timetable
    for day in DAYS:
        start, end = bounds(zone, day)
        interval = timetable.infer_manual_data_interval(
            run_after=pendulum.instance(end + timedelta(minutes=1))
        )
        assert (interval.start, interval.end) == (start, end)


# --- 4. the warehouse's daily partitions ------------------------------------------------------


TODAY_AT_1530Z = {"UTC": date(2026, 11, 1), "Asia/Seoul": date(2026, 11, 2)}


def test_today_is_the_date_in_the_platform_zone(zone):
    moment = utc("2026-11-01T15:30")
    assert today_in(zone, moment) == TODAY_AT_1530Z.get(zone, date(2026, 11, 1))
    for day in DAYS:
        start, end = bounds(zone, day)
        assert today_in(zone, start - MS) == day - timedelta(days=1)
        assert today_in(zone, start) == day
        assert today_in(zone, end - MS) == day
        assert today_in(zone, end) == day + timedelta(days=1)


def daily(*days: date) -> list[Partition]:
    return [Partition(daily_name(day), day + timedelta(days=1)) for day in days]


@pytest.mark.parametrize("day", [SPRING, AUTUMN])
def test_hourly_maintenance_keeps_exactly_the_window_across_the_dst_days(zone, day):
    future, retention = 2, 1
    start, end = bounds(zone, day)
    existing = [Partition("p_history", date(1970, 1, 1))]
    moment = start - timedelta(days=2)
    while moment <= end + timedelta(days=2):
        today = today_in(zone, moment)
        assert today == local_day(moment, zone), moment
        result = plan("t", existing, today, future, retention)
        existing = [p for p in existing if p.name not in result.drop] + daily(*result.add)
        window = [today + timedelta(days=n) for n in range(-retention, future + 1)]
        assert existing[1:] == daily(*window), moment
        moment += timedelta(hours=1)


@pytest.fixture
def host(monkeypatch):
    """bdp_runtime.warehouse.host, loaded apart with a stand-in for PyMySQL (the warehouse host's
    package, not installed here); `connect` is replaced by each test."""
    stub = types.ModuleType("pymysql")
    stub.MySQLError = type("MySQLError", (Exception,), {})
    stub.connections = types.SimpleNamespace(Connection=object)
    monkeypatch.setitem(sys.modules, "pymysql", stub)
    path = REPO / "runtime" / "bdp_runtime" / "warehouse" / "host.py"
    spec = importlib.util.spec_from_file_location("bdp_runtime.warehouse.host", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeCursor:
    """information_schema and the lock as the partition tool sees them; records DDL."""

    def __init__(self, partitions):
        self.partitions, self.ddl, self.last = partitions, [], ""

    def __enter__(self):
        return self

    def __exit__(self, *_):
        return False

    def execute(self, statement, params=None):
        self.last = statement
        if statement.startswith("ALTER"):
            self.ddl.append(statement)

    def fetchone(self):
        return (1,)  # GET_LOCK granted

    def fetchall(self):
        return self.partitions


class FakeConnection:
    def __init__(self, cursor):
        self._cursor = cursor

    def __enter__(self):
        return self

    def __exit__(self, *_):
        return False

    def cursor(self):
        return self._cursor


@pytest.mark.parametrize("day", DAYS)
def test_the_partition_tool_turns_over_at_local_midnight(
    host, tmp_path, monkeypatch, capsys, zone, day
):
    config = tmp_path / "tools.json"
    config.write_text(
        json.dumps(
            {
                "socket": "/nowhere.sock",
                "database": "w",
                "migrations_dir": "/none",
                "timezone": zone,
                "future_partitions": 1,
                "retention_days": 1,
            }
        )
    )
    previous, following = day - timedelta(days=1), day + timedelta(days=1)
    rows = [
        ("t", daily_name(d), f"'{d + timedelta(days=1)}'")
        for d in (day - timedelta(days=2), previous, day)
    ]
    start, _ = bounds(zone, day)
    results = {}
    for moment in (start - timedelta(seconds=1), start):
        cursor = FakeCursor(rows)
        monkeypatch.setattr(host, "connect", lambda _config, c=cursor: FakeConnection(c))
        assert host.main(["bdp-warehouse-partitions", "--config", str(config)], now=moment) == 0
        results[moment] = (json.loads(capsys.readouterr().out)["today"], cursor.ddl)
    assert results[start - timedelta(seconds=1)] == (str(previous), [])
    assert results[start] == (
        str(day),
        [
            f"ALTER TABLE `t` ADD PARTITION (PARTITION {daily_name(following)} VALUES LESS THAN"
            f" ('{following + timedelta(days=1)}'))",
            f"ALTER TABLE `t` DROP PARTITION {daily_name(day - timedelta(days=2))}",
        ],
    )


# --- 5. the ETL's raw day ---------------------------------------------------------------------


def test_the_raw_day_keeps_exactly_the_events_of_the_local_day(zoned_spark, schema, zone):
    moments = {day: around(zone, day) for day in DAYS}
    records = [
        event(ms_to_iso(to_ms(m)), account=f"{day}/{i}")
        for day in DAYS
        for i, m in enumerate(moments[day])
    ]
    parsed = parse_events(kafka_frame(zoned_spark, records), schema, NOW, SKEW)
    rows = accepted(parsed, schema)
    outcomes = None
    for day in DAYS:
        # As read_day does: the directory names the day, whatever the rows' event times.
        frame = rows.where(F.col("account").startswith(f"{day}/"))
        valid, rejected = split_rows(frame.withColumn("dt", F.lit(day).cast("date")), schema, day)
        both = valid.withColumn(REJECT_REASON, F.lit(None)).unionByName(rejected)
        outcomes = both if outcomes is None else outcomes.unionByName(both)
    found = {row["account"]: row[REJECT_REASON] for row in outcomes.collect()}
    assert len(found) == len(records)
    for day in DAYS:
        not_on = f"event_time is not on {day}"
        # By hand: all but the instant before the day's first and the next day's first.
        by_hand = [not_on, *[None] * (len(moments[day]) - 2), not_on]
        assert [found[f"{day}/{i}"] for i in range(len(moments[day]))] == by_hand
        assert [local_day(m, zone) == day for m in moments[day]] == [r is None for r in by_hand]
