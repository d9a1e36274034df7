"""The exporter's I/O against fakes on 127.0.0.1: WebHDFS (NameNode redirecting to a DataNode),
OpenSearch over HTTPS with basic auth, TLS endpoints; the collection (a failed probe exports
no zeros), the HTTP server, the command line, and that it runs on the standard library."""

import base64
import datetime as dt
import ipaddress
import json
import logging
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bdp_exporter import cli, tls
from bdp_exporter.collector import Collector, probes
from bdp_exporter.config import parse_config
from bdp_exporter.metrics import families, sample
from bdp_exporter.server import make_server
from bdp_jobs.lake.state import SourceState, render_state
from bdp_runtime.exposition import render
from bdp_testkit.fake_gssapi import FakeGssapi
from reportkit import run_report

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 10, 27, 9, tzinfo=UTC)  # 2026-10-27 in Berlin, after the autumn change


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


def serve(server):
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return server


def stop(server):
    server.shutdown()
    server.server_close()


# --- a fake WebHDFS -------------------------------------------------------------------------


class FakeHdfs:
    """Files by HDFS path; folders are what the paths imply. OPEN redirects to a 'DataNode'
    on the same server, as a NameNode does."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.fail: dict[str, int] = {}  # path -> HTTP status for every operation on it
        self.delay = 0.0
        self.requests: list[str] = []
        self.authorizations: list[str] = []  # Authorization headers the NameNode got
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query))
                fake.requests.append(self.path)
                time.sleep(fake.delay)
                if parts.path.startswith("/datanode/"):
                    path = urllib.parse.unquote(parts.path[len("/datanode") :])
                    return self.answer(200, fake.files[path])
                path = urllib.parse.unquote(parts.path[len("/webhdfs/v1") :])
                assert query["user.name"] == "mon"
                if self.headers.get("Authorization"):
                    fake.authorizations.append(self.headers["Authorization"])
                if path in fake.fail:
                    return self.answer(fake.fail[path], b'{"RemoteException": {}}')
                if query["op"] == "OPEN" and path in fake.files:
                    self.send_response(307)
                    self.send_header("Location", f"http://127.0.0.1:{fake.port}/datanode{path}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                if query["op"] == "LISTSTATUS" and fake.is_dir(path):
                    statuses = [{"pathSuffix": name} for name in fake.children(path)]
                    body = json.dumps({"FileStatuses": {"FileStatus": statuses}})
                    return self.answer(200, body.encode())
                return self.answer(404, b'{"RemoteException": {"exception": "FileNotFound"}}')

            def answer(self, status, body):
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler))
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def is_dir(self, path):
        return any(name.startswith(path.rstrip("/") + "/") for name in self.files)

    def children(self, path):
        prefix = path.rstrip("/") + "/"
        return sorted(
            {name[len(prefix) :].split("/")[0] for name in self.files if name.startswith(prefix)}
        )

    def put_json(self, path, document):
        self.files[path] = json.dumps(document).encode()


@pytest.fixture
def hdfs():
    fake = FakeHdfs()
    yield fake
    stop(fake.server)


def fill_lake(fake):
    """game: state, raw days and reports; ads: raw days, no reports; raid: nothing at all."""
    state = render_state(
        12,
        {
            "game": SourceState(
                max_event_time=utc(2026, 10, 27, 1),
                complete_through=date(2026, 10, 25),
                offsets={"game.events": {"0": 40}},
                rows_raw=40,
            ),
            "ads": SourceState(complete_through=date(2026, 10, 25), rows_raw=7),
        },
        utc(2026, 10, 27, 8, 59),
    )
    fake.put_json("/lake/_checkpoints/lake-writer/bdp-state/latest.json", state)
    for source in ("game", "ads"):
        for day in ("2026-10-24", "2026-10-25"):
            fake.files[f"/lake/raw/{source}/dt={day}/part-b000000000001-00000.parquet"] = b"x"
    runs = "/lake/_etl/runs/game"
    fake.put_json(
        f"{runs}/dt=2026-10-24/scheduled__2026-10-24T00_00_00_00_00.json",
        run_report(
            "published",
            utc(2026, 10, 25, 2),
            utc(2026, 10, 25, 2, 12),
            [("events", "cassandra:game.events", 30), ("daily", "mariadb:game_daily", 2)],
        ),
    )
    fake.put_json(
        f"{runs}/dt=2026-10-25/scheduled__2026-10-25T00_00_00_00_00.json",
        run_report("quality-failed", utc(2026, 10, 26, 2), utc(2026, 10, 26, 2, 3)),
    )


def config_for(hdfs_url, **more):
    return parse_config(
        {
            "timezone": "Europe/Berlin",
            "namenode_url": hdfs_url,
            "hdfs_user": "mon",
            "sources": ["game", "ads", "raid"],
            "raw_grace_hours": 2,
            "publish_grace_hours": 6,
            "probe_timeout_seconds": 2,
            "cache_seconds": 0,
            **more,
        }
    )


def collect(config):
    collector = Collector(probes(config), config.probe_timeout_seconds, 0, clock=lambda: NOW)
    return render(families(collector.collect()))


def ts(*parts):
    return f"{utc(*parts).timestamp():.0f}"


# --- HDFS -----------------------------------------------------------------------------------


def test_lake_and_etl_metrics_from_webhdfs(hdfs):
    fill_lake(hdfs)
    text = collect(config_for(hdfs.url))
    lines = set(text.splitlines())
    expected = {
        'bdp_exporter_probe_success{probe="hdfs"} 1',
        f"bdp_lake_writer_last_batch_timestamp_seconds {ts(2026, 10, 27, 8, 59)}",
        "bdp_lake_writer_batch_id 12",
        'bdp_lake_committed_offset{partition="0",source="game",topic="game.events"} 40',
        'bdp_lake_rows_total{kind="raw",source="ads"} 7',
        # 2026-10-25 (25 hours) ends at midnight CET; 2026-10-26 is due 2 hours after its end.
        f'bdp_lake_complete_through_timestamp_seconds{{source="game"}} {ts(2026, 10, 25, 23)}',
        f'bdp_lake_day_due_timestamp_seconds{{source="game"}} {ts(2026, 10, 27, 1)}',
        # game: 2026-10-24 published (starts at midnight CEST), 2026-10-25 failed the gate.
        f'bdp_etl_last_published_day_timestamp_seconds{{source="game"}} {ts(2026, 10, 23, 22)}',
        f'bdp_etl_publish_due_timestamp_seconds{{source="game"}} {ts(2026, 10, 26, 5)}',
        'bdp_etl_run_duration_seconds{source="game"} 720',
        'bdp_etl_rows{destination="cassandra:game.events",source="game"} 30',
        'bdp_etl_rows{destination="mariadb:game_daily",source="game"} 2',
        'bdp_etl_quality_gate_failures{source="game"} 1',
        # ads: no report yet, so its first raw day (2026-10-24) is the first due.
        f'bdp_etl_publish_due_timestamp_seconds{{source="ads"}} {ts(2026, 10, 25, 4)}',
        'bdp_etl_quality_gate_failures{source="ads"} 0',
        'bdp_etl_quality_gate_failures{source="raid"} 0',
    }
    assert expected <= lines, expected - lines
    # raid has nothing anywhere: no due time, no lake samples.
    assert not [line for line in lines if 'source="raid"' in line and "quality" not in line]
    assert 'bdp_etl_last_published_day_timestamp_seconds{source="ads"}' not in text
    assert any("/datanode/lake/_etl/runs/game/" in r for r in hdfs.requests)  # redirects followed


def lake_lines(text):
    return [
        line
        for line in text.splitlines()
        if line.startswith(("bdp_lake", "bdp_etl", "# HELP bdp_lake", "# HELP bdp_etl"))
    ]


@pytest.mark.parametrize(
    "broken",
    [
        "/lake/_checkpoints/lake-writer/bdp-state/latest.json",
        "/lake/_etl/runs/raid",  # the last thing the probe reads: everything before it is read
        "/lake/raw/ads",
    ],
)
def test_a_failed_hdfs_probe_exports_no_lake_or_etl_metric(hdfs, broken, caplog):
    fill_lake(hdfs)
    hdfs.fail[broken] = 500
    with caplog.at_level(logging.WARNING, logger="bdp_exporter"):
        text = collect(config_for(hdfs.url))
    assert 'bdp_exporter_probe_success{probe="hdfs"} 0' in text
    assert lake_lines(text) == []
    assert "probe hdfs failed: HdfsError: WebHDFS" in caplog.text
    assert f"{broken}: HTTP 500" in caplog.text


def test_namenode_down(caplog):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with caplog.at_level(logging.WARNING, logger="bdp_exporter"):
        text = collect(config_for(f"http://127.0.0.1:{port}"))
    assert text.splitlines()[-1] == 'bdp_exporter_probe_success{probe="hdfs"} 0'
    assert lake_lines(text) == []
    assert "Connection refused" in caplog.text


def test_a_slow_namenode_fails_the_probe_within_its_timeout(hdfs, caplog):
    fill_lake(hdfs)
    hdfs.delay = 0.4
    config = config_for(hdfs.url, probe_timeout_seconds=0.5)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="bdp_exporter"):
        text = collect(config)
    assert time.monotonic() - started < 1.6
    assert 'bdp_exporter_probe_success{probe="hdfs"} 0' in text
    assert lake_lines(text) == []
    assert "probe hdfs failed" in caplog.text


def test_a_missing_state_and_a_half_written_report_are_warnings(hdfs, caplog):
    fill_lake(hdfs)
    del hdfs.files["/lake/_checkpoints/lake-writer/bdp-state/latest.json"]
    hdfs.files["/lake/_etl/runs/game/dt=2026-10-25/other.json"] = b'{"status": "publi'
    config = config_for(hdfs.url)
    collector = Collector(probes(config), 2, 0, clock=lambda: NOW)
    with caplog.at_level(logging.WARNING, logger="bdp_exporter"):
        text = render(families(collector.collect()))
        collector.collect()
    assert 'bdp_exporter_probe_success{probe="hdfs"} 1' in text
    assert "bdp_lake_writer_batch_id" not in text
    assert 'bdp_etl_quality_gate_failures{source="game"} 1' in text
    assert caplog.text.count("no lake writer state at /lake/_checkpoints") == 1  # not repeated
    assert caplog.text.count("dt=2026-10-25/other.json left out") == 1


def test_reports_are_read_only_as_far_back_as_needed(hdfs):
    fill_lake(hdfs)
    for day in range(1, 20):
        hdfs.put_json(
            f"/lake/_etl/runs/game/dt=2026-09-{day:02d}/r.json",
            run_report("published", utc(2026, 9, day + 1), utc(2026, 9, day + 1, 1)),
        )
    collect(config_for(hdfs.url, quality_window_days=3))
    opened = [r for r in hdfs.requests if "op=OPEN" in r and "/runs/game/" in r]
    assert len(opened) == 2  # 2026-10-25 (quality-failed) and 2026-10-24 (published)


def test_collections_are_cached(hdfs):
    fill_lake(hdfs)
    config = config_for(hdfs.url)
    collector = Collector(probes(config), 2, 60)
    first = collector.collect()
    count = len(hdfs.requests)
    assert collector.collect() is first
    assert len(hdfs.requests) == count
    uncached = Collector(probes(config), 2, 0)
    uncached.collect()
    uncached.collect()
    assert len(hdfs.requests) == 3 * count


# --- certificates and TLS ---------------------------------------------------------------------
# --- certificates -------------------------------------------------------------------------


def make_certificate(not_after):
    """A self-signed certificate (DER) for 127.0.0.1 and its key (PEM), made for the test."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bdp-exporter-test")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(min(dt.datetime(2020, 1, 1), not_after - timedelta(days=1)))
        .not_valid_after(not_after)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return certificate.public_bytes(serialization.Encoding.DER), pem_key


