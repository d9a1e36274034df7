"""The platform exporter role's list of TLS endpoints, derived from the inventory groups."""

import importlib.util

from bdp_testkit.helpers import REPO

_spec = importlib.util.spec_from_file_location(
    "tls_endpoints", REPO / "roles" / "bdp_exporter" / "filter_plugins" / "tls_endpoints.py"
)
plugin = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(plugin)

HOSTVARS = {f"h{i}": {"bdp_address": f"10.0.0.{i}"} for i in range(1, 5)}


def test_every_host_of_each_group_with_its_groups_port():
    groups = {"kafka": ["h1", "h2"], "redis": ["h3"], "other": ["h4"]}
    endpoints = plugin.tls_endpoints({"kafka": 9092, "redis": 6379}, groups, HOSTVARS)
    assert endpoints == ["10.0.0.1:9092", "10.0.0.2:9092", "10.0.0.3:6379"]


def test_a_group_the_inventory_lacks_adds_nothing():
    assert plugin.tls_endpoints({"opensearch": 9200}, {"kafka": ["h1"]}, HOSTVARS) == []
