"""How the bdp commands reach Hadoop's web endpoints: the inventory decides plain HTTP with
`user.name` or, in secure mode, HTTPS with a Negotiate token from the person's ticket cache
and no `user.name`; failures are errors that say what to do."""

import base64
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from bdp import hadoop_web
from bdp.errors import BdpError
from bdp_testkit.fake_gssapi import FakeGssapi

PORTS = {
    "namenode": {"http": 9870, "https": 9871},
    "resourcemanager": {"http": 8088, "https": 8090},
}


def fake_listing(secure: bool | None, ports: dict | None = PORTS) -> dict:
    hostvars: dict = {"ansible_host": "10.0.0.10"}
    if secure is not None:
        hostvars["bdp_hadoop_secure_mode"] = secure
    if ports is not None:
        hostvars["bdp_hadoop_web_ports"] = ports
    return {
        "hdfs_namenode": {"hosts": ["NN-1"]},
        "yarn_resourcemanager": {"hosts": ["NN-1"]},
        "_meta": {"hostvars": {"NN-1": hostvars}},
    }


@pytest.fixture
def inventory(monkeypatch, tmp_path):
    ca = tmp_path / "platform-ca.crt"
    ca.write_text("not read by these tests\n")
    monkeypatch.setenv("BDP_CA_FILE", str(ca))

    def use(resolved: dict) -> Path:
        monkeypatch.setattr(hadoop_web, "listing", lambda inventory: resolved)
        return Path("inventories/x")

    return use


def test_simple_mode_is_plain_http_on_the_inventory_port(inventory):
    found = hadoop_web.endpoint(inventory(fake_listing(secure=False)), "namenode")
    assert (found.url, found.host, found.secure, found.ca_file) == (
        "http://10.0.0.10:9870",
        "nn-1",
        False,
        None,
    )


def test_an_inventory_without_the_switch_is_simple_mode(inventory):
    assert hadoop_web.endpoint(inventory(fake_listing(secure=None)), "resourcemanager").url == (
        "http://10.0.0.10:8088"
    )


def test_secure_mode_is_https_verified_with_the_platform_ca(inventory, tmp_path):
    found = hadoop_web.endpoint(inventory(fake_listing(secure=True)), "resourcemanager")
    assert (found.url, found.secure, found.ca_file) == (
        "https://10.0.0.10:8090",
        True,
        tmp_path / "platform-ca.crt",
    )


def test_a_missing_port_table_is_named(inventory):
    with pytest.raises(BdpError, match=r"no bdp_hadoop_web_ports\.namenode\.https for NN-1"):
        hadoop_web.endpoint(inventory(fake_listing(secure=True, ports=None)), "namenode")


def test_an_empty_group_is_named(inventory):
    with pytest.raises(BdpError, match="no host in group hdfs_namenode"):
        hadoop_web.endpoint(inventory({"_meta": {"hostvars": {}}}), "namenode")


class Recorder(BaseHTTPRequestHandler):
    requests: ClassVar[list[tuple[str, str | None]]] = []
    status = 200

    def do_GET(self):
        type(self).requests.append((self.path, self.headers.get("Authorization")))
        body = json.dumps({"ok": True}).encode()
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Recorder.requests, Recorder.status = [], 200
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_simple_mode_names_the_user(server):
    endpoint = hadoop_web.HadoopEndpoint(url=server, host="nn-1", secure=False)
    assert endpoint.get_json("/webhdfs/v1/lake", {"op": "LISTSTATUS"}, user="spark") == {"ok": True}
    assert Recorder.requests == [("/webhdfs/v1/lake?op=LISTSTATUS&user.name=spark", None)]


def test_secure_mode_negotiates_for_the_host_principal_with_the_ticket_cache(server, monkeypatch):
    gssapi = FakeGssapi(fail=False)
    monkeypatch.setitem(sys.modules, "gssapi", gssapi)
    endpoint = hadoop_web.HadoopEndpoint(url=server, host="nn-1", secure=True)
    endpoint.get_json("/webhdfs/v1/lake", {"op": "LISTSTATUS"}, user="spark")
    token = base64.b64encode(b"token-for-HTTP@nn-1").decode()
    assert Recorder.requests == [("/webhdfs/v1/lake?op=LISTSTATUS", f"Negotiate {token}")]
    assert gssapi.logins == [None]  # the default credentials: no keytab


def test_no_ticket_says_to_run_kinit(server, monkeypatch):
    monkeypatch.setitem(sys.modules, "gssapi", FakeGssapi(fail=True))
    endpoint = hadoop_web.HadoopEndpoint(url=server, host="nn-1", secure=True)
    with pytest.raises(BdpError, match=r"run kinit <principal> first.*HTTP/nn-1.*No Kerberos"):
        endpoint.get_json("/ws/v1/cluster/apps", {}, user="spark")
    assert Recorder.requests == []


def test_without_the_gssapi_package_secure_mode_says_so(server, monkeypatch):
    monkeypatch.setitem(sys.modules, "gssapi", None)
    endpoint = hadoop_web.HadoopEndpoint(url=server, host="nn-1", secure=True)
    with pytest.raises(BdpError, match="needs the Python package gssapi"):
        endpoint.get_json("/ws/v1/cluster/apps", {}, user="spark")


@pytest.mark.parametrize(("status", "expected"), [(404, None), (403, "HTTP 403 .*allowed")])
def test_answers_other_than_200(server, status, expected):
    Recorder.status = status
    endpoint = hadoop_web.HadoopEndpoint(url=server, host="nn-1", secure=False)
    if expected is None:
        assert endpoint.get_json("/webhdfs/v1/none", {"op": "OPEN"}, user="spark") is None
    else:
        with pytest.raises(BdpError, match=expected):
            endpoint.get_json("/webhdfs/v1/none", {"op": "OPEN"}, user="spark")


def test_an_endpoint_that_does_not_listen_is_named():
    endpoint = hadoop_web.HadoopEndpoint(url="http://127.0.0.1:9", host="nn-1", secure=False)
    with pytest.raises(BdpError, match=r"http://127.0.0.1:9 did not answer"):
        endpoint.get_json("/webhdfs/v1/", {"op": "LISTSTATUS"}, user="spark")
