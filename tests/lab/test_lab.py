"""The 13-host lab end to end: create, deploy site.yml twice, failure commands, destroy.

Needs root, systemd-nspawn, debootstrap and apt-cacher-ng (`make setup`); run by `make test`.
"""

import os
import shutil
import socket
import time

import pytest

from bdp.lab.machines import ssh_answers
from bdp.lab.topology import load_lab
from helpers import REPO, play_recap, run_tool

pytestmark = pytest.mark.lab

LAB = load_lab(REPO / "inventories" / "lab")
HOSTS = {host.name: host for host in LAB.hosts}


def stage(name: str, started: float) -> None:
    print(f"\n[lab] {name}: {time.monotonic() - started:.0f}s", flush=True)


def bdp_lab(*args: str):
    return run_tool("bdp", "lab", *args)


def ansible(*args: str):
    return run_tool("ansible", "-i", "inventories/lab", *args)


@pytest.fixture(scope="module")
def lab():
    if os.geteuid() != 0 or not shutil.which("systemd-nspawn"):
        pytest.fail("the lab tests need root and systemd-nspawn: run `make setup` as root")
    bdp_lab("destroy")  # start from fresh hosts; the base image is kept as a cache
    started = time.monotonic()
    created = bdp_lab("create")
    assert created.returncode == 0, created.stdout + created.stderr
    stage("bdp lab create (13 hosts)", started)
    yield LAB
    started = time.monotonic()
    destroyed = bdp_lab("destroy")
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    stage("bdp lab destroy", started)


def test_every_host_is_running(lab):
    status = bdp_lab("status")
    assert status.returncode == 0, status.stdout
    assert status.stdout.count(" running") == 13


def test_host_names_resolve_on_the_control_machine(lab):
    for host in lab.hosts:
        assert socket.gethostbyname(host.name) == host.address


def test_site_yml_deploys_then_changes_nothing(lab):
    started = time.monotonic()
    first = run_tool("ansible-playbook", "-i", "inventories/lab", "site.yml")
    stage("site.yml, fresh hosts", started)
    assert first.returncode == 0, first.stdout[-5000:]
    recap = play_recap(first.stdout)
    assert sorted(recap) == sorted(HOSTS)
    assert all(counts["failed"] == 0 and counts["unreachable"] == 0 for counts in recap.values())
    assert any(counts["changed"] > 0 for counts in recap.values())

    started = time.monotonic()
    second = run_tool("ansible-playbook", "-i", "inventories/lab", "site.yml")
    stage("site.yml, second run", started)
    assert second.returncode == 0, second.stdout[-5000:]
    changed = {host: c["changed"] for host, c in play_recap(second.stdout).items() if c["changed"]}
    assert changed == {}, f"second run changed something: {changed}"


def test_java_17_only_where_a_jvm_service_runs(lab):
    jvm = ansible("de-kafka-cluster-1", "-m", "ansible.builtin.command", "-a", "java -version")
    assert jvm.returncode == 0, jvm.stdout
    assert 'version "17.' in jvm.stdout
    no_jvm = ansible("airflow-redis-01", "-m", "ansible.builtin.command", "-a", "java -version")
    assert no_jvm.returncode != 0


def test_kill_and_restore_a_host(lab):
    host = HOSTS["airflow-redis-01"]
    assert bdp_lab("kill", host.name).returncode == 0
    assert not ssh_answers(host.address)
    assert f"{host.name:<20} {host.address:<15} stopped" in bdp_lab("status").stdout
    restored = bdp_lab("restore", host.name)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert ansible(host.name, "-m", "ansible.builtin.ping").returncode == 0


def test_isolate_and_restore_a_host(lab):
    host = HOSTS["de-os-data2"]
    assert bdp_lab("isolate", host.name).returncode == 0
    assert "isolated" in bdp_lab("status").stdout
    assert not ssh_answers(host.address)
    # Isolated, not stopped: the host keeps running and sees itself.
    inside = bdp_lab("exec", host.name, "--", "systemctl", "is-system-running")
    assert inside.stdout.strip() in {"running", "degraded"}
    assert bdp_lab("restore", host.name).returncode == 0
    assert ssh_answers(host.address)
