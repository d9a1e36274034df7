"""Monitoring of the deployed lab: Prometheus scrapes every target the inventory implies, the
alerts that matter fire and reach Alertmanager's webhook receiver (a small recorder on the
control machine's lab address, inventories/lab/group_vars/monitoring.yml), and resolve.

The console pages render in headless Chromium with data from every expected host (screenshots
in build/screenshots/). Drills:
- a DataNode stopped: HDFSDataNodeDead fires within 3 minutes, resolves once it is back;
- the lake writer stopped while a stream flows: LakeWriterBehind fires, and after the restart
  every event of the stream is in the lake exactly once;
- a late ETL day: with the DAG paused, the newest published report of a source is the day
  before yesterday, so yesterday is past its deadline (the lab's publish grace is about a
  minute): EtlDayNotPublished fires; once yesterday's report is there it resolves. The lab's
  own simulated days lie weeks back, so the drill writes these two reports itself (in the
  ETL's format, under days no test uses) and removes them afterwards.
"""

import json
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from promkit import MONITORING_ADDRESS, MONITORING_HOST, firing, prometheus_get, query, web_auth

from bdp.inventory import listing
from bdp.sources import platform_sources
from bdp_testkit.helpers import REPO, run_tool
from labkit import (
    AIRFLOW_API,
    HOSTS,
    LAB,
    MASTER,
    airflow_session,
    assert_stream_in_lake_once,
    on_host,
    service_active,
    stage,
    start_stream,
    stream_api_config,
    stream_polled,
    wait_until,
    write_on_host,
)
from reportkit import run_report
from scrapekit import inventory_jobs

pytestmark = pytest.mark.lab

RECEIVER_PORT = 9099
DATANODE_HOST = "spark-worker-02"
ALERT_TIMEOUT_S = 180  # the bound for a dead DataNode; the rules fire after 1 minute
RESOLVE_TIMEOUT_S = 300
LAG_PORT, LAG_SEED, LAG_DAY = 8786, 9106, "2026-11-25"
LAG_EVENTS, LAG_RATE = 1200, 16.0
FRESHNESS_SOURCE = "raid"


class Recorder:
    """Alertmanager's webhook notifications, as received."""

    def __init__(self) -> None:
        self.notifications: list[dict] = []
        self.lock = threading.Lock()

    def alerts(self, name: str, status: str, **labels: str) -> list[dict]:
        """The notified alerts of that name and status whose labels include `labels`."""
        with self.lock:
            return [
                alert
                for notification in self.notifications
                for alert in notification["alerts"]
                if alert["labels"]["alertname"] == name
                and alert["status"] == status
                and labels.items() <= alert["labels"].items()
            ]

    def statuses(self, name: str, **labels: str) -> list[str]:
        """The statuses notified for that alert, in the order they came."""
        with self.lock:
            return [
                alert["status"]
                for notification in self.notifications
                for alert in notification["alerts"]
                if alert["labels"]["alertname"] == name
                and labels.items() <= alert["labels"].items()
            ]


