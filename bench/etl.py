"""ETL benchmark on the lab: the daily ETL of one game day of N synthetic events, and each of
its writers against its store's fastest bulk path on the same rows in the same run.

1. A Spark job writes N game events as a complete raw day in a bench lake
   (/user/airflow/bench-lake; MySQL and Cassandra are the real ones).
2. `python -m bdp_dags run` (the DAG's steps) processes that day on YARN: the wall time is the
   ETL time per day, also given in minutes per million events.
3. A second Spark job recomputes the day's game datasets, caches them, and times each writer
   against the bulk path: MySQL partition exchange vs LOAD DATA LOCAL INFILE, Cassandra
   LOCAL_QUORUM upserts from the executors vs one process's concurrent prepared INSERTs, the
   curated-lake dynamic overwrite vs a plain Parquet write. It empties day D of the real
   tables again at the end. The warehouse allows LOAD DATA LOCAL only while this step runs.

Run: `.venv/bin/python bench/etl.py --help` (against the lab).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from datetime import UTC, datetime, timedelta

from labhost import REPO, copy_file, on_host, report, say

WORKER = "spark-worker-01"  # an Airflow worker: the ETL's settings, jars and code are there
WAREHOUSE = "spark-master-01"
WORK = "/var/tmp/bdp-bench-etl"
LAKE = "/user/airflow/bench-lake"
AS_AIRFLOW = "runuser -u airflow --"
SPARK = (
    "spark-submit --master yarn --deploy-mode client --queue etl --driver-memory 1g"
    " --executor-memory 1g --num-executors 2 --conf spark.sql.shuffle.partitions=16"
    " --py-files /opt/bdp/etl/bdp_jobs.zip --jars '/opt/bdp/mariadb-jdbc/jars/*.jar'"
)


def bench_job(step: str, arguments: str) -> dict:
    output = on_host(
        WORKER,
        f"cd {WORK} && {AS_AIRFLOW} {SPARK} etl_bench.py {step} {arguments}"
        f" --schemas /opt/bdp/etl/schemas 2> {step}.log",
    )
    match = re.search(r"^BENCH (.*)$", output, re.MULTILINE)
    if not match:
        sys.exit(f"bench: the {step} job printed no result; see {WORKER}:{WORK}/{step}.log")
    return json.loads(match.group(1))


def run_etl(day: str, run_id: str) -> float:
    """Seconds of the DAG's steps for the bench day (spark-submit in cluster mode included)."""
    settings = f"{WORK}/etl.json"
    on_host(
        WORKER,
        'python3 -c \'import json,sys; s=json.load(open("/etc/bdp/etl/etl.json"));'
        f' s["lake"]="{LAKE}"; json.dump(s, open("{settings}","w"))\'',
    )
    started = time.monotonic()
    on_host(
        WORKER,
        f"cd {WORK} && {AS_AIRFLOW} env PYTHONPATH=/var/lib/airflow/dags:/opt/bdp/etl/lib"
        f" /opt/bdp/airflow/bin/python -m bdp_dags --settings {settings} run --date {day}"
        f" --source game --run-id {run_id} > etl.log 2>&1",
    )
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="default: %(default)s")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    # Two days ago: its warehouse partitions exist (bdp-warehouse-partitions) and it is no
    # simulated day of the ingest test.
    day = str(datetime.now(UTC).date() - timedelta(days=2))
    on_host(WORKER, f"mkdir -p {WORK} && chown airflow {WORK}")
    copy_file(WORKER, REPO / "bench" / "jobs" / "etl_bench.py", f"{WORK}/etl_bench.py")
    on_host(WORKER, f"{AS_AIRFLOW} hdfs dfs -rm -r -f -skipTrash {LAKE}")
    say(f"generating {args.events} game events for {day} in {LAKE}")
    bench_job("generate", f"--events {args.events} --day {day} --lake {LAKE}")
    say("the ETL of that day (python -m bdp_dags run: spark-submit on YARN, quality gate)")
    etl_seconds = run_etl(day, f"bench-{int(time.time())}")
    say("writers against each store's bulk path, same rows")
    # The warehouse refuses LOAD DATA LOCAL (local_infile = OFF); allowed only while measuring.
    on_host(WAREHOUSE, "mariadb -e 'SET GLOBAL local_infile = ON'")
    try:
        writers = bench_job(
            "writers", f"--day {day} --lake {LAKE} --stores /etc/bdp/etl/stores.json"
        )
    finally:
        on_host(WAREHOUSE, "mariadb -e 'SET GLOBAL local_infile = OFF'")
    on_host(WORKER, f"{AS_AIRFLOW} hdfs dfs -rm -r -f -skipTrash {LAKE}")
    results = {
        "events": args.events,
        "etl_seconds": round(etl_seconds, 1),
        "etl_minutes_per_million_events": round(etl_seconds / 60 / (args.events / 1e6), 2),
    }
    for store, measured in writers.items():
        results[f"{store}_rows"] = measured["rows"]
        results[f"{store}_writer_s"] = measured["writer_s"]
        results[f"{store}_bulk_s"] = measured["bulk_s"]
        results[f"{store}_writer_vs_bulk"] = round(measured["bulk_s"] / measured["writer_s"], 3)
    report(results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
