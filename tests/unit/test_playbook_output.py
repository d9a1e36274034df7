"""Reading ansible-playbook's output (yaml result format): the recap and the failed tasks."""

import re
import subprocess
import sys
import time

import pytest

from bdp_testkit.helpers import (
    play_recap,
    playbook_failures,
    playbook_report,
    restarted_one_at_a_time,
    run_playbook,
)

# Trimmed from real runs of ansible-core 2.19 with callback_result_format = yaml (the recap's
# columns narrowed).
OUTPUT = """
PLAY [Cassandra] ***************************************************************

TASK [cassandra : Read the keyspaces] ******************************************
fatal: [spark-worker-02]: FAILED! =>
    changed: false
    msg: non-zero return code
    rc: 1
...ignoring

TASK [cassandra : Start Cassandra] *********************************************
changed: [spark-worker-01] => (item=true)
failed: [spark-worker-01] (item=false) =>
    changed: true
    msg: non-zero return code
    rc: 1
    stderr: 'nodetool: Failed to connect to 127.0.0.1:7199 - ConnectException: Connection
        refused'

TASK [cassandra : Report a superuser that cannot log in] ***********************
fatal: [spark-worker-03]: FAILED! =>
    changed: false
    msg: 'Cassandra: login as bdp_admin is refused, and creating it with the built-in
        cassandra login failed.'

PLAY RECAP *********************************************************************
spark-worker-01 : ok=7 changed=1 unreachable=0 failed=1 skipped=0 rescued=0 ignored=0
spark-worker-02 : ok=9 changed=0 unreachable=0 failed=0 skipped=2 rescued=0 ignored=1

"""


def test_failures_name_host_task_and_message_but_not_ignored_ones():
    assert playbook_failures(OUTPUT) == [
        "spark-worker-01: TASK [cassandra : Start Cassandra]: non-zero return code | "
        "nodetool: Failed to connect to 127.0.0.1:7199 - ConnectException: Connection refused",
        "spark-worker-03: TASK [cassandra : Report a superuser that cannot log in]: "
        "Cassandra: login as bdp_admin is refused, and creating it with the built-in "
        "cassandra login failed.",
    ]


def test_recap_counts_per_host():
    recap = play_recap(OUTPUT)
    assert sorted(recap) == ["spark-worker-01", "spark-worker-02"]
    assert recap["spark-worker-01"]["failed"] == 1
    assert recap["spark-worker-02"]["ignored"] == 1


def test_report_leads_with_the_failures_or_else_the_last_line():
    failed = subprocess.CompletedProcess([], 2, OUTPUT, "")
    assert playbook_report(failed).splitlines()[0].startswith("spark-worker-01: TASK [cassandra")
    killed = subprocess.CompletedProcess([], -9, "PLAY [Java] ***\n\n(killed after 1800 s)\n", "")
    assert playbook_report(killed).splitlines()[0] == "(killed after 1800 s)"


ROLLING = """
TASK [kafka : Restart Kafka on de-kafka-cluster-1] *****************************
changed: [de-kafka-cluster-1]

TASK [kafka : Wait for all brokers to register] ********************************
ok: [de-kafka-cluster-1]

TASK [kafka : Restart Kafka on de-kafka-cluster-2] *****************************
changed: [de-kafka-cluster-1 -> 10.87.0.22]

TASK [kafka : Wait for all brokers to register] ********************************
ok: [de-kafka-cluster-1]
"""
RESTART = re.compile(r"kafka : Restart Kafka on (?P<host>\S+)$")


def test_a_rolling_restart_names_its_hosts_in_order():
    gates = ("kafka : Wait for all brokers to register",)
    assert restarted_one_at_a_time(ROLLING, RESTART, gates) == [
        "de-kafka-cluster-1",
        "de-kafka-cluster-2",
    ]


def test_a_host_restarted_before_the_gates_passed_fails_the_check():
    gates = ("kafka : Wait for all brokers to register", "kafka : Wait for the quorum")
    with pytest.raises(AssertionError, match="de-kafka-cluster-2 restarted before"):
        restarted_one_at_a_time(ROLLING, RESTART, gates)


def test_a_playbook_over_its_time_is_killed_with_everything_it_started(tmp_path):
    # The task's sleep is a grandchild holding the output pipe: killing ansible-playbook
    # alone would leave the reader waiting for it.
    playbook = tmp_path / "slow.yml"
    playbook.write_text(
        "- hosts: localhost\n"
        "  gather_facts: false\n"
        "  tasks:\n"
        "    - ansible.builtin.command: sleep 300\n"
    )
    started = time.monotonic()
    local = (
        "-i",
        "localhost,",
        "-c",
        "local",
        "-e",
        f"ansible_python_interpreter={sys.executable}",
    )
    result = run_playbook(*local, str(playbook), timeout=5)
    assert time.monotonic() - started < 120
    assert result.returncode == -9
    assert "(killed after 5 s)" in result.stdout
    # The kill reaches the group's processes asynchronously: on a loaded machine the sleep can
    # still be listed for a moment after the playbook's end was read.
    deadline = time.monotonic() + 10
    while (sleepers := _processes_running("sleep 300")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sleepers == ""


def _processes_running(command_line: str) -> str:
    return subprocess.run(["pgrep", "-f", command_line], capture_output=True, text=True).stdout