@pytest.fixture(scope="module")
def receiver() -> Iterator[Recorder]:
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with recorder.lock:
                recorder.notifications.append(body)
            names = sorted({a["labels"]["alertname"] for a in body["alerts"]})
            print(f"[lab] webhook: {body['status']} {', '.join(names)}", flush=True)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer((LAB.settings.control_address, RECEIVER_PORT), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield recorder
    server.shutdown()


def expected_targets() -> set[tuple[str, str]]:
    """(job, address) of every target the prometheus role derives from the lab inventory."""
    jobs = inventory_jobs("lab")
    return {(job["job"], target["address"]) for job in jobs for target in job["targets"]}


def test_every_target_of_the_inventory_is_scraped_and_up():
    started = time.monotonic()
    expected = expected_targets()

    def all_up() -> bool:
        active = prometheus_get("/api/v1/targets", state="active")["activeTargets"]
        seen = {(t["labels"]["job"], t["labels"]["instance"]): t["health"] for t in active}
        down = sorted(target for target in expected if seen.get(target) != "up")
        print(f"[lab] targets up {len(expected) - len(down)}/{len(expected)}; down: {down}")
        assert set(seen) == expected, f"scraped {sorted(set(seen) ^ expected)} unexpectedly"
        return not down

    wait_until(all_up, 180, "every target up")
    stage(f"monitoring: {len(expected)} targets scraped, all up", started)


CONSOLES = sorted(path.name for path in (REPO / "roles/prometheus/files/consoles").glob("*.html"))
SCREENSHOTS = REPO / "build" / "screenshots"


def chromium(profile: str, *args: str) -> str:
    """Headless Chromium with a fresh profile; what it printed (the DOM for --dump-dom)."""
    result = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=15000",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def hosts_of(*groups: str) -> set[str]:
    resolved = listing(REPO / "inventories" / "lab")
    return {host for group in groups for host in resolved[group].get("hosts", [])}


def page_must_show(page: str) -> set[str]:
    """What a console page must show when every target reports: the hosts or sources of its
    service, each in a row of its own data."""
    sources = set(platform_sources())
    return {
        "index.html": set(HOSTS),
        "hosts.html": set(HOSTS),
        "hdfs.html": hosts_of("hdfs_datanode"),
        "yarn.html": hosts_of("yarn_nodemanager"),
        "kafka.html": hosts_of("kafka"),
        "cassandra.html": hosts_of("cassandra"),
        "stores.html": hosts_of("mysql_warehouse", "airflow_db", "redis"),
        "ingest.html": hosts_of("collectors") | sources,
        "etl.html": sources,
        "opensearch.html": {"green"},
    }[page]


def test_every_console_page_shows_the_lab_in_a_browser(tmp_path):
    started = time.monotonic()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    user, password = web_auth()
    base = f"http://{user}:{password}@{MONITORING_ADDRESS}:9090/consoles"
    for page in CONSOLES:
        dom = chromium(str(tmp_path / "dom"), "--dump-dom", f"{base}/{page}")
        assert "<h1>" in dom, f"{page} did not render: {dom[-1000:]}"
        assert "error executing template" not in dom, f"{page}: {dom[-2000:]}"
        wanted = page_must_show(page)
        missing = sorted(item for item in wanted if item not in dom)
        assert not missing, f"{page} shows no data of {missing}"
        shot = SCREENSHOTS / page.replace(".html", ".png")
        chromium(
            str(tmp_path / "shot"),
            f"--screenshot={shot}",
            "--window-size=1400,2400",
            f"{base}/{page}",
        )
        assert shot.stat().st_size > 10_000, f"{shot}: blank screenshot?"
        print(f"[lab] console {page}: shows {', '.join(sorted(wanted))}; {shot}", flush=True)
    stage(f"monitoring: {len(CONSOLES)} console pages in Chromium, screenshots saved", started)


def test_a_stopped_datanode_fires_hdfs_datanode_dead_and_resolves(receiver):
    started = time.monotonic()
    on_host(DATANODE_HOST, "systemctl stop hdfs-datanode")
    try:
        wait_until(lambda: firing("HDFSDataNodeDead"), ALERT_TIMEOUT_S, "HDFSDataNodeDead firing")
        fired_after = time.monotonic() - started
        print(f"[lab] HDFSDataNodeDead fired {fired_after:.0f} s after the DataNode stopped")
        wait_until(
            lambda: receiver.alerts("HDFSDataNodeDead", "firing", host=DATANODE_HOST),
            120,
            "webhook: firing",
        )
    finally:
        on_host(DATANODE_HOST, "systemctl start hdfs-datanode")
    wait_until(
        lambda: receiver.statuses("HDFSDataNodeDead", host=DATANODE_HOST)[-1] == "resolved",
        RESOLVE_TIMEOUT_S,
        "webhook: resolved",
    )
    stage(f"monitoring drill: DataNode stopped, alert after {fired_after:.0f} s, resolved", started)


@pytest.mark.slow  # a stream, four minutes without the lake writer, its drain (about 7 min)
def test_the_lake_writer_stopped_during_a_stream_fires_the_lag_alert(receiver):
    started = time.monotonic()
    config = stream_api_config(LAG_PORT, LAG_SEED, LAG_EVENTS, LAG_RATE, LAG_DAY)
    stream = start_stream(LAG_PORT, config, "game.events", "game.dlq")
    try:
        wait_until(lambda: stream_polled(LAG_PORT) >= LAG_EVENTS * 0.1, 600, "10% polled")
        on_host(MASTER, "systemctl stop bdp-lake-writer")
        try:
            wait_until(lambda: firing("LakeWriterBehind"), 480, "LakeWriterBehind firing")
            lag = query('bdp:lake_lag_events:sum{source="game"}')
            print(f"[lab] LakeWriterBehind fired; game lag {lag}")
            wait_until(
                lambda: receiver.alerts("LakeWriterBehind", "firing", source="game"),
                120,
                "webhook: firing",
            )
        finally:
            on_host(MASTER, "systemctl start bdp-lake-writer")
        wait_until(lambda: service_active(MASTER, "bdp-lake-writer"), 120, "lake writer up")
        assert_stream_in_lake_once(stream, LAG_PORT, config, 900)
    finally:
        stream.kill()
    stage("monitoring drill: lake writer stopped during a stream, lag alert, exactly once", started)


def report(source: str, day: str, finished: datetime) -> str:
    """A published run report as the ETL writes it (bdp_jobs.etl.runreport)."""
    return json.dumps(
        run_report(
            "published",
            finished - timedelta(minutes=5),
            finished,
            source=source,
            day=date.fromisoformat(day),
            run_id=f"monitoring-drill-{day}",
        )
    )


def hdfs(command: str, *, check: bool = True) -> str:
    """An HDFS command as the ETL's user, who alone writes its run reports."""
    return on_host(MASTER, f"runuser -u airflow -- hdfs dfs {command}", check=check)


def airflow(command: str) -> str:
    return on_host(MASTER, f"airflow {command}")


@pytest.mark.slow  # about 3 min: make test-all
def test_a_late_etl_day_fires_the_freshness_alert(receiver):
    started = time.monotonic()
    today = datetime.now(UTC).date()  # the lab's bdp_timezone is UTC
    before_yesterday, yesterday = (str(today - timedelta(days=n)) for n in (2, 1))
    runs = f"/lake/_etl/runs/{FRESHNESS_SOURCE}"
    dag = f"bdp_etl_{FRESHNESS_SOURCE}"

    def publish(day: str) -> None:
        local = f"/var/tmp/monitoring-drill-{day}.json"
        write_on_host(MASTER, local, report(FRESHNESS_SOURCE, day, datetime.now(UTC)))
        hdfs(f"-mkdir -p {runs}/dt={day}")
        hdfs(f"-put -f {local} {runs}/dt={day}/monitoring-drill.json")

    def overdue() -> list[dict]:
        return [
            a for a in firing("EtlDayNotPublished") if a["labels"].get("source") == FRESHNESS_SOURCE
        ]

    paused_before = airflow_session().get(f"{AIRFLOW_API}/api/v2/dags/{dag}").json()["is_paused"]
    airflow(f"dags pause {dag}")
    try:
        publish(before_yesterday)
        publish(yesterday)
        wait_until(
            lambda: not overdue(), 180, f"{FRESHNESS_SOURCE} fresh once yesterday is published"
        )
        hdfs(f"-rm -r -f {runs}/dt={yesterday}")  # the paused DAG never published yesterday
        wait_until(overdue, 180, "EtlDayNotPublished firing")
        source = {"source": FRESHNESS_SOURCE}
        wait_until(
            lambda: receiver.alerts("EtlDayNotPublished", "firing", **source),
            120,
            "webhook: firing",
        )
        publish(yesterday)
        wait_until(
            lambda: receiver.statuses("EtlDayNotPublished", **source)[-1] == "resolved",
            RESOLVE_TIMEOUT_S,
            "webhook: resolved",
        )
    finally:
        hdfs(f"-rm -r -f {runs}/dt={before_yesterday} {runs}/dt={yesterday}", check=False)
        if not paused_before:
            airflow(f"dags unpause {dag}")
    stage("monitoring drill: a late ETL day, freshness alert fired and resolved", started)


@pytest.mark.slow  # a monitoring.yml run on the monitoring host (about 1 min): make test-all
def test_a_rule_file_with_an_error_fails_the_play_and_the_running_rules_stay(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "roles/prometheus/files/rules", rules)
    broken = rules / "zz_broken.yml"
    broken.write_text(
        "groups:\n  - name: broken\n    rules:\n      - alert: Broken\n        expr: up ==\n"
    )
    run = run_tool(
        "ansible-playbook", "-i", "inventories/lab", "ansible/monitoring.yml",
        "--limit", "monitoring", "-e", f"prometheus_rules_dir={rules}",
    )  # fmt: skip
    assert run.returncode != 0, run.stdout[-3000:]
    failure = run.stdout[run.stdout.index(f"(item={broken})") :][:3000]
    # promtool names the line and column: `<file>: 5:15: group "broken", rule 1, ...`
    assert re.search(r": 5:\d+: group \"broken\", rule 1, \"Broken\": could not parse", failure), (
        failure
    )
    installed = on_host(MONITORING_HOST, "ls /etc/prometheus/rules")
    assert "zz_broken.yml" not in installed, installed
    groups = [group["name"] for group in prometheus_get("/api/v1/rules")["groups"]]
    assert "broken" not in groups and "bdp-etl" in groups, groups
