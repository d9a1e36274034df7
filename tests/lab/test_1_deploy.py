"""Deploying site.yml to the 13 fresh lab hosts, twice: the second run changes nothing."""

import socket
import time

import pytest
from seccheck import found_secrets

from helpers import play_recap, playbook_report, run_playbook
from labkit import AIRFLOW_API, HOSTS, airflow_session, ansible, bdp_lab, lab_secrets, stage

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


def test_site_yml_deploys_then_changes_nothing(lab):
    started = time.monotonic()
    first = run_playbook("-i", "inventories/lab", "site.yml")
    stage("site.yml, fresh hosts", started)
    assert_no_secret_shown(first)
    assert first.returncode == 0, playbook_report(first)
    recap = play_recap(first.stdout)
    assert sorted(recap) == sorted(HOSTS)
    assert all(counts["failed"] == 0 and counts["unreachable"] == 0 for counts in recap.values())
    assert any(counts["changed"] > 0 for counts in recap.values())

    started = time.monotonic()
    second = run_playbook("-i", "inventories/lab", "site.yml")
    stage("site.yml, second run", started)
    assert_no_secret_shown(second)
    assert second.returncode == 0, playbook_report(second)
    changed = {host: c["changed"] for host, c in play_recap(second.stdout).items() if c["changed"]}
    assert changed == {}, f"second run changed something: {changed}"


def test_the_lab_creates_the_daily_etl_dags_paused_then_they_are_unpaused(lab):
    """The lab's DAGs wait for the idempotence check above (production creates them unpaused);
    unpaused here, they catch up on the completed days while the next tests run."""
    api = airflow_session()
    listed = api.get(
        f"{AIRFLOW_API}/api/v2/dags", params={"dag_id_pattern": "bdp_etl_"}, timeout=30
    )
    assert listed.status_code == 200, listed.text
    dags = {dag["dag_id"]: dag["is_paused"] for dag in listed.json()["dags"]}
    assert dags == {f"bdp_etl_{s}": True for s in ("ads", "game", "lodging", "raid")}
    for dag_id in dags:
        answer = api.patch(
            f"{AIRFLOW_API}/api/v2/dags/{dag_id}", json={"is_paused": False}, timeout=30
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["is_paused"] is False


def test_java_17_only_where_a_jvm_service_runs(lab):
    jvm = ansible("de-kafka-cluster-1", "-m", "ansible.builtin.command", "-a", "java -version")
    assert jvm.returncode == 0, jvm.stdout
    assert 'version "17.' in jvm.stdout
    no_jvm = ansible("airflow-redis-01", "-m", "ansible.builtin.command", "-a", "java -version")
    assert no_jvm.returncode != 0