@pytest.mark.parametrize(
    "not_after",
    [
        dt.datetime(2040, 8, 14, 17, 1, 31),  # UTCTime
        dt.datetime(2065, 4, 5, 17, 1, 31),  # GeneralizedTime (from 2050 on)
        dt.datetime(1999, 12, 31, 23, 59, 59),  # UTCTime of the last century
    ],
)
def test_not_after_is_read_from_der(not_after):
    der, _ = make_certificate(not_after)
    assert tls.not_after(der) == not_after.replace(tzinfo=UTC)
    expiry = not_after.replace(tzinfo=UTC).timestamp()
    assert tls.expiry_samples("db:443", der) == [
        sample("bdp_tls_certificate_expiry_timestamp_seconds", expiry, endpoint="db:443")
    ]


@pytest.mark.parametrize("der", [b"", b"\x02\x01\x00", b"\x30\x82\xff\xff\x30"])
def test_garbage_is_not_a_certificate(der):
    with pytest.raises(tls.CertificateError):
        tls.not_after(der)


@pytest.fixture
def certificate(tmp_path):
    """(CA file, server TLS context, notAfter) for a server on 127.0.0.1."""
    not_after = dt.datetime(2041, 2, 3, 4, 5, 6)
    der, key = make_certificate(not_after)
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_text(ssl.DER_cert_to_PEM_cert(der))
    key_file.write_bytes(key)
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert_file, key_file)
    return str(cert_file), server_side, not_after.replace(tzinfo=UTC)


