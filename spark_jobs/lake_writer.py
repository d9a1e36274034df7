"""Lake writer: Kafka `<source>.events` to <lake>/raw/<source>/dt=YYYY-MM-DD/, exactly once.

Run with spark-submit (the driver is this process); see spark_jobs/README.md. The Kafka
password comes from the environment variable BDP_KAFKA_PASSWORD.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from datetime import timedelta
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bdp_jobs.lake.batch import TIMEZONE_KEY, LakeConfig, LakeWriter, topic_of
from bdp_jobs.lake.kafka import source_options
from bdp_jobs.sparkschema import SchemaError, load_schema

PASSWORD_ENV = "BDP_KAFKA_PASSWORD"
# systemd gives 120 s (TimeoutStopSec); a batch still running after this is cut short and
# replayed at the next start.
STOP_GRACE_S = 90


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="lake_writer.py",
        description=(
            "Spark Structured Streaming job: read every <source>.events Kafka topic and land "
            "the events in <lake>/raw/<source>/dt=YYYY-MM-DD/ (Parquet, by event date) "
            f"exactly once. The Kafka password is read from ${PASSWORD_ENV}."
        ),
    )
    parser.add_argument("--bootstrap", required=True, help="Kafka brokers, host:port,...")
    parser.add_argument("--kafka-user", required=True, help="SCRAM user, e.g. lake-writer")
    parser.add_argument("--sasl-mechanism", default="SCRAM-SHA-512")
    parser.add_argument(
        "--kafka-ca-file",
        required=True,
        help="PEM CA certificate that signs the brokers' certificates (on every Spark host)",
    )
    parser.add_argument("--sources", required=True, help="comma-separated, e.g. game,ads")
    parser.add_argument("--schemas-dir", required=True, help="directory of <source>.json")
    parser.add_argument("--lake", required=True, help="lake root, e.g. /lake or hdfs://nn/lake")
    parser.add_argument("--checkpoint", required=True, help="checkpoint dir (state in bdp-state/)")
    parser.add_argument("--timezone", default="UTC", help="time zone of the lake's days")
    parser.add_argument("--allowed-lateness-minutes", type=int, default=120)
    parser.add_argument(
        "--max-future-skew-seconds",
        type=int,
        default=300,
        help="event times later than the record's Kafka time (or this writer's clock) plus"
        " this are rejected, and the watermark never passes the clock plus this",
    )
    parser.add_argument("--trigger-seconds", type=int, default=30)
    parser.add_argument("--max-offsets-per-trigger", type=int, default=200000)
    parser.add_argument("--target-file-mb", type=int, default=128)
    parser.add_argument(
        "--starting-offsets", default="earliest", help="earliest, latest or Spark's JSON form"
    )
    parser.add_argument(
        "--once", action="store_true", help="process everything available, then exit"
    )
    args = parser.parse_args(argv)
    args.sources = [s for s in args.sources.split(",") if s]
    if not args.sources:
        parser.error("--sources names no source")
    try:
        ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        parser.error(
            f"--timezone {args.timezone!r} is not a known time zone (e.g. UTC, Asia/Seoul)"
        )
    for flag in ("allowed_lateness_minutes", "trigger_seconds", "max_future_skew_seconds"):
        if getattr(args, flag) < 0:
            parser.error(f"--{flag.replace('_', '-')} must not be negative")
    for flag in ("max_offsets_per_trigger", "target_file_mb"):
        if getattr(args, flag) < 1:
            parser.error(f"--{flag.replace('_', '-')} must be at least 1")
    return args


def emit(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record, sort_keys=True) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    password = os.environ.get(PASSWORD_ENV, "")
    if not password:
        sys.stderr.write(
            f"lake_writer: set {PASSWORD_ENV} to the Kafka password of {args.kafka_user}\n"
        )
        return 2
    try:
        schemas = {source: load_schema(args.schemas_dir, source) for source in args.sources}
    except SchemaError as exc:
        sys.stderr.write(f"lake_writer: {exc}\n")
        return 2

    from pyspark.sql import SparkSession

    from bdp_jobs.hadoopfs import HadoopFS

    spark = (
        SparkSession.builder.appName("bdp-lake-writer")
        .config(TIMEZONE_KEY, args.timezone)
        .getOrCreate()
    )
    config = LakeConfig(
        lake=args.lake.rstrip("/"),
        checkpoint=args.checkpoint.rstrip("/"),
        schemas=schemas,
        timezone=args.timezone,
        lateness=timedelta(minutes=args.allowed_lateness_minutes),
        target_file_bytes=args.target_file_mb * 1024 * 1024,
        max_future_skew=timedelta(seconds=args.max_future_skew_seconds),
    )
    writer = LakeWriter(config, HadoopFS(spark, config.lake), emit)
    options = source_options(
        bootstrap=args.bootstrap,
        topics=[topic_of(s) for s in args.sources],
        user=args.kafka_user,
        password=password,
        mechanism=args.sasl_mechanism,
        ca_file=args.kafka_ca_file,
        starting_offsets=args.starting_offsets,
        max_offsets_per_trigger=args.max_offsets_per_trigger,
    )
    stream = spark.readStream.format("kafka").options(**options).load()
    sink = (
        stream.writeStream.queryName("bdp-lake-writer")
        .foreachBatch(writer.handle)
        .option("checkpointLocation", config.checkpoint)
    )
    if args.once:
        sink = sink.trigger(availableNow=True)
    else:
        sink = sink.trigger(processingTime=f"{args.trigger_seconds} seconds")
    query = sink.start()
    emit({"event": "lake-writer-started", "query_id": str(query.id), "sources": args.sources})
    run_until_stopped(query)
    spark.stop()
    return 0


def run_until_stopped(query: Any) -> None:
    """Wait for the query; on SIGTERM/SIGINT stop it between batches (or after a grace time)."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    deadline = None
    while query.isActive:
        if query.awaitTermination(1):
            break
        if stop.is_set():
            deadline = deadline or time.monotonic() + STOP_GRACE_S
            if not query.status["isTriggerActive"] or time.monotonic() > deadline:
                query.stop()
    error = query.exception()
    if error is not None:
        raise RuntimeError(f"the lake writer's query failed: {error}")


if __name__ == "__main__":
    sys.exit(main())
