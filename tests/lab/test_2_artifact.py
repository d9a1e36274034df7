"""The artifact role against the lab's mirror server: verify, unpack atomically, reuse."""

import hashlib
import io
import json
import shutil
import tarfile

import pytest

from bdp_testkit.helpers import REPO, play_recap, run_tool
from labkit import LAB

pytestmark = pytest.mark.lab

HOST = "de-kafka-cluster-1"
SELFTEST = REPO / "mirror" / "_selftest"
BASE_URL = f"{LAB.settings.artifact_url}/_selftest"


def make_archive(name: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        payload = f"#!/bin/sh\necho {name}\n".encode()
        info = tarfile.TarInfo(f"{name}/bin/hello")
        info.size, info.mode = len(payload), 0o755
        archive.addfile(info, io.BytesIO(payload))
    return buffer.getvalue()


def publish(name: str, checksum_line: str | None = None) -> str:
    """Put NAME.tar.gz and its .sha512 (sha512sum format unless given) in the mirror."""
    data = make_archive(name)
    SELFTEST.mkdir(parents=True, exist_ok=True)
    (SELFTEST / f"{name}.tar.gz").write_bytes(data)
    digest = hashlib.sha512(data).hexdigest()
    line = checksum_line or f"{digest}  {name}.tar.gz\n"
    (SELFTEST / f"{name}.tar.gz.sha512").write_text(line.format(digest=digest))
    return f"{BASE_URL}/{name}.tar.gz"


def install(url: str, **extra: str):
    variables = {"artifact_test_host": HOST, "artifact_name": "selftest", "artifact_url": url}
    variables.update(extra)
    return run_tool(
        "ansible-playbook",
        "-i",
        "inventories/lab",
        "tests/lab/playbooks/artifact.yml",
        "-e",
        json.dumps(variables),
    )


def on_host(command: str) -> str:
    result = run_tool(
        "ansible", "-i", "inventories/lab", HOST, "-m", "ansible.builtin.shell", "-a", command
    )
    return result.stdout


@pytest.fixture(scope="module", autouse=True)
def mirror_files():
    yield
    shutil.rmtree(SELFTEST, ignore_errors=True)
    on_host("rm -rf /opt/bdp/selftest* /var/cache/bdp/artifacts/selftest-*")


def test_installs_verified_archive_once():
    url = publish("selftest-1.0")
    first = install(url)
    assert first.returncode == 0, first.stdout[-3000:]
    assert "selftest-1.0" in on_host("/opt/bdp/selftest/bin/hello")
    second = install(url)
    assert second.returncode == 0
    assert play_recap(second.stdout)[HOST]["changed"] == 0


@pytest.mark.slow  # another artifact install (about 20 s): make test-all
def test_bsd_style_checksum_is_understood():
    url = publish("selftest-3.0", "SHA512 (selftest-3.0.tar.gz) = {digest}\n")
    result = install(url)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "selftest-3.0" in on_host("/opt/bdp/selftest/bin/hello")


def test_checksum_mismatch_fails_and_unpacks_nothing():
    url = publish("selftest-2.0", f"{'0' * 128}  selftest-2.0.tar.gz\n")
    result = install(url)
    assert result.returncode != 0
    assert f"{HOST}: selftest from {url}" in result.stdout
    assert "does not match its published SHA-512" in result.stdout
    listing = on_host("ls -d /opt/bdp/selftest-2.0* 2>/dev/null || echo none")
    assert "none" in listing


def test_unreachable_mirror_is_named():
    url = f"http://{LAB.settings.control_address}:9/_selftest/selftest-4.0.tar.gz"
    result = install(url)
    assert result.returncode != 0
    assert f"no usable SHA-512 for selftest at {url}.sha512" in result.stdout
