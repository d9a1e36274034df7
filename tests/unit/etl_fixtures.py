"""Tiny raw-lake DataFrames of the real event schemas for the ETL's tests."""

from datetime import UTC, date, datetime

from pyspark.sql.types import DateType, StringType, StructField, StructType

from bdp_jobs.sparkschema import load_schema
from bdp_testkit.helpers import REPO

DAY = date(2026, 11, 1)
# Fields a test row leaves out take these values, so each test spells out only what it checks.
DEFAULTS = {
    "game": {
        "room_id": "room-1",
        "account": "p1",
        "champion": "Aria",
        "method": "/wait",
        "x": 0.0,
        "y": 0.0,
        "input_key": None,
        "status": 1,
        "death_count": 0,
        "in_game_time": 0,
    },
    "lodging": {
        "session_id": "s1",
        "account": "u1",
        "gender": "F",
        "age_band": "20s",
        "method": "/home",
        "category": None,
        "place_id": None,
        "status": 0,
        "rating": None,
        "review_text": None,
    },
    "raid": {
        "session_id": "r1",
        "account": "h1",
        "user_class": "mage",
        "ip": "10.0.0.1",
        "boss_name": "Hollow King",
        "item_level": 200,
        "method": "/wait",
        "x": 250.0,
        "y": 250.0,
        "success": None,
        "chat_text": None,
    },
    "ads": {
        "ad_id": "ad-1",
        "ad_name": "Try the new jacket",
        "genre": "fashion",
        "viewing_time": 1.0,
        "account": "v1",
        "gender": "M",
        "age_band": "30s",
        "click": False,
        "view": False,
        "ad_text": "Try it.",
    },
}


def at(clock, day=DAY):
    """An event time on `day` (UTC) from "HH:MM:SS" or "HH:MM:SS.fff"."""
    return datetime.fromisoformat(f"{day.isoformat()}T{clock}+00:00").astimezone(UTC)


def raw_schema(source):
    struct = load_schema(REPO / "schemas" / "events", source).struct
    return StructType(
        [*struct.fields, StructField("event_id", StringType()), StructField("dt", DateType())]
    )


def raw_frame(spark, source, rows):
    """Raw lake rows of `source`: each row gives `t` (clock) and what differs from DEFAULTS;
    event_id defaults to e<position> and dt to DAY."""
    schema = raw_schema(source)
    records = []
    for position, row in enumerate(rows):
        values = {**DEFAULTS[source], "event_id": f"e{position:02d}", "dt": DAY, **row}
        values["event_time"] = at(values.pop("t"), values["dt"])
        records.append(tuple(values[name] for name in schema.fieldNames()))
    return spark.createDataFrame(records, schema)
