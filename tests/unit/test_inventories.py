"""The inventories: same shape in lab and production, parseable, and checked by preflight."""

import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from bdp_testkit.helpers import REPO, run_tool

INVENTORIES = ("production", "lab")


def graph(inventory: str) -> dict:
    result = run_tool("ansible-inventory", "-i", str(REPO / "inventories" / inventory), "--list")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def groups_of(listing: dict) -> dict[str, list[str]]:
    return {
        name: sorted(body.get("hosts", []))
        for name, body in listing.items()
        if name != "_meta" and body.get("hosts")
    }


def test_lab_has_the_same_hosts_and_groups_as_production():
    production, lab = graph("production"), graph("lab")
    assert groups_of(lab) == groups_of(production)
    assert len(production["_meta"]["hostvars"]) == 13


def test_every_host_runs_at_least_one_service():
    defaults = yaml.safe_load((REPO / "roles/preflight/defaults/main.yml").read_text())
    service_groups = set(defaults["preflight_service_groups"])
    listing = graph("production")
    for host in listing["_meta"]["hostvars"]:
        assert any(host in hosts for g, hosts in groups_of(listing).items() if g in service_groups)


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_site_yml_passes_syntax_check(inventory):
    result = run_tool(
        "ansible-playbook", "-i", f"inventories/{inventory}", "site.yml", "--syntax-check"
    )
    assert result.returncode == 0, result.stdout + result.stderr


# ---- preflight against broken inventories -------------------------------------------
# The 13 hosts are all this machine (local connection): preflight only reads facts.


@pytest.fixture
def local_inventory(tmp_path: Path) -> Path:
    target = tmp_path / "inventory"
    shutil.copytree(REPO / "inventories" / "production", target)
    hosts = yaml.safe_load((target / "hosts.yml").read_text())
    for host_vars in hosts["all"]["hosts"].values():
        host_vars["ansible_connection"] = "local"
        host_vars["ansible_python_interpreter"] = sys.executable
    (target / "hosts.yml").write_text(yaml.safe_dump(hosts))
    # Local "hosts" have this machine's memory: keep the minimums within it.
    (target / "group_vars" / "all" / "preflight.yml").write_text(
        "preflight_group_minimums: {}\npreflight_default_minimum: {memory_mb: 256, disk_gb: 1}\n"
    )
    return target


def edit_hosts(inventory: Path, change) -> None:
    hosts = yaml.safe_load((inventory / "hosts.yml").read_text())
    change(hosts["all"])
    (inventory / "hosts.yml").write_text(yaml.safe_dump(hosts))


def preflight(inventory: Path, *extra: str):
    return run_tool("ansible-playbook", "-i", str(inventory), "ansible/preflight.yml", *extra)


def preflight_on(host: str, inventory: Path, *extra: str):
    """Preflight with only `host` checked (the inventory checks still see every host): the
    13 local "hosts" all gather this machine's facts, and one is enough to check a rule."""
    return preflight(inventory, "--limit", host, *extra)


def test_preflight_passes_on_a_sound_inventory(local_inventory):
    result = preflight(local_inventory)
    assert result.returncode == 0, result.stdout[-3000:]


def test_preflight_names_an_unknown_group(local_inventory):
    edit_hosts(
        local_inventory,
        lambda all_: all_["children"].update(kafak={"hosts": {"de-kafka-cluster-1": {}}}),
    )
    result = preflight_on("spark-master-01", local_inventory)
    assert result.returncode != 0
    assert "unknown group(s) kafak" in result.stdout


def test_preflight_names_a_group_with_too_many_hosts(local_inventory):
    def two_namenodes(all_):
        all_["children"]["hadoop"]["children"]["hdfs_namenode"]["hosts"]["spark-worker-01"] = {}

    edit_hosts(local_inventory, two_namenodes)
    result = preflight_on("spark-master-01", local_inventory)
    assert result.returncode != 0
    assert "group hdfs_namenode has 2 host(s)" in result.stdout
    assert "at most 1" in result.stdout


def test_preflight_names_a_missing_service(local_inventory):
    edit_hosts(local_inventory, lambda all_: all_["children"].pop("redis"))
    result = preflight_on("spark-master-01", local_inventory)
    assert result.returncode != 0
    assert "group redis has 0 host(s)" in result.stdout


@pytest.mark.parametrize("key", ["ansible_host", "bdp_address"])
def test_preflight_names_hosts_sharing_an_address_and_where_it_came_from(local_inventory, key):
    def same_address(all_):
        all_["hosts"]["de-os-data2"][key] = all_["hosts"]["de-os-data1"]["ansible_host"]

    edit_hosts(local_inventory, same_address)
    result = preflight_on("spark-master-01", local_inventory)
    assert result.returncode != 0
    assert (
        "hosts share a bdp_address: 10.0.3.33 of de-os-data1 (its ansible_host) and"
        f" de-os-data2 (its {key})"
    ) in result.stdout


