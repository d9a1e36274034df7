"""The DAGs' calls to WebHDFS and the ResourceManager, against a local HTTP server that
answers as those APIs do (simple mode: the user is named in the query)."""

import json
import re
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from bdp_dags import cluster_http, submit, webhdfs
from bdp_dags.settings import EtlError, Settings
from bdp_testkit.helpers import REPO

FILES = {
    "/webhdfs/v1/lake/raw/game": {
        "FileStatuses": {
            "FileStatus": [{"pathSuffix": "dt=2026-11-02"}, {"pathSuffix": "dt=2026-11-01"}]
        }
    },
    "/webhdfs/v1/lake/report.json": {"status": "published"},
}
APPS = {"apps": {"app": [{"id": "application_2_0002"}, {"id": "application_1_0001"}]}}


class FakeCluster(BaseHTTPRequestHandler):
    requests: ClassVar[list[tuple[str, str, dict, bytes]]] = []

    def _answer(self, status: int, body: object) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _record(self) -> str:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        query = parse_qs(url.query)
        FakeCluster.requests.append((self.command, url.path, query, body))
        return url.path

    def do_GET(self) -> None:
        path = self._record()
        if path == "/ws/v1/cluster/apps":
            self._answer(200, APPS)
        elif path.endswith("/broken"):
            self._answer(403, {"RemoteException": {"message": "Permission denied"}})
        elif path in FILES:
            self._answer(200, FILES[path])
        else:
            self._answer(404, {"RemoteException": {"message": "File does not exist"}})

    def do_PUT(self) -> None:
        self._record()
        self._answer(200, {"state": "KILLED"})

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def settings_file_data() -> dict:
    return json.loads((REPO / "tests/unit/data/etl_settings.json").read_text())


@pytest.fixture
def cluster() -> Iterator[Settings]:
    FakeCluster.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeCluster)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    yield Settings(
        {"webhdfs": f"{base}/webhdfs/v1", "resourcemanager": base, "hdfs_user": "airflow"}
    )
    server.shutdown()


def test_webhdfs_reads_lists_and_tells_a_missing_file(cluster):
    assert webhdfs.read_json(cluster, "/lake/report.json") == {"status": "published"}
    assert webhdfs.list_names(cluster, "/lake/raw/game") == ["dt=2026-11-01", "dt=2026-11-02"]
    assert webhdfs.exists(cluster, "/lake/raw/game/dt=2026-11-03/_SUCCESS") is False
    assert webhdfs.list_names(cluster, "/lake/raw/nothing") == []
    assert webhdfs.read_json(cluster, "/lake/nothing.json") is None
    assert {request[2]["user.name"][0] for request in FakeCluster.requests} == {"airflow"}


def test_webhdfs_refusal_names_the_path_and_status(cluster):
    with pytest.raises(EtlError, match=r"WebHDFS refused /lake/broken: .*HTTP 403"):
        webhdfs.exists(cluster, "/lake/broken")


def test_an_unreachable_api_is_an_etl_error():
    nowhere = Settings({"webhdfs": "http://127.0.0.1:1/webhdfs/v1", "hdfs_user": "airflow"})
    with pytest.raises(EtlError, match=re.escape("127.0.0.1:1")):
        webhdfs.exists(nowhere, "/lake")


def test_leftover_applications_are_killed_through_the_rest_api(cluster):
    killed = submit.kill_leftovers(cluster, "bdp-etl-game-20261101")
    assert killed == ["application_1_0001", "application_2_0002"]
    puts = [
        (path, json.loads(body))
        for method, path, _, body in FakeCluster.requests
        if method == "PUT"
    ]
    assert puts == [
        ("/ws/v1/cluster/apps/application_1_0001/state", {"state": "KILLED"}),
        ("/ws/v1/cluster/apps/application_2_0002/state", {"state": "KILLED"}),
    ]
    query = FakeCluster.requests[0][2]
    assert query["applicationTags"] == ["bdp-etl-game-20261101"]


def test_secure_mode_logs_spark_submit_in_from_the_keytab(settings_file_data):
    secure = Settings({**settings_file_data, "kerberos": {"principal": "etl/h@R", "keytab": "/k"}})
    argv = submit.spark_submit_argv(secure, "game", date(2026, 11, 1), "r", 1)
    assert argv[argv.index("--principal") + 1] == "etl/h@R"
    assert argv[argv.index("--keytab") + 1] == "/k"
    simple = submit.spark_submit_argv(
        Settings(settings_file_data), "game", date(2026, 11, 1), "r", 1
    )
    assert "--principal" not in simple and "--keytab" not in simple


def test_secure_mode_verifies_with_the_platform_ca_whatever_the_environment_says(
    settings_file_data, monkeypatch
):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:1")
    monkeypatch.setattr(cluster_http, "spnego_auth", lambda principal, keytab: None)
    secure = Settings(
        {
            **settings_file_data,
            "kerberos": {"principal": "etl/h@R", "keytab": "/k"},
            "ca_file": "/etc/bdp/tls/platform-ca.crt",
        }
    )
    url = "https://spark-master-01:9871/webhdfs/v1/lake"
    with cluster_http.session(secure) as http:
        used = http.merge_environment_settings(url, {}, None, None, None)
    assert used["verify"] == secure["ca_file"]
    assert used["proxies"] == {}
