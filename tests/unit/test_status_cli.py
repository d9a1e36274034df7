"""`bdp status` against a fake Prometheus: an HTTP server on 127.0.0.1 answering the instant
queries and the alerts with canned JSON, and only to user admin with the right password."""

import base64
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bdp.cli import build_parser, main
from bdp.status import cli
from bdp.status.output import as_json, as_text
from bdp.status.overview import QUERIES, build, day_in
from bdp_testkit.helpers import REPO

PASSWORD = "s3cret-pw"
NOW = 1_780_000_000.0
HOSTS = ["de-kafka-cluster-1", "spark-master-01", "spark-worker-01"]
# 2026-03-01T00:00+09:00, the start of the day 2026-03-01 in Seoul (2026-02-28 in UTC).
SEOUL_MIDNIGHT = 1_772_290_800


def sample(value: float | str, **labels: str) -> dict:
    return {"metric": labels, "value": [NOW, str(value)]}


def healthy() -> dict[str, list[dict]]:
    """The answer of every query of a platform where everything is up."""
    return {
        "up": [
            *[sample(1, job="node", host=host) for host in HOSTS],
            sample(1, job="namenode", host="spark-master-01"),
            sample(1, job="datanode", host="spark-worker-01"),
            sample(1, job="kafka", host="de-kafka-cluster-1"),
        ],
        "hdfs_used_percent": [sample(41.25)],
        "hdfs_live_datanodes": [sample(3)],
        "hdfs_dead_datanodes": [sample(0)],
        "hdfs_missing_blocks": [sample(0)],
        "hdfs_under_replicated_blocks": [sample(0)],
        "kafka_messages_in": [sample(12.5, topic="game.events"), sample(0, topic="ads.events")],
        "kafka_under_replicated_partitions": [sample(0)],
        "kafka_offline_partitions": [sample(0)],
        "lake_lag_events": [sample(0, source="ads"), sample(120, source="game")],
        "etl_last_published_day": [
            sample(SEOUL_MIDNIGHT, source="ads"),
            sample(SEOUL_MIDNIGHT, source="game"),
        ],
        "etl_overdue": [sample(0, source="ads"), sample(1, source="game")],
    }


FIRING = {
    "labels": {"alertname": "HostDown", "severity": "critical", "host": "spark-worker-01"},
    "state": "firing",
}
PENDING = {"labels": {"alertname": "EtlDayNotPublished", "source": "game"}, "state": "pending"}