class FakeOpenSearch:
    def __init__(self, context, status="yellow"):
        self.status = status
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                expected = "Basic " + base64.b64encode(b"monitor:s3cr3t-pw").decode()
                if self.headers.get("Authorization") != expected:
                    return self.answer(401, b'{"error": "unauthorized"}')
                assert self.path == "/_cluster/health"
                return self.answer(200, json.dumps({"status": fake.status}).encode())

            def answer(self, status, body):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        self.server = serve(server)
        self.endpoint = f"127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def opensearch(certificate):
    fake = FakeOpenSearch(certificate[1])
    yield fake
    stop(fake.server)


def opensearch_config(hdfs, ca_file, tmp_path, password="s3cr3t-pw", **more):
    password_file = tmp_path / "password"
    password_file.write_text(password + "\n")
    return config_for(
        hdfs.url,
        ca_file=ca_file,
        opensearch={
            "url": f"https://{more.pop('endpoint')}",
            "user": "monitor",
            "password_file": str(password_file),
        },
        **more,
    )


def test_opensearch_status(hdfs, opensearch, certificate, tmp_path):
    config = opensearch_config(hdfs, certificate[0], tmp_path, endpoint=opensearch.endpoint)
    text = collect(config)
    assert 'bdp_exporter_probe_success{probe="opensearch"} 1' in text
    assert (
        'bdp_opensearch_cluster_status{status="green"} 0\n'
        'bdp_opensearch_cluster_status{status="red"} 0\n'
        'bdp_opensearch_cluster_status{status="yellow"} 1\n'
    ) in text


