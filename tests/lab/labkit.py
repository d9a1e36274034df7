"""What the lab test modules share: the lab's hosts and how to drive it."""

import time

from bdp.lab.topology import load_lab
from helpers import REPO, run_tool

LAB = load_lab(REPO / "inventories" / "lab")
HOSTS = {host.name: host for host in LAB.hosts}


def stage(name: str, started: float) -> None:
    print(f"\n[lab] {name}: {time.monotonic() - started:.0f}s", flush=True)


def bdp_lab(*args: str):
    return run_tool("bdp", "lab", *args)


def ansible(*args: str):
    return run_tool("ansible", "-i", "inventories/lab", *args)


MASTER = "spark-master-01"
WORK = "/var/tmp/bdp-smoke"


def on_master(command: str, *, check: bool = True) -> str:
    """Run a shell command on the master (in WORK), returning Ansible's output."""
    result = ansible(MASTER, "-m", "ansible.builtin.shell", "-a", f"chdir={WORK} {command}")
    if check:
        assert result.returncode == 0, result.stdout[-4000:]
    return result.stdout


def as_spark(command: str, *, check: bool = True) -> str:
    return on_master(f"runuser -u spark -- {command}", check=check)