class FakePrometheus:
    """Canned answers by query name (see QUERIES); records the requests it got."""

    def __init__(self) -> None:
        self.answers = healthy()
        self.alerts: list[dict] = [PENDING]
        self.requests: list[tuple[str, str | None]] = []
        by_expr = {expr: name for name, expr in QUERIES.items()}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                auth = self.headers.get("Authorization")
                fake.requests.append((self.path, auth))
                if auth != "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode():
                    self.send_error(401, "Unauthorized")
                    return
                if url.path == "/api/v1/alerts":
                    self.reply({"alerts": fake.alerts})
                elif url.path == "/api/v1/query":
                    expr = urllib.parse.parse_qs(url.query)["query"][0]
                    result = fake.answers.get(by_expr.get(expr, ""), [])
                    self.reply({"resultType": "vector", "result": result})
                else:
                    self.send_error(404)

            def reply(self, data: dict) -> None:
                body = json.dumps({"status": "success", "data": data}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def prometheus():
    fake = FakePrometheus()
    thread = threading.Thread(target=fake.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def platform(monkeypatch, tmp_path):
    """An inventory (not a lab: no vault) whose hosts are HOSTS plus one without a node target,
    in Seoul time, and the sources ads and game; the password in the environment."""
    resolved = {
        "monitoring": {"hosts": ["spark-master-01"]},
        "_meta": {
            "hostvars": {
                host: {"ansible_host": f"10.0.0.{n}", "bdp_timezone": "Asia/Seoul"}
                for n, host in enumerate([*HOSTS, "airflow-db-01"], 1)
            }
        },
    }
    monkeypatch.setattr(cli, "listing", lambda inventory: resolved)
    monkeypatch.setattr(cli, "platform_sources", lambda: ("ads", "game", "raid"))
    monkeypatch.setenv("BDP_PROMETHEUS_PASSWORD", PASSWORD)
    monkeypatch.delenv("BDP_PROMETHEUS_URL", raising=False)
    return ["-i", str(tmp_path)]


def run(prometheus, platform, capsys, *options: str) -> tuple[int, str, str]:
    code = main(["status", "--prometheus", prometheus.url, *platform, *options])
    out, err = capsys.readouterr()
    return code, out, err


def lines_of(text: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines()]


def test_help_describes_the_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["status", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: bdp status" in out
    for option in ("--json", "--prometheus URL", "--password-file", "--inventory"):
        assert option in out
    assert "Exit status" in " ".join(out.split())


def test_healthy_platform_table_and_exit_0(prometheus, platform, capsys):
    code, out, err = run(prometheus, platform, capsys)
    assert (code, err) == (0, "")
    assert out.startswith(f"Prometheus {prometheus.url} (platform time zone Asia/Seoul)\n")
    rows = lines_of(out)
    assert ["spark-worker-01", "up"] in rows
    assert ["airflow-db-01", "no", "data"] in rows  # in the inventory, no node target
    assert ["node", "3/3"] in rows
    assert ["datanode", "1/1"] in rows
    assert ["capacity", "used", "41.2", "%"] in rows
    assert ["live", "DataNodes", "3"] in rows
    assert ["missing", "blocks", "0"] in rows
    assert ["game.events", "12.5"] in rows
    assert ["ads.events", "0.0"] in rows
    assert ["offline", "partitions", "0"] in rows
    # Seoul's midnight of 2026-03-01 is 2026-02-28 in UTC: the day is the platform's.
    assert ["ads", "0", "2026-03-01", "no"] in rows
    assert ["game", "120", "2026-03-01", "yes"] in rows
    assert ["raid", "no", "data", "no", "data", "no", "data"] in rows
    assert "no alert firing" in out  # the pending alert is not shown
    assert out.endswith("OK: every target up, no alert firing\n")


def test_requests_carry_basic_auth_and_one_query_each(prometheus, platform, capsys):
    run(prometheus, platform, capsys)
    paths = [path for path, _ in prometheus.requests]
    assert len(paths) == len(QUERIES) + 1
    assert paths[-1] == "/api/v1/alerts"
    sent = {urllib.parse.parse_qs(urllib.parse.urlsplit(p).query)["query"][0] for p in paths[:-1]}
    assert sent == set(QUERIES.values())
    assert "sum by (topic) (rate(kafka_topic_messages_in_total[5m]))" in sent
    expected = "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
    assert {auth for _, auth in prometheus.requests} == {expected}


def test_json_shape(prometheus, platform, capsys):
    prometheus.alerts = [FIRING, PENDING]
    code, out, _ = run(prometheus, platform, capsys, "--json")
    assert code == 1
    document = json.loads(out)
    assert list(document) == [
        "prometheus",
        "timezone",
        "ok",
        "problems",
        "hosts",
        "services",
        "hdfs",
        "kafka",
        "sources",
        "alerts",
    ]
    assert document["prometheus"] == prometheus.url
    assert (document["ok"], document["problems"]) == (False, ["1 alert(s) firing"])
    assert {"host": "airflow-db-01", "up": None} in document["hosts"]
    assert {"host": "spark-master-01", "up": True} in document["hosts"]
    assert {"job": "node", "up": 3, "total": 3, "down_hosts": []} in document["services"]
    assert document["hdfs"] == {
        "capacity_used_percent": 41.25,
        "live_datanodes": 3,
        "dead_datanodes": 0,
        "missing_blocks": 0,
        "under_replicated_blocks": 0,
    }
    assert document["kafka"] == {
        "under_replicated_partitions": 0,
        "offline_partitions": 0,
        "messages_in_per_second": {"ads.events": 0, "game.events": 12.5},
    }
    assert document["sources"] == [
        {"source": s, "lake_lag_events": lag, "last_published_day": day, "etl_overdue": late}
        for s, lag, day, late in [
            ("ads", 0, "2026-03-01", False),
            ("game", 120, "2026-03-01", True),
            ("raid", None, None, None),
        ]
    ]
    assert document["alerts"] == [
        {"name": "HostDown", "severity": "critical", "host": "spark-worker-01", "source": None}
    ]


def test_missing_metrics_are_no_data_never_zero(prometheus, platform, capsys):
    for name in ("hdfs_used_percent", "hdfs_missing_blocks", "kafka_messages_in"):
        prometheus.answers[name] = []
    prometheus.answers["kafka_offline_partitions"] = [sample("NaN")]
    code, out, _ = run(prometheus, platform, capsys)
    assert code == 0
    rows = lines_of(out)
    assert ["capacity", "used", "no", "data"] in rows
    assert ["missing", "blocks", "no", "data"] in rows
    assert ["offline", "partitions", "no", "data"] in rows
    assert ["(all)", "no", "data"] in rows
    assert ["dead", "DataNodes", "0"] in rows  # a real zero stays 0
    document = json.loads(run(prometheus, platform, capsys, "--json")[1])
    assert document["hdfs"]["missing_blocks"] is None
    assert document["hdfs"]["dead_datanodes"] == 0
    assert document["kafka"]["offline_partitions"] is None
    assert document["kafka"]["messages_in_per_second"] == {}


def test_a_target_down_is_exit_1_naming_its_host(prometheus, platform, capsys):
    prometheus.answers["up"][1] = sample(0, job="node", host="spark-master-01")
    prometheus.answers["up"].append(sample(0, job="datanode", host="spark-worker-02"))
    code, out, _ = run(prometheus, platform, capsys)
    assert code == 1
    rows = lines_of(out)
    assert ["spark-master-01", "DOWN"] in rows
    assert ["node", "2/3", "spark-master-01"] in rows
    assert ["datanode", "1/2", "spark-worker-02"] in rows
    assert out.endswith("NOT OK: 2 target(s) down\n")


def test_a_firing_alert_is_exit_1_and_listed(prometheus, platform, capsys):
    prometheus.alerts = [
        PENDING,
        {"labels": {"alertname": "EtlDayNotPublished", "severity": "critical", "source": "game"},
         "state": "firing"},
        FIRING,
    ]  # fmt: skip
    code, out, _ = run(prometheus, platform, capsys)
    assert code == 1
    rows = lines_of(out)
    assert ["FIRING", "ALERT", "SEVERITY", "HOST", "SOURCE"] in rows
    assert ["EtlDayNotPublished", "critical", "game"] in rows
    assert ["HostDown", "critical", "spark-worker-01"] in rows
    assert out.endswith("NOT OK: 2 alert(s) firing\n")


def test_no_target_at_all_is_not_ok(prometheus, platform, capsys):
    prometheus.answers["up"] = []
    code, out, _ = run(prometheus, platform, capsys)
    assert code == 1
    assert ["spark-worker-01", "no", "data"] in lines_of(out)
    assert "NOT OK: Prometheus has no targets" in out


def test_wrong_password_is_exit_2_naming_the_url_not_the_password(
    prometheus, platform, capsys, monkeypatch
):
    monkeypatch.setenv("BDP_PROMETHEUS_PASSWORD", "wrong-pw")
    code, out, err = run(prometheus, platform, capsys)
    assert (code, out) == (2, "")
    assert err == (
        f"bdp status: error: Prometheus at {prometheus.url} refused the login of user admin "
        "(HTTP 401): check its password\n"
    )
    assert "wrong-pw" not in err


def test_unreachable_prometheus_is_exit_2_naming_the_url(platform, capsys):
    url = "http://127.0.0.1:9"  # the discard port: nothing listens
    assert main(["status", "--prometheus", url, *platform]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"bdp status: error: Prometheus at {url} is unreachable: ")
    assert PASSWORD not in err


def test_password_file_wins_and_without_any_password_exit_2(
    prometheus, platform, capsys, monkeypatch, tmp_path
):
    secret = tmp_path / "prometheus-password"
    secret.write_text(PASSWORD + "\n")
    monkeypatch.setenv("BDP_PROMETHEUS_PASSWORD", "wrong-pw")
    assert run(prometheus, platform, capsys, "--password-file", str(secret))[0] == 0
    monkeypatch.delenv("BDP_PROMETHEUS_PASSWORD")
    code, _, err = run(prometheus, platform, capsys)
    assert code == 2
    assert "set BDP_PROMETHEUS_PASSWORD or pass --password-file" in err
    assert prometheus.requests[-1][0] == "/api/v1/alerts"  # that last run asked nothing


def test_the_lab_password_comes_from_its_vault(prometheus, platform, capsys, monkeypatch):
    monkeypatch.delenv("BDP_PROMETHEUS_PASSWORD")
    asked = []
    monkeypatch.setattr(cli, "lab_secret", lambda inventory, name: asked.append(name) or PASSWORD)
    assert run(prometheus, platform, capsys)[0] == 0
    assert asked == ["vault_prometheus_admin_password"]


def test_default_url_is_the_monitoring_host_and_the_env_overrides_it(platform):
    args = build_parser().parse_args(["status", *platform])
    inventory = REPO / "inventories" / "lab"  # ignored by the fake listing
    assert cli.prometheus_url(args, {}, inventory) == "http://10.0.0.2:9090"
    env = {"BDP_PROMETHEUS_URL": "http://prom.example:9090/"}
    assert cli.prometheus_url(args, env, inventory) == "http://prom.example:9090"


def test_the_lab_inventory_names_its_monitoring_host_and_time_zone():
    args = build_parser().parse_args(["status"])
    inventory = REPO / "inventories" / "lab"
    timezone, hosts = cli.platform_settings(inventory)
    assert timezone == "UTC"
    assert "airflow-db-01" in hosts and len(hosts) == 13
    assert cli.prometheus_url(args, {}, inventory) == "http://10.87.0.42:9090"


def test_days_are_calendar_days_of_the_platform_time_zone():
    assert day_in(SEOUL_MIDNIGHT, "Asia/Seoul") == "2026-03-01"
    assert day_in(SEOUL_MIDNIGHT, "UTC") == "2026-02-28"
    assert day_in(None, "UTC") is None


def test_rendering_is_pure():
    answers = {name: [] for name in QUERIES}
    overview = build("http://p:9090", "UTC", answers, [], ["h1"], ["ads"])
    text = as_text(overview)
    assert ["h1", "no", "data"] in lines_of(text)
    assert ["(none)", "no", "data"] in lines_of(text)
    assert json.loads(as_json(overview))["sources"] == [
        {"source": "ads", "lake_lag_events": None, "last_published_day": None, "etl_overdue": None}
    ]