@pytest.mark.parametrize("failure", ["password", "status", "untrusted"])
def test_a_failed_opensearch_probe_exports_no_status(
    hdfs, opensearch, certificate, tmp_path, failure, caplog
):
    ca_file = certificate[0]
    if failure == "untrusted":
        other, _ = make_certificate(dt.datetime(2040, 1, 1))
        ca_file = tmp_path / "other.pem"
        ca_file.write_text(ssl.DER_cert_to_PEM_cert(other))
    if failure == "status":
        opensearch.status = "purple"
    password = "wrong-pw" if failure == "password" else "s3cr3t-pw"
    config = opensearch_config(hdfs, str(ca_file), tmp_path, password, endpoint=opensearch.endpoint)
    with caplog.at_level(logging.DEBUG, logger="bdp_exporter"):
        text = collect(config)
    assert 'bdp_exporter_probe_success{probe="opensearch"} 0' in text
    assert "bdp_opensearch_cluster_status" not in text
    assert "probe opensearch failed" in caplog.text
    assert password not in caplog.text


def test_tls_expiry_verified_and_unverified(hdfs, opensearch, certificate, tmp_path):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    down = f"127.0.0.1:{closed.getsockname()[1]}"
    closed.close()
    endpoints = [opensearch.endpoint, down]
    expiry = f"{certificate[2].timestamp():.0f}"
    verified = collect(config_for(hdfs.url, ca_file=certificate[0], tls_endpoints=endpoints))
    assert f'bdp_exporter_probe_success{{probe="tls:{opensearch.endpoint}"}} 1' in verified
    assert f'bdp_exporter_probe_success{{probe="tls:{down}"}} 0' in verified
    assert verified.count("bdp_tls_certificate_expiry_timestamp_seconds{") == 1
    assert (
        f'bdp_tls_certificate_expiry_timestamp_seconds{{endpoint="{opensearch.endpoint}"}} '
        f"{expiry}" in verified
    )
    # Without a CA file any certificate is read; with another CA's file none is.
    unverified = collect(config_for(hdfs.url, tls_endpoints=[opensearch.endpoint]))
    assert f'{{endpoint="{opensearch.endpoint}"}} {expiry}' in unverified
    other, _ = make_certificate(dt.datetime(2040, 1, 1))
    (tmp_path / "other.pem").write_text(ssl.DER_cert_to_PEM_cert(other))
    untrusted = collect(
        config_for(
            hdfs.url, ca_file=str(tmp_path / "other.pem"), tls_endpoints=[opensearch.endpoint]
        )
    )
    assert f'bdp_exporter_probe_success{{probe="tls:{opensearch.endpoint}"}} 0' in untrusted
    assert "bdp_tls_certificate_expiry_timestamp_seconds" not in untrusted


