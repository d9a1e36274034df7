"""Deploying site.yml to the 13 fresh lab hosts; run again, it changes nothing."""

import socket
import time

import pytest
from seccheck import found_secrets

from bdp_testkit.helpers import play_recap, playbook_report, run_site_yml
from labkit import HOSTS, ansible, bdp_lab, lab_secrets, stage

pytestmark = pytest.mark.lab


def test_every_host_is_running(lab):
    status = bdp_lab("status")
    assert status.returncode == 0, status.stdout
    assert status.stdout.count(" running") == 13


def test_host_names_resolve_on_the_control_machine(lab):
    for host in lab.hosts:
        assert socket.gethostbyname(host.name) == host.address


def assert_no_secret_shown(run) -> None:
    """Before anything prints the run's output: Ansible must never show a vault value
    (site.yml handles every secret)."""
    leaked = found_secrets(lab_secrets(), (run.stdout + run.stderr).encode())
    assert not leaked, f"site.yml printed the values of {leaked}"


def test_site_yml_deploys_on_fresh_hosts(lab):
    started = time.monotonic()
    first = run_site_yml()
    stage("site.yml, fresh hosts", started)
    assert_no_secret_shown(first)
    assert first.returncode == 0, playbook_report(first)
    recap = play_recap(first.stdout)
    assert sorted(recap) == sorted(HOSTS)
    assert all(counts["failed"] == 0 and counts["unreachable"] == 0 for counts in recap.values())
    assert any(counts["changed"] > 0 for counts in recap.values())


@pytest.mark.slow  # about 10 minutes on the deployed lab: make test-all
def test_site_yml_again_changes_nothing(lab):
    started = time.monotonic()
    second = run_site_yml()
    stage("site.yml, second run", started)
    assert_no_secret_shown(second)
    assert second.returncode == 0, playbook_report(second)
    changed = {host: c["changed"] for host, c in play_recap(second.stdout).items() if c["changed"]}
    assert changed == {}, f"second run changed something: {changed}"


def test_java_17_only_where_a_jvm_service_runs(lab):
    jvm = ansible("de-kafka-cluster-1", "-m", "ansible.builtin.command", "-a", "java -version")
    assert jvm.returncode == 0, jvm.stdout
    assert 'version "17.' in jvm.stdout
    no_jvm = ansible("airflow-redis-01", "-m", "ansible.builtin.command", "-a", "java -version")
    assert no_jvm.returncode != 0
