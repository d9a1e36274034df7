"""The hosts of an inventory, as `ansible-inventory --list` resolves them."""

import argparse
import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bdp.errors import BdpError
from bdp.lab.topology import is_lab_inventory, load_lab
from bdp.lab.vault import password_file
from bdp.paths import repo_root


def add_inventory_argument(parser: argparse.ArgumentParser) -> None:
    """The `-i/--inventory` option every command that reaches the hosts takes."""
    parser.add_argument(
        "-i", "--inventory", default="inventories/lab", help="the inventory (default: %(default)s)"
    )


def ansible_env(inventory: Path) -> dict[str, str]:
    """The environment for Ansible tools; a lab inventory brings its own vault password."""
    env = dict(os.environ)
    if is_lab_inventory(inventory) and "ANSIBLE_VAULT_PASSWORD_FILE" not in env:
        candidate = password_file(load_lab(inventory).settings)
        if candidate.exists():
            env["ANSIBLE_VAULT_PASSWORD_FILE"] = str(candidate)
    return env


@functools.cache
def listing(inventory: Path) -> dict[str, Any]:
    """The resolved inventory: groups with their hosts, and `_meta.hostvars` with the
    playbooks' group_vars (ansible/group_vars) under the inventory's own, as a play sees them
    (values not templated). Resolved once per process (an `ansible-inventory` run decrypts the
    vault: seconds); callers must not change it."""
    ansible_inventory = Path(sys.executable).parent / "ansible-inventory"
    result = subprocess.run(
        [
            str(ansible_inventory),
            "-i",
            str(inventory),
            "--playbook-dir",
            str(repo_root() / "ansible"),
            "--list",
        ],
        capture_output=True,
        text=True,
        check=False,
        env=ansible_env(inventory),
    )
    if result.returncode != 0:
        raise BdpError(f"cannot read inventory {inventory}: {result.stderr.strip()[-500:]}")
    return json.loads(result.stdout)


def addresses(resolved: dict[str, Any], group: str, inventory: Path) -> list[str]:
    """The addresses (ansible_host, else the name) of a group's hosts; error if it is empty."""
    hosts = resolved.get(group, {}).get("hosts", [])
    if not hosts:
        raise BdpError(f"inventory {inventory} has no host in group {group}")
    hostvars = resolved.get("_meta", {}).get("hostvars", {})
    return [hostvars.get(host, {}).get("ansible_host", host) for host in hosts]


def platform_ca_file(inventory: Path) -> Path:
    """The platform CA certificate that services of `inventory` are verified with: BDP_CA_FILE,
    else the copy ansible/pki.yml keeps on the control machine for that inventory."""
    given = os.environ.get("BDP_CA_FILE")
    path = (
        Path(given)
        if given
        else (repo_root() / "build" / "pki" / inventory.resolve().name / "platform-ca.crt")
    )
    if not path.is_file():
        raise BdpError(
            f"no platform CA certificate at {path}: deploy the inventory (ansible/pki.yml keeps "
            "a copy there) or set BDP_CA_FILE to the CA that signs its services' certificates"
        )
    return path