def test_a_silent_tls_endpoint_times_out():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts the connection, never answers the handshake
    try:
        endpoint = f"127.0.0.1:{listener.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            tls.peer_certificate(endpoint, tls.context(None), 0.3)
        assert time.monotonic() - started < 1
    finally:
        listener.close()


# --- the failure log ------------------------------------------------------------------------


def test_a_persistent_failure_is_logged_once_and_its_recovery_too(hdfs, caplog):
    fill_lake(hdfs)
    config = config_for(hdfs.url)
    collector = Collector(probes(config), 2, 0, clock=lambda: NOW)
    hdfs.fail["/lake/raw/ads"] = 503
    with caplog.at_level(logging.INFO, logger="bdp_exporter"):
        collector.collect()
        collector.collect()
        del hdfs.fail["/lake/raw/ads"]
        collector.collect()
    assert caplog.text.count("probe hdfs failed") == 1
    assert caplog.text.count("probe hdfs succeeds again") == 1


# --- the server and the command line --------------------------------------------------------


def test_the_http_server(hdfs):
    fill_lake(hdfs)
    collector = Collector(probes(config_for(hdfs.url)), 2, 0, clock=lambda: NOW)
    server = serve(make_server("127.0.0.1", 0, collector.collect))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
            assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
            body = response.read().decode()
        assert body.startswith("# HELP bdp_exporter_probe_success ")
        assert 'bdp_etl_quality_gate_failures{source="game"} 1\n' in body
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{base}/nope", timeout=10)
        assert missing.value.code == 404
    finally:
        stop(server)


def write_config(tmp_path, document):
    path = tmp_path / "exporter.json"
    path.write_text(json.dumps(document))
    return str(path)


def test_cli_once_and_check_config(hdfs, tmp_path, capsys):
    fill_lake(hdfs)
    document = {
        "timezone": "Asia/Seoul",
        "namenode_url": hdfs.url,
        "hdfs_user": "mon",
        "sources": ["game"],
        "raw_grace_hours": 1,
        "publish_grace_hours": 1,
    }
    path = write_config(tmp_path, document)
    assert cli.main(["--config", path, "--check-config"]) == 0
    assert cli.main(["--config", path, "--once"]) == 0
    out = capsys.readouterr().out
    assert 'bdp_exporter_probe_success{probe="hdfs"} 1' in out
    assert "bdp_lake_writer_batch_id 12" in out


def test_cli_names_the_bad_key(tmp_path, caplog):
    document = {"timezone": "Asia/Seoul", "namenode_url": "http://nn:9870", "hdfs_user": "m"}
    document |= {"sources": [], "raw_grace_hours": 1, "publish_grace_hours": 1}
    document["opensearch"] = {"url": "https://os:9200", "user": "m", "password_file": "/nope"}
    with caplog.at_level(logging.ERROR, logger="bdp_exporter"):
        assert cli.main(["--config", write_config(tmp_path, document), "--check-config"]) == 2
    assert "opensearch.password_file: /nope is not a readable file" in caplog.text
    with caplog.at_level(logging.ERROR, logger="bdp_exporter"):
        assert cli.main(["--config", str(tmp_path / "none.json"), "--check-config"]) == 2
    assert "cannot read" in caplog.text
    (tmp_path / "ca.pem").write_text("not a certificate")
    document["opensearch"] = None
    document["ca_file"] = str(tmp_path / "ca.pem")
    with caplog.at_level(logging.ERROR, logger="bdp_exporter"):
        assert cli.main(["--config", write_config(tmp_path, document), "--check-config"]) == 2
    assert "ca_file: " + str(tmp_path / "ca.pem") + " holds no usable CA certificate" in caplog.text


