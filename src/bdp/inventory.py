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
    """The resolved inventory: groups with their hosts, and `_meta.hostvars`. Resolved once per
    process (an `ansible-inventory` run decrypts the vault: seconds); callers must not change it."""
    ansible_inventory = Path(sys.executable).parent / "ansible-inventory"
    result = subprocess.run(
        [str(ansible_inventory), "-i", str(inventory), "--list"],
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
