"""The lab's failure commands, used by the failure drills: kill, isolate, restore."""

import pytest

from bdp.lab.machines import ssh_answers
from labkit import HOSTS, ansible, bdp_lab

# the lab's own kill and isolate commands, about 2 minutes: make test-all
pytestmark = [pytest.mark.lab, pytest.mark.slow]


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
