"""Bench job (Spark, on an Airflow worker): a synthetic raw game day, and the ETL's writers
timed against each store's fastest bulk path on the same rows in the same run.

    generate --events N --day D --lake L       N game events as /L/raw/game/dt=D (+ _SUCCESS)
    writers  --day D --lake L --stores FILE    time writer vs bulk path, print one JSON line

The writers' rows are the game datasets of that day (player_match_features -> MySQL,
player_profiles -> Cassandra, training_set -> lake), computed and cached first so only the
writes are timed. Day D of the real tables is emptied again at the end.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import sys
import tempfile
import time
from datetime import date
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from bdp_jobs.etl import game
from bdp_jobs.etl.rawday import day_path, raw_struct
from bdp_jobs.etl.writers import cassandra, lake, mysql
from bdp_jobs.etl.writers.stores import load_stores
from bdp_jobs.hadoopfs import HadoopFS
from bdp_jobs.sparkschema import load_schema

PLAYERS_PER_ROOM = 10
EVENTS_PER_ROOM = 5000
CHAMPIONS = ["Nox", "Aria", "Brakk", "Sol", "Vex"]


def synthetic_game_day(spark: SparkSession, events: int, day: date) -> DataFrame:
    """`events` game events spread over `day`: rooms of ten players moving, waiting and
    buying; every fifth room has a cheater (Nox) whose every 50th move jumps 4000 units."""
    ids = spark.range(events)
    room = F.floor(F.col("id") / EVENTS_PER_ROOM)
    player = F.col("id") % PLAYERS_PER_ROOM
    step = F.floor(F.col("id") / PLAYERS_PER_ROOM)
    cheater = (room % 5 == 0) & (player == 0)
    method = F.when(F.col("id") % 7 == 0, "/buyItem").when(F.col("id") % 3 == 0, "/wait")
    jump = F.when(cheater & (step % 50 == 0), 4000.0).otherwise(0.0)
    seconds = F.col("id") * F.lit(86399.0 / max(events, 1))
    return ids.select(
        (F.lit(f"{day} 00:00:00").cast("timestamp") + F.make_interval(secs=seconds)).alias(
            "event_time"
        ),
        F.concat(F.lit("bench-room-"), room.cast("string")).alias("room_id"),
        F.concat(F.lit("bench-"), (room * PLAYERS_PER_ROOM + player).cast("string")).alias(
            "account"
        ),
        F.when(cheater, "Nox")
        .otherwise(F.element_at(F.array(*map(F.lit, CHAMPIONS[1:])), (player % 4 + 1).cast("int")))
        .alias("champion"),
        method.otherwise("/move").alias("method"),
        ((step % 100) * 3.0 + jump).alias("x"),
        ((step % 100) * 2.0).alias("y"),
        F.lit(None).cast("string").alias("input_key"),
        F.lit(1).cast("bigint").alias("status"),
        F.floor(step / 500).cast("bigint").alias("death_count"),
        step.cast("bigint").alias("in_game_time"),
        F.md5(F.col("id").cast("string")).alias("event_id"),
    )


def generate(spark: SparkSession, args: argparse.Namespace) -> dict[str, Any]:
    schema = load_schema(args.schemas + "/events", "game")
    target = day_path(args.lake, "raw", "game", args.day)
    frame = synthetic_game_day(spark, args.events, args.day)
    columns = [f.name for f in raw_struct(schema).fields if f.name != "dt"]
    frame.select(*columns).write.mode("overwrite").parquet(target)
    HadoopFS(spark, args.lake).touch(f"{target}/_SUCCESS")
    return {"events": args.events, "day": str(args.day), "path": target}


def timed(action: Any) -> tuple[float, Any]:
    started = time.monotonic()
    result = action()
    return time.monotonic() - started, result


def csv_file(frame: DataFrame) -> str:
    """The rows as a CSV file on the driver, in LOAD DATA's default format (\\N for NULL)."""
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        for row in frame.toLocalIterator():
            out.writerow("\\N" if v is None else int(v) if isinstance(v, bool) else v for v in row)
    return handle.name