def test_preflight_names_the_host_short_of_memory(local_inventory):
    result = preflight_on(
        "airflow-db-01",
        local_inventory,
        "-e",
        '{"preflight_default_minimum": {"memory_mb": 99999999, "disk_gb": 1}}',
    )
    assert result.returncode != 0
    assert "airflow-db-01 has" in result.stdout
    assert "need at least 99999999 MiB" in result.stdout


def fake_date(directory: Path, script: str) -> str:
    """A PATH whose `date` runs script (sh) instead of the real one."""
    directory.mkdir()
    (directory / "date").write_text(f"#!/bin/sh\n{script}\n")
    (directory / "date").chmod(0o755)
    return f"{directory}{os.pathsep}{os.environ['PATH']}"


def test_preflight_names_the_host_whose_clock_is_ahead(local_inventory, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", fake_date(tmp_path / "bin", 'echo "$(($(/bin/date +%s) + 60))"'))
    result = preflight_on("spark-master-01", local_inventory)
    assert result.returncode != 0
    # At most 60 s: the reading is bracketed by the control clock, never rounded up.
    assert re.search(r"spark-master-01's clock is [56]\d\.\d s ahead of", result.stdout)


def test_preflight_does_not_count_a_slow_clock_reading_as_skew(
    local_inventory, tmp_path, monkeypatch
):
    # The reading is taken, then the round trip takes longer than the skew limit.
    slow = "/bin/date +%s.%N; sleep 7"
    monkeypatch.setenv("PATH", fake_date(tmp_path / "bin", slow))
    result = preflight_on("spark-master-01", local_inventory)
    assert result.returncode == 0, result.stdout[-3000:]


def test_malformed_inventory_names_the_file(local_inventory):
    (local_inventory / "hosts.yml").write_text("all:\n  hosts: [unclosed\n")
    result = preflight_on("spark-master-01", local_inventory)
    assert result.returncode != 0
    assert "hosts.yml" in result.stdout + result.stderr


def fake_getent(directory: Path, table: dict[str, str]) -> str:
    """A PATH whose `getent hosts KEY` answers from table (key -> its hosts line), else nothing."""
    directory.mkdir()
    cases = "".join(f"  {key}) echo '{line}' ;;\n" for key, line in table.items())
    script = f'#!/bin/sh\ncase "$2" in\n{cases}  *) exit 2 ;;\nesac\n'
    (directory / "getent").write_text(script)
    (directory / "getent").chmod(0o755)
    return f"{directory}{os.pathsep}{os.environ['PATH']}"


def site_dns(inventory: Path) -> dict[str, str]:
    """What a correct DNS answers for the inventory: each name and each address."""
    hosts = yaml.safe_load((inventory / "hosts.yml").read_text())["all"]["hosts"]
    table = {name: f"{body['ansible_host']} {name}" for name, body in hosts.items()}
    table.update(
        {body["ansible_host"]: f"{body['ansible_host']} {name}" for name, body in hosts.items()}
    )
    return table


def test_preflight_trusts_the_hosts_file_the_play_writes(local_inventory, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", fake_getent(tmp_path / "bin", {}))
    result = preflight_on("spark-master-01", local_inventory)
    assert result.returncode == 0, result.stdout[-3000:]


def test_preflight_accepts_dns_that_resolves_names_both_ways(
    local_inventory, tmp_path, monkeypatch
):
    monkeypatch.setenv("PATH", fake_getent(tmp_path / "bin", site_dns(local_inventory)))
    result = preflight_on("spark-master-01", local_inventory, "-e", "common_manage_etc_hosts=false")
    assert result.returncode == 0, result.stdout[-3000:]


def test_preflight_names_a_missing_and_a_wrong_reverse_lookup(
    local_inventory, tmp_path, monkeypatch
):
    dns = site_dns(local_inventory)
    del dns["de-os-data2"]
    dns["10.0.1.10"] = "10.0.1.10 ip-10-0-1-10.internal"
    monkeypatch.setenv("PATH", fake_getent(tmp_path / "bin", dns))
    result = preflight_on("spark-master-01", local_inventory, "-e", "common_manage_etc_hosts=false")
    assert result.returncode != 0
    assert "de-os-data2 resolves to nothing, not 10.0.3.34" in result.stdout, result.stdout[-3000:]
    assert (
        "its address 10.0.1.10 resolves back to ip-10-0-1-10.internal, not spark-master-01"
        in result.stdout
    )