# What monitoring/README.md says to deploy besides bdp_exporter/: (copy, source in the repository)
DEPLOYED_BESIDE = [
    ("bdp_runtime/__init__.py", "runtime/bdp_runtime/__init__.py"),
    ("bdp_runtime/exposition.py", "runtime/bdp_runtime/exposition.py"),
    ("bdp_runtime/spnego.py", "runtime/bdp_runtime/spnego.py"),
    ("bdp_jobs/__init__.py", "spark_jobs/bdp_jobs/__init__.py"),
    ("bdp_jobs/lake/__init__.py", "spark_jobs/bdp_jobs/lake/__init__.py"),
    ("bdp_jobs/lake/days.py", "spark_jobs/bdp_jobs/lake/days.py"),
    ("bdp_jobs/lake/layout.py", "spark_jobs/bdp_jobs/lake/layout.py"),
    ("bdp_jobs/lake/state.py", "spark_jobs/bdp_jobs/lake/state.py"),
]


def test_runs_on_the_standard_library_alone(tmp_path):
    """No site-packages (-S), and only the deployed copies on the path: the exporter, the
    text format writer and the lake writer's pure modules."""
    shutil.copytree(REPO / "monitoring" / "bdp_exporter", tmp_path / "bdp_exporter")
    for copy, source in DEPLOYED_BESIDE:
        (tmp_path / copy).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / source, tmp_path / copy)
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(tmp_path)}
    code = (
        "import sys, pkgutil, importlib, bdp_exporter\n"
        "for m in pkgutil.iter_modules(bdp_exporter.__path__):\n"
        "    if m.name != '__main__': importlib.import_module('bdp_exporter.' + m.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('pyspark', 'yaml', 'bdp_collectors', 'bdp_dags'))\n"
        "assert not bad, bad\n"
        "assert sorted(m for m in sys.modules if m.split('.')[0] in ('bdp', 'bdp_runtime')) =="
        " ['bdp_runtime', 'bdp_runtime.exposition', 'bdp_runtime.spnego']\n"
        "assert not [p for p in sys.path if 'site-packages' in p]\n"
    )
    subprocess.run([sys.executable, "-S", "-c", code], env=env, check=True, timeout=60)
    helped = subprocess.run(
        [sys.executable, "-S", "-m", "bdp_exporter", "--help"],
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    assert "--config" in helped.stdout


# --- secure mode ----------------------------------------------------------------------------


def test_secure_mode_sends_a_negotiate_token_for_the_namenode(hdfs, monkeypatch):
    gssapi = FakeGssapi(fail=False)
    monkeypatch.setitem(sys.modules, "gssapi", gssapi)
    fill_lake(hdfs)
    login = {"principal": "bdp-exporter/mon@BDP.INTERNAL", "keytab": "/k"}
    text = collect(config_for(hdfs.url, kerberos=login))
    assert 'bdp_exporter_probe_success{probe="hdfs"} 1' in text.splitlines()
    assert set(gssapi.targets) == {"HTTP@127.0.0.1"}
    assert hdfs.authorizations and set(hdfs.authorizations) == {
        "Negotiate " + base64.b64encode(b"token-for-HTTP@127.0.0.1").decode()
    }


def test_a_failed_kerberos_login_fails_the_probe_naming_the_principal(hdfs, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "gssapi", FakeGssapi(fail=True))
    fill_lake(hdfs)
    login = {"principal": "bdp-exporter/mon@BDP.INTERNAL", "keytab": "/k"}
    text = collect(config_for(hdfs.url, kerberos=login))
    assert 'bdp_exporter_probe_success{probe="hdfs"} 0' in text.splitlines()
    assert "Kerberos login as bdp-exporter/mon@BDP.INTERNAL (keytab /k)" in caplog.text
    assert "No Kerberos credentials available" in caplog.text
