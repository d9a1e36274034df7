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
