"""What the lab test modules share: the lab's hosts and how to drive it."""

import time

from bdp.lab.topology import load_lab
from bdp.lab.vault import read_secret
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
    return on_host(MASTER, f"chdir={WORK} {command}", check=check)


def as_spark(command: str, *, check: bool = True) -> str:
    return on_master(f"runuser -u spark -- {command}", check=check)


def lab_secret(name: str) -> str:
    """A value of the lab's generated vault."""
    return read_secret(LAB.settings, REPO / "inventories" / "lab", name)


KAFKA_HOSTS = ["de-kafka-cluster-1", "de-kafka-cluster-2", "de-kafka-cluster-3"]
KAFKA_BOOTSTRAP = [f"{HOSTS[name].address}:9092" for name in KAFKA_HOSTS]


def kafka_auth(user: str, password: str) -> dict:
    """kafka-python settings for a SCRAM user of the lab's brokers."""
    return {
        "bootstrap_servers": KAFKA_BOOTSTRAP,
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": user,
        "sasl_plain_password": password,
    }


def on_host(host: str, command: str, *, check: bool = True) -> str:
    """Run a shell command on a lab host, returning Ansible's output."""
    result = ansible(host, "-m", "ansible.builtin.shell", "-a", command)
    if check:
        assert result.returncode == 0, result.stdout[-4000:]
    return result.stdout
