"""The hosts of an inventory, as `ansible-inventory --list` resolves them."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from bdp.errors import BdpError


def listing(inventory: Path) -> dict[str, Any]:
    """The resolved inventory: groups with their hosts, and `_meta.hostvars`."""
    ansible_inventory = Path(sys.executable).parent / "ansible-inventory"
    result = subprocess.run(
        [str(ansible_inventory), "-i", str(inventory), "--list"],
        capture_output=True,
        text=True,
        check=False,
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