def mysql_bulk(
    spark: SparkSession, warehouse: Any, table: str, frame: DataFrame, day: date
) -> float:
    """LOAD DATA LOCAL INFILE of the same rows into the writer's (empty, unpartitioned) staging
    table; seconds of the load."""
    path = csv_file(frame)
    copy = mysql.staging_table(table, day)
    local = dataclasses.replace(warehouse, url=warehouse.url + "&allowLocalInfile=true")
    with mysql.connection(spark, local) as conn:
        for statement in mysql.replace_day_statements(table, day)[0]:
            mysql.execute(conn, statement)
        load = (
            f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE {copy}"
            " FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\\n'"
        )
        seconds, _ = timed(lambda: mysql.execute(conn, load))
        mysql.execute(conn, f"DROP TABLE {copy}")
        mysql.execute(conn, f"ALTER TABLE {table} TRUNCATE PARTITION {mysql.partition_name(day)}")
    return seconds


def cassandra_bulk(settings: Any, table: str, frame: DataFrame) -> float:
    """The same rows as concurrent prepared INSERTs from one driver process; seconds."""
    from cassandra.concurrent import execute_concurrent_with_args

    rows = frame.collect()
    session = cassandra._session(settings)
    try:
        statement = session.prepare(cassandra.insert_statement(table, rows[0].__fields__))
        parameters = [tuple(cassandra.bind_value(v) for v in row) for row in rows]
        seconds, _ = timed(
            lambda: execute_concurrent_with_args(session, statement, parameters, concurrency=256)
        )
        keys = [(row["account"], row["dt"]) for row in rows]
        delete = session.prepare(f"DELETE FROM {table} WHERE account = ? AND dt = ?")
        execute_concurrent_with_args(session, delete, keys, concurrency=256)
    finally:
        session.cluster.shutdown()
    return seconds


def writers(spark: SparkSession, args: argparse.Namespace) -> dict[str, Any]:
    stores = load_stores(args.stores, lake=args.lake)
    schema = load_schema(args.schemas + "/events", "game")
    events = (
        spark.read.schema(raw_struct(schema))
        .parquet(day_path(args.lake, "raw", "game", args.day))
        .withColumn("dt", F.lit(args.day).cast("date"))
    )
    frames = {
        "mysql": game.player_match_features(events),
        "cassandra": game.player_profiles(events, run_id="bench"),
        "lake": game.training_set(events),
    }
    for name, frame in frames.items():
        frames[name] = frame.cache()
        frames[name].count()
    table, marts = "game_player_match_features", "marts.game_player_profiles"
    curated = f"{args.lake}/curated/game/training_set"
    plain = f"{args.lake}/bench/plain-parquet"
    pairs = {
        "mysql": (
            lambda: mysql.replace_day(spark, table, frames["mysql"], args.day, stores.warehouse),
            lambda: mysql_bulk(spark, stores.warehouse, table, frames["mysql"], args.day),
        ),
        "cassandra": (
            lambda: cassandra.upsert(frames["cassandra"], marts, stores.cassandra),
            lambda: cassandra_bulk(stores.cassandra, marts, frames["cassandra"]),
        ),
        "lake": (
            lambda: lake.overwrite_day(spark, frames["lake"], curated, args.day),
            lambda: timed(lambda: frames["lake"].write.mode("overwrite").parquet(plain))[0],
        ),
    }
    results = {}
    for name, (writer, bulk) in pairs.items():
        seconds, rows = timed(writer)
        results[name] = {"rows": rows, "writer_s": round(seconds, 2), "bulk_s": round(bulk(), 2)}
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("step", choices=["generate", "writers"])
    parser.add_argument("--day", required=True, type=date.fromisoformat)
    parser.add_argument("--lake", required=True, help="bench lake root in HDFS")
    parser.add_argument("--schemas", required=True, help="directory with events/")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--stores", help="the etl role's stores.json (writers)")
    args = parser.parse_args()
    spark = SparkSession.builder.appName(f"bdp-bench-etl-{args.step}").getOrCreate()
    try:
        result = generate(spark, args) if args.step == "generate" else writers(spark, args)
    finally:
        spark.stop()
    print("BENCH " + json.dumps(result, sort_keys=True), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
