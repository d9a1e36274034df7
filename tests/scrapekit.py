"""The prometheus role's scrape jobs as the tests derive them: its own filter, fed with an
inventory's groups and addresses as Ansible sees them and with bdp_metrics_targets."""

import importlib.util
from typing import Any

import yaml

from bdp.inventory import listing
from bdp.sources import platform_sources
from bdp_testkit.helpers import REPO

_spec = importlib.util.spec_from_file_location(
    "scrape_targets", REPO / "roles" / "prometheus" / "filter_plugins" / "scrape_targets.py"
)
scrape_targets = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scrape_targets)

TARGETS = yaml.safe_load((REPO / "ansible/group_vars/all/monitoring.yml").read_text())[
    "bdp_metrics_targets"
]


def groups_of(inventory: str) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Every group's hosts (children resolved) and each host's address, as Ansible sees them."""
    resolved = listing(REPO / "inventories" / inventory)
    groups = {name: body.get("hosts", []) for name, body in resolved.items() if name != "_meta"}
    hostvars = resolved["_meta"]["hostvars"]
    groups["all"] = list(hostvars)  # ansible-inventory lists `all` by its children only
    return groups, {host: hostvars[host]["ansible_host"] for host in hostvars}


def inventory_jobs(inventory: str) -> list[dict[str, Any]]:
    """The scrape jobs the role derives from `inventory`."""
    groups, addresses = groups_of(inventory)
    return scrape_targets.scrape_jobs(TARGETS, groups, addresses, platform_sources())
