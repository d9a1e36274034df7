"""The lake writer's transforms and batch handler on a local Spark session and a file:// lake."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from lake_fixtures import NOW, SKEW, event, kafka_frame, write_schemas
from pyspark.sql import functions as F

from bdp_jobs.hadoopfs import HadoopFS
from bdp_jobs.lake.batch import LakeConfig, LakeWriter
from bdp_jobs.lake.compaction import complete_day
from bdp_jobs.lake.transforms import (
    accepted,
    dedupe_batch,
    drop_stored,
    mark_late,
    parse_events,
    rejected,
)
from bdp_jobs.sparkschema import load_schema

DAY1 = date(2026, 11, 1)


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    return load_schema(write_schemas(tmp_path_factory.mktemp("schemas")), "game")


def ids(frame):
    return sorted(r["event_id"] for r in frame.select("event_id").collect())


def test_parse_types_rows_and_rejects_bad_ones(spark, schema):
    good = event("2026-11-01T23:59:59.999Z")
    records = [
        good,
        "{not json",
        {**event("2026-11-01T10:00:00.000Z"), "x": "ten"},
        {k: v for k, v in event("2026-11-01T10:00:00.000Z", account="b").items() if k != "method"},
        {**event("2026-11-01T10:00:00.000Z", account="c"), "event_time": "yesterday"},
        {
            k: v
            for k, v in event("2026-11-01T10:00:00.000Z", account="d").items()
            if k != "event_id"
        },
    ]
    parsed = parse_events(kafka_frame(spark, records), schema, NOW, SKEW).cache()
    rows = accepted(parsed, schema).collect()
    assert [(r["event_id"], r["account"], r["x"], r["dt"]) for r in rows] == [
        (good["event_id"], "a1", 1, DAY1)
    ]
    assert rows[0]["event_time"].isoformat() == "2026-11-01T23:59:59.999000"
    refused = {r["offset"]: r for r in rejected(parsed).collect()}
    assert sorted(refused) == [1, 2, 3, 4, 5]
    assert refused[1]["value"] == "{not json" and refused[1]["topic"] == "game.events"
    assert "no event_id" in refused[5]["reject_reason"]
    assert "missing" in refused[3]["reject_reason"]
    assert "date-time" in refused[4]["reject_reason"]


def test_an_event_time_past_the_kafka_time_or_the_clock_plus_skew_is_rejected(spark, schema):
    stamp = datetime(2026, 11, 1, 12, tzinfo=UTC)
    on_time = event("2026-11-01T12:05:00.000Z", account="skewed-within")
    ahead = event("2026-11-01T12:05:00.001Z", account="skewed-beyond")
    far = event("2027-06-01T00:00:00.000Z", account="wrong-clock")
    past = event("2001-01-01T00:00:00.000Z", account="ancient")
    frame = kafka_frame(spark, [on_time, ahead, far, past], stamp=stamp)
    parsed = parse_events(frame, schema, NOW, SKEW).cache()
    assert sorted(r["account"] for r in accepted(parsed, schema).collect()) == [
        "ancient",
        "skewed-within",
    ]
    reasons = {r["offset"]: r["reject_reason"] for r in rejected(parsed).collect()}
    assert sorted(reasons) == [1, 2]
    assert all(
        reason.startswith("future: event_time is more than 300 s") for reason in reasons.values()
    )
    # A producer that stamps its records in the future is bounded by the writer's clock.
    rogue = kafka_frame(spark, [far], stamp=datetime(2027, 6, 1, tzinfo=UTC))
    assert accepted(parse_events(rogue, schema, NOW, SKEW), schema).count() == 0


def test_event_date_follows_the_session_time_zone_at_a_day_boundary(spark, schema):
    before = event("2026-11-01T14:59:59.999Z")  # 23:59:59.999 in Seoul
    after = event("2026-11-01T15:00:00.000Z")  # 00:00 next day in Seoul
    frame = kafka_frame(spark, [before, after])
    spark.conf.set("spark.sql.session.timeZone", "Asia/Seoul")
    try:
        days = {
            r["event_id"]: r["dt"]
            for r in accepted(parse_events(frame, schema, NOW, SKEW), schema).collect()
        }
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")
    assert days == {before["event_id"]: DAY1, after["event_id"]: date(2026, 11, 2)}
    utc = {
        r["event_id"]: r["dt"]
        for r in accepted(parse_events(frame, schema, NOW, SKEW), schema).collect()
    }
    assert set(utc.values()) == {DAY1}


def test_dedupe_anti_join_and_routing(spark, schema):
    a, b, c = (event(f"2026-11-0{d}T10:00:00.000Z", account=f"u{d}") for d in (1, 2, 3))
    events = accepted(parse_events(kafka_frame(spark, [a, b, a, c, b]), schema, NOW, SKEW), schema)
    unique = dedupe_batch(events)
    assert ids(unique) == sorted(e["event_id"] for e in (a, b, c))
    stored = spark.createDataFrame([(b["event_id"],), ("other",)], "event_id string")
    fresh = drop_stored(unique, stored)
    assert ids(fresh) == sorted([a["event_id"], c["event_id"]])
    assert ids(drop_stored(unique, None)) == ids(unique)
    late = {
        r["event_id"]: r["_late"] for r in mark_late(unique, DAY1, [date(2026, 11, 3)]).collect()
    }
    assert late == {a["event_id"]: True, b["event_id"]: False, c["event_id"]: True}
    assert not any(r["_late"] for r in mark_late(unique, None, []).collect())


# --- the batch handler over a file:// lake -------------------------------------------------


class Lake:
    def __init__(self, spark, root, schemas_dir):
        self.spark = spark
        self.root = root
        config = LakeConfig(
            lake=f"file://{root}/lake",
            checkpoint=f"file://{root}/checkpoint",
            schemas={s: load_schema(schemas_dir, s) for s in ("game", "ads")},
            timezone="UTC",
            lateness=timedelta(hours=2),
            target_file_bytes=64 * 1024 * 1024,
            max_future_skew=SKEW,
        )
        self.fs = HadoopFS(spark, config.lake)
        self.reports = []
        self.writer = LakeWriter(config, self.fs, self.reports.append)

    def run(self, batch_id, records, source="game", partition=0, first_offset=0):
        frame = kafka_frame(self.spark, records, source, partition, first_offset)
        self.writer.handle(frame, batch_id)
        return self.reports[-1]

    def files(self, area="raw", source="game", day=DAY1):
        directory = self.root / "lake" / area / source / f"dt={day.isoformat()}"
        if not directory.exists():
            return []
        return sorted(p.name for p in directory.iterdir() if not p.name.startswith("."))

    def rows(self, area="raw", source="game", day=DAY1):
        directory = self.root / "lake" / area / source / f"dt={day.isoformat()}"
        frame = self.spark.read.parquet(str(directory))
        return sorted((r["event_id"], r["account"]) for r in frame.collect())

    def state(self, name="latest.json"):
        return json.loads((self.root / "checkpoint" / "bdp-state" / name).read_text())


@pytest.fixture
def lake(spark, tmp_path):
    return Lake(spark, tmp_path, write_schemas(tmp_path, ("game", "ads")))


def test_batches_land_once_complete_days_and_route_late_events(lake):
    first = [event("2026-11-01T08:00:00.000Z", account=f"a{i}") for i in range(4)]
    batch0 = [*first, first[0], "garbage"]
    report = lake.run(0, batch0)
    assert report["sources"]["game"] == {
        "raw": 4,
        "late": 0,
        "duplicates": 1,
        "rejected": 1,
        "future": 0,
    }
    assert lake.files() == ["part-b000000000000-00000.parquet"]
    rejects = lake.root / "lake" / "rejects" / "game"
    assert [p.name for p in rejects.iterdir() if p.name.startswith("part")] == [
        "part-b000000000000-00000.parquet"
    ]
    landed = lake.rows()

    # Replaying batch 0 after it finished changes nothing.
    day1 = lake.root / "lake/raw/game/dt=2026-11-01"
    before = {p.name: p.read_bytes() for p in day1.iterdir()}
    report = lake.run(0, batch0)
    assert report["replayed"] is True
    after = {p.name: p.read_bytes() for p in day1.iterdir()}
    assert after == before

    # Batch 1 repeats two events of batch 0 and brings two new ones.
    second = [event("2026-11-01T09:00:00.000Z", account=f"b{i}") for i in range(2)]
    report = lake.run(1, [first[1], first[2], *second], first_offset=6)
    assert report["sources"]["game"] == {
        "raw": 2,
        "late": 0,
        "duplicates": 2,
        "rejected": 0,
        "future": 0,
    }
    assert len(lake.rows()) == 6 and set(landed) <= set(lake.rows())
    assert len(lake.files()) == 2

    # Batch 2 moves the watermark past the end of day 1 + 2 h: day 1 is compacted and marked.
    next_day = event("2026-11-02T02:00:00.000Z", account="c0")
    report = lake.run(2, [next_day], first_offset=10)
    assert report["days_completed"] == {"game": ["2026-11-01"]}
    assert lake.files() == ["_SUCCESS", "part-compact-00000.parquet"]
    assert len(lake.rows()) == 6 and set(landed) <= set(lake.rows())

    # Batch 3: a new event of day 1 is late; a repeat of a landed one is only a duplicate.
    straggler = event("2026-11-01T23:00:00.000Z", account="late")
    report = lake.run(3, [straggler, first[3]], first_offset=11)
    assert report["sources"]["game"] == {
        "raw": 0,
        "late": 1,
        "duplicates": 1,
        "rejected": 0,
        "future": 0,
    }
    assert lake.rows("late") == [(straggler["event_id"], "late")]
    assert len(lake.rows()) == 6
    # The same straggler again, in another batch, is a duplicate in the late area.
    report = lake.run(4, [straggler], first_offset=13)
    assert report["sources"]["game"]["duplicates"] == 1
    assert lake.rows("late") == [(straggler["event_id"], "late")]

    state = lake.state()
    assert lake.state("b000000000004.json") == state
    assert state["batch_id"] == 4
    assert state["sources"]["game"] == {
        "max_event_time": "2026-11-02T02:00:00.000Z",
        "complete_through": "2026-11-01",
        "offsets": {"game.events": {"0": 14}},
        "rows_raw": 7,
        "rows_late": 1,
        "duplicates_dropped": 5,
        "rows_rejected": 1,
        "rows_future": 0,
        "empty_days": 0,
        "recent_empty_days": [],
    }
    assert state["sources"]["ads"]["complete_through"] is None


def test_a_replay_after_a_crash_cleans_the_partial_attempt(lake):
    lake.run(0, [event("2026-11-01T08:00:00.000Z", account="a")])
    batch1 = [event("2026-11-01T09:00:00.000Z", account=f"b{i}") for i in range(3)]
    lake.run(1, batch1, first_offset=1)
    expected = lake.rows()
    names = lake.files()
    # A crash after the data but before the state: Spark replays batch 1.
    (lake.root / "checkpoint/bdp-state/b000000000001.json").unlink()
    lake.run(1, batch1, first_offset=1)
    assert lake.rows() == expected and lake.files() == names
    # A crash halfway through landing: a stray file of batch 1 in another day directory.
    stray = lake.root / "lake/raw/game/dt=2026-10-30"
    stray.mkdir()
    source = lake.root / "lake/raw/game/dt=2026-11-01/part-b000000000001-00000.parquet"
    (stray / "part-b000000000001-00000.parquet").write_bytes(source.read_bytes())
    (lake.root / "checkpoint/bdp-state/b000000000001.json").unlink()
    report = lake.run(1, batch1, first_offset=1)
    assert report["sources"]["game"]["raw"] == 3
    # Gone; the emptied day lies below the watermark, so it is marked complete and empty.
    assert sorted(p.name for p in stray.iterdir() if not p.name.startswith(".")) == ["_SUCCESS"]
    assert lake.rows() == expected and lake.files() == names
    assert lake.state()["sources"]["game"]["rows_raw"] == 4


def test_a_future_event_completes_nothing_and_an_empty_day_is_held_not_marked(lake):
    lake.run(0, [event("2026-11-01T08:00:00.000Z", account="a")])
    # Another producer's record, stamped now, claiming a time months ahead.
    wrong_clock = event("2027-06-01T00:00:00.000Z", account="wrong-clock")
    report = lake.run(1, [wrong_clock], first_offset=1)
    assert report["sources"]["game"] == {
        "raw": 0, "late": 0, "duplicates": 0, "rejected": 1, "future": 1,
    }  # fmt: skip
    assert report["days_completed"] == {}
    state = lake.state()["sources"]["game"]
    assert (state["complete_through"], state["rows_future"]) == ("2026-10-31", 1)
    rejects = lake.spark.read.parquet(str(lake.root / "lake/rejects/game")).collect()
    assert [r["reject_reason"][:7] for r in rejects] == ["future:"]
    # Events of 2026-11-04 complete 11-01 (marked) and leave 11-02 and 11-03 without events:
    # held, counted, no directory, no _SUCCESS.
    report = lake.run(2, [event("2026-11-04T03:00:00.000Z", account="b")], first_offset=2)
    assert report["days_completed"] == {"game": ["2026-11-01"]}
    state = lake.state()["sources"]["game"]
    assert state["complete_through"] == "2026-11-03"
    assert (state["empty_days"], state["recent_empty_days"]) == (2, ["2026-11-02", "2026-11-03"])
    assert lake.files(day=date(2026, 11, 2)) == []
    # A replay of that batch counts them once.
    (lake.root / "checkpoint/bdp-state/b000000000002.json").unlink()
    lake.run(2, [event("2026-11-04T03:00:00.000Z", account="b")], first_offset=2)
    assert lake.state()["sources"]["game"]["empty_days"] == 2
    # An event years in the past is late: under its own day in late/, counted.
    ancient = event("2016-11-04T03:00:00.000Z", account="ancient")
    report = lake.run(3, [ancient], first_offset=3)
    assert (report["sources"]["game"]["late"], report["days_completed"]) == (1, {})
    assert lake.rows("late", day=date(2016, 11, 4)) == [(ancient["event_id"], "ancient")]
    assert lake.state()["sources"]["game"]["complete_through"] == "2026-11-03"


def test_offsets_carry_over_per_source_and_partition(lake):
    lake.run(0, [event("2026-11-01T08:00:00.000Z")], partition=0, first_offset=5)
    lake.run(1, [event("2026-11-01T08:00:00.000Z", account="z")], partition=2, first_offset=9)
    ads = [event("2026-11-01T08:00:00.000Z", account="ad", source="ads")]
    lake.run(2, ads, source="ads", partition=1, first_offset=0)
    sources = lake.state()["sources"]
    assert sources["game"]["offsets"] == {"game.events": {"0": 6, "2": 10}}
    assert sources["ads"]["offsets"] == {"ads.events": {"1": 1}}
    assert sources["ads"]["rows_raw"] == 1 and sources["game"]["rows_raw"] == 2


def test_compaction_keeps_rows_and_resumes_from_its_manifest(spark, tmp_path):
    day = tmp_path / "dt=2026-11-01"
    for index in range(4):
        frame = spark.range(index * 10, index * 10 + 10).withColumn(
            "event_id", F.col("id").cast("string")
        )
        frame.coalesce(1).write.parquet(str(tmp_path / f"w{index}"))
        written = next((tmp_path / f"w{index}").glob("*.parquet"))
        day.mkdir(exist_ok=True)
        written.rename(day / f"part-b{index:012d}-00000.parquet")
    fs = HadoopFS(spark, f"file://{tmp_path}")
    expected = sorted(r["id"] for r in spark.read.parquet(str(day)).collect())
    # A crash after the manifest and one move: the rest happens on the next call.
    from bdp_jobs.lake import compaction

    applied = compaction._apply
    compaction._apply = lambda fs, directory: (_ for _ in ()).throw(RuntimeError("crash"))
    try:
        with pytest.raises(RuntimeError):
            complete_day(spark, fs, f"file://{day}", 64 * 1024 * 1024)
    finally:
        compaction._apply = applied
    assert (day / "_compacting" / "manifest.json").exists()
    (day / "_compacting" / "part-compact-00000.parquet").rename(day / "part-compact-00000.parquet")
    assert complete_day(spark, fs, f"file://{day}", 64 * 1024 * 1024) is True
    assert sorted(p.name for p in day.iterdir() if not p.name.startswith(".")) == [
        "_SUCCESS",
        "part-compact-00000.parquet",
    ]
    assert sorted(r["id"] for r in spark.read.parquet(str(day)).collect()) == expected
    assert complete_day(spark, fs, f"file://{day}", 64 * 1024 * 1024) is False
