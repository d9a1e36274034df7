"""A rollout stopped between writing the brokers' configuration and restarting them (the
operator's Ctrl-C, a lost control machine): the restart requests stay on the brokers, and
the next run, which changes no file any more, restarts each broker that still runs an older
configuration than its file, one at a time between the gates. The module puts the
inventory's settings back at the end."""

import json
import threading
import time

import pytest

from bdp_testkit.helpers import kill_group, restarted_one_at_a_time, run_playbook, start_tool
from labkit import KAFKA_GATES, KAFKA_HOSTS, KAFKA_RESTART, on_host, shell_stdout, stage, wait_until

pytestmark = [pytest.mark.lab, pytest.mark.slow]  # about 10 minutes: make test-all

SETTING = {"kafka_extra_properties": {"log.cleaner.backoff.ms": "17000"}}
REQUEST = "/var/lib/bdp/restart-requests/kafka"
CONFIG = "/etc/bdp/kafka/server.properties"


def requests_left() -> list[str]:
    return [
        host
        for host in KAFKA_HOSTS
        if shell_stdout(on_host(host, f"test -e {REQUEST} && echo yes || true")).strip() == "yes"
    ]


def runs_older_configuration(host: str) -> bool:
    """The broker's process started before its server.properties was last written."""
    written, started = shell_stdout(
        on_host(
            host,
            f"echo $(stat -c %Y {CONFIG})"
            ' $(date -d "$(systemctl show kafka -p ActiveEnterTimestamp --value)" +%s)',
        )
    ).split()
    return int(started) < int(written)


def kafka_yml(*variables: str):
    result = run_playbook("-i", "inventories/lab", "ansible/kafka.yml", *variables)
    assert result.returncode == 0, result.stdout[-4000:]
    return result


@pytest.fixture(scope="module")
def interrupted():
    """Run ansible/kafka.yml with a changed setting and kill it once every broker holds a
    restart request, before its restart loop got far; yield the brokers left running an
    older configuration than their file."""
    kafka_yml()  # from the inventory's settings, so that the run below changes a file
    started = time.monotonic()
    playbook = start_tool(
        "ansible-playbook", "-i", "inventories/lab", "ansible/kafka.yml",
        "-e", json.dumps(SETTING), own_group=True,
    )  # fmt: skip
    output: list[str] = []
    # Drained all along: a full pipe would stop the playbook before its handlers.
    reader = threading.Thread(target=lambda: output.extend(playbook.stdout or ()), daemon=True)
    reader.start()
    try:
        wait_until(
            lambda: playbook.poll() is not None or len(requests_left()) == len(KAFKA_HOSTS),
            900,
            "a restart request on every broker",
            every=1,
        )
    finally:
        kill_group(playbook)
        playbook.wait()
        reader.join(30)
    assert playbook.returncode != 0, "the run ended before it could be interrupted"
    stale = [host for host in KAFKA_HOSTS if runs_older_configuration(host)]
    print(f"[lab] interrupted run left older configurations running on {stale}", flush=True)
    stage("kafka.yml interrupted after its handlers", started)
    yield stale
    kafka_yml()


def test_the_interrupted_run_left_its_requests_on_the_hosts(interrupted):
    assert interrupted, "the run restarted every broker before it was killed: nothing to resume"
    assert set(interrupted) <= set(requests_left())


def test_the_next_run_restarts_them_one_at_a_time(interrupted):
    started = time.monotonic()
    result = kafka_yml("-e", json.dumps(SETTING))
    order = restarted_one_at_a_time(result.stdout, KAFKA_RESTART, KAFKA_GATES)
    print(f"[lab] the next run restarted {order}", flush=True)
    assert set(interrupted) <= set(order)
    assert [host for host in KAFKA_HOSTS if runs_older_configuration(host)] == []
    assert requests_left() == []
    stage("restart requests of an interrupted run carried out", started)
