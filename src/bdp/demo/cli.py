"""`bdp demo`: wait for the simulated days to be ingested, run the daily ETL on every complete
day, then report what each destination holds against what the simulator served."""

import argparse
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bdp import hadoop_web
from bdp.demo import gather, wait
from bdp.demo.known import Served, served
from bdp.demo.render import DemoReport, SourceLine, as_html, as_text
from bdp.ingest import probes
from bdp.ingest.cli import kafka_login
from bdp.ingest.status import SourceStatus
from bdp.inventory import add_inventory_argument


def say(message: str) -> None:
    print(f"[demo {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def simulated_days(api_config: dict[str, Any]) -> list[str]:
    first = date.fromisoformat(api_config["start_date"])
    return [str(first + timedelta(days=d)) for d in range(int(api_config["days"]))]


def partitions(
    namenode: hadoop_web.HadoopEndpoint,
    source: str,
    known: Served,
    reports: dict[tuple[str, str], dict],
) -> list[list[str]]:
    rows = []
    for name in probes.hdfs_names(namenode, f"/lake/raw/{source}"):
        day = name.removeprefix("dt=")
        complete = "_SUCCESS" in probes.hdfs_names(namenode, f"/lake/raw/{source}/{name}")
        report = reports.get((source, day), {})
        rows.append([
            source, day, "yes" if complete else "no (open)", str(known.valid_by_day.get(day, 0)),
            str(report.get("raw", {}).get("rows", "-")), report.get("status", "not run"),
        ])  # fmt: skip
    return rows


def etl_outputs(reports: list[dict]) -> list[list[str]]:
    return [
        [
            r["source"], name, entry["kind"], entry["destination"], r["dt"], str(entry["rows"]),
            "-" if entry["stored_rows"] is None else str(entry["stored_rows"]),
        ]
        for r in sorted(reports, key=lambda r: (r["source"], r["dt"]))
        for name, entry in sorted(r.get("datasets", {}).items())
    ]  # fmt: skip


def destinations(reports: list[dict], kind: str) -> list[str]:
    return sorted(
        {
            e["destination"]
            for r in reports
            for e in r.get("datasets", {}).values()
            if e["kind"] == kind
        }
    )


def build_report(
    args: argparse.Namespace,
    api_config: dict[str, Any],
    known: dict[str, Served],
    statuses: list[SourceStatus],
) -> DemoReport:
    inventory = Path(args.inventory)
    namenode = hadoop_web.endpoint(inventory, "namenode")
    ingest = wait.ingest_settings(inventory)
    lake_state = probes.hdfs_json(namenode, f"{ingest.checkpoint}/bdp-state/latest.json") or {}
    login = kafka_login(ingest, inventory)
    reports = gather.etl_reports(inventory, days=len(simulated_days(api_config)))
    by_day = {(r["source"], r["dt"]): r for r in reports}
    lines, rows = [], []
    for status in statuses:
        state = lake_state.get("sources", {}).get(status.source, {})
        dlq = probes.topic_event_ids(login, f"{status.source}.dlq")
        lines.append(
            SourceLine(
                source=status.source,
                served=known[status.source],
                accepted=int(state.get("rows_raw", 0)) + int(state.get("rows_late", 0)),
                late=int(state.get("rows_late", 0)),
                rejected=len(dlq),
            )
        )
        rows += partitions(namenode, status.source, known[status.source], by_day)
    tables = destinations(reports, "structured")
    return DemoReport(
        zone=api_config.get("timezone", "UTC"),
        sources=lines,
        partitions=rows,
        warehouse=gather.rows_per_partition(inventory, args.warehouse_database, tables),
        etl_outputs=etl_outputs(reports),
        curated=[
            [path, str((s := probes.hdfs_summary(namenode, path))["files"]), str(s["bytes"])]
            for path in destinations(reports, "unstructured")
        ],
        funnel=gather.lodging_funnel(inventory, args.warehouse_database),
        features=gather.game_features(inventory, args.warehouse_database),
        log_command=(found := gather.log_search_example(inventory, ["complete"]))[0],
        log_output=found[1],
        endpoints=gather.endpoints(inventory),
    )


def cmd_demo(args: argparse.Namespace) -> int:
    started = time.monotonic()
    inventory = Path(args.inventory)
    api_config = gather.event_api_config(inventory)
    days = simulated_days(api_config)
    settings = gather.etl_settings(inventory)
    sources = list(settings["sources"])
    say(f"simulated days {days[0]}..{days[-1]}; sources {', '.join(sources)}")
    known = {source: served(source, api_config) for source in sources}
    # Nothing after the last simulated day pushes the watermark past it: it stays open.
    statuses = wait.wait_for_ingest(
        inventory, {s: k.items for s, k in known.items()}, days[-2], args.timeout, say
    )
    say(f"ingested: every served item polled, days through {days[-2]} complete")
    states = wait.run_the_daily_etl(wait.Airflow(inventory), sources, days[:-1], args.timeout, say)
    say(f"daily ETL: {sum(s == 'success' for s in states.values())}/{len(states)} runs succeeded")
    report = build_report(args, api_config, known, statuses)
    print(as_text(report), end="")
    Path(args.html).write_text(as_html(report), encoding="utf-8")
    say(f"HTML report: {Path(args.html).resolve()} ({time.monotonic() - started:.0f} s)")
    failed = [key for key, state in states.items() if state != "success"]
    if failed:
        say(f"failed ETL runs: {failed}; see Airflow")
    return 0 if report.matches and not failed else 1


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "demo",
        help="wait for the simulated days, run the daily ETL, report the results",
        description="The main job's last step (make demo): wait until the collectors and the "
        "lake writer have ingested the simulated event API's days, unpause the daily ETL DAGs "
        "and wait for their run of every complete day, then print what the lake, MySQL, "
        "Cassandra and the curated lake hold against what the simulator served, and write an "
        "HTML page with the lodging funnel and the game anomaly features. Exit 1 if the "
        "platform does not hold exactly the simulator's events or an ETL run failed.",
    )
    parser.add_argument(
        "--html", default="demo-report.html", help="HTML report path (default: %(default)s)"
    )
    parser.add_argument(
        "--timeout", type=float, default=3600, help="seconds per wait (default: %(default)s)"
    )
    parser.add_argument("--warehouse-database", default="warehouse", help="default: %(default)s")
    add_inventory_argument(parser)
    parser.set_defaults(func=cmd_demo)
