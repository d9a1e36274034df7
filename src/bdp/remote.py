"""Commands on the platform's hosts over SSH, reaching them the way Ansible does."""

import shlex
import subprocess
from pathlib import Path
from typing import Any

from bdp.errors import BdpError
from bdp.inventory import listing


def ssh_argv(hostvars: dict[str, Any], host: str, remote: list[str]) -> list[str]:
    """ssh to `host` with the user, key and options the inventory gives Ansible."""
    argv = ["ssh", "-o", "BatchMode=yes"]
    if hostvars.get("ansible_ssh_private_key_file"):
        argv += ["-i", hostvars["ansible_ssh_private_key_file"]]
    argv += shlex.split(hostvars.get("ansible_ssh_common_args", ""))
    user = hostvars.get("ansible_user", "root")
    return [*argv, f"{user}@{hostvars.get('ansible_host', host)}", "--", shlex.join(remote)]


def first_host(inventory: Path, group: str) -> tuple[str, dict[str, Any]]:
    """The first host of `group` and its variables; an error naming the group if it is empty."""
    resolved = listing(inventory)
    hosts = resolved.get(group, {}).get("hosts", [])
    if not hosts:
        raise BdpError(f"inventory {inventory} has no host in group {group}")
    return hosts[0], resolved.get("_meta", {}).get("hostvars", {}).get(hosts[0], {})


def output_of(inventory: Path, group: str, remote: list[str]) -> str:
    """The standard output of `remote` on the group's first host; an error if it fails."""
    host, hostvars = first_host(inventory, group)
    result = subprocess.run(
        ssh_argv(hostvars, host, remote), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BdpError(f"`{shlex.join(remote)[:80]}` failed on {host}: {result.stderr[-800:]}")
    return result.stdout
