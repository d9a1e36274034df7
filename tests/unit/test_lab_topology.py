from pathlib import Path

import pytest

from bdp.errors import BdpError
from bdp.lab.topology import LabSettings, load_lab, parse_hosts, parse_settings
from bdp_testkit.helpers import REPO

SETTINGS = {
    "lab_state_dir": "/tmp/lab",
    "lab_bridge": "br-test",
    "lab_control_address": "10.9.0.1",
    "lab_prefix_length": 24,
    "lab_apt_proxy_port": 3142,
    "lab_artifact_port": 8081,
    "lab_debian_suite": "bookworm",
    "lab_base_packages": ["systemd"],
    "lab_boot_timeout": 60,
}


def settings() -> LabSettings:
    return parse_settings(SETTINGS, "lab.yml")


def inventory(**hosts: dict) -> dict:
    return {
        "all": {"hosts": {"a": {"ansible_host": "10.9.0.2"}}, "children": {"g": {"hosts": hosts}}}
    }


def test_settings_derive_urls_and_network():
    lab_settings = settings()
    assert lab_settings.state_dir == Path("/tmp/lab")
    assert lab_settings.apt_proxy_url == "http://10.9.0.1:3142"
    assert lab_settings.artifact_url == "http://10.9.0.1:8081"
    assert str(lab_settings.network) == "10.9.0.0/24"


def test_missing_setting_is_named():
    broken = {k: v for k, v in SETTINGS.items() if k != "lab_bridge"}
    with pytest.raises(BdpError, match=r"lab\.yml: missing lab setting.*lab_bridge"):
        parse_settings(broken, "lab.yml")


def test_hosts_are_collected_from_nested_groups():
    hosts = parse_hosts(inventory(b={"ansible_host": "10.9.0.3"}), settings(), "hosts.yml")
    assert [(h.name, h.address) for h in hosts] == [("a", "10.9.0.2"), ("b", "10.9.0.3")]


@pytest.mark.parametrize(
    ("host_vars", "message"),
    [
        ({}, "host b has no ansible_host"),
        ({"ansible_host": "not-an-ip"}, "host b: ansible_host 'not-an-ip' is no IPv4"),
        ({"ansible_host": "10.8.0.3"}, r"host b: 10.8.0.3 must be a host address in 10.9.0.0/24"),
        ({"ansible_host": "10.9.0.1"}, "other than the control address"),
        ({"ansible_host": "10.9.0.2"}, "hosts a and b share address 10.9.0.2"),
    ],
)
def test_bad_host_entries_are_named(host_vars, message):
    with pytest.raises(BdpError, match=message):
        parse_hosts(inventory(b=host_vars), settings(), "hosts.yml")


def test_inventory_without_all_group_is_rejected():
    with pytest.raises(BdpError, match="top-level 'all' group"):
        parse_hosts({"hosts": {}}, settings(), "hosts.yml")


def test_select_rejects_unknown_hosts():
    lab = load_lab(REPO / "inventories" / "lab")
    assert lab.select([]) == lab.hosts
    assert [h.name for h in lab.select(["de-os-data1"])] == ["de-os-data1"]
    with pytest.raises(BdpError, match=r"unknown lab host.*de-os-data9"):
        lab.select(["de-os-data9"])


def test_malformed_yaml_names_the_file(tmp_path):
    (tmp_path / "group_vars" / "all").mkdir(parents=True)
    (tmp_path / "group_vars" / "all" / "lab.yml").write_text("lab_bridge: [unclosed\n")
    with pytest.raises(BdpError, match=r"lab\.yml: malformed YAML"):
        load_lab(tmp_path)
