"""What the lab looks like: its hosts and settings, read from inventories/lab.

The inventory is the single source of truth: `bdp lab` creates exactly the hosts that
Ansible will later deploy to, with the addresses Ansible will use to reach them.
"""

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bdp.errors import BdpError


@dataclass(frozen=True)
class LabHost:
    name: str
    address: str


@dataclass(frozen=True)
class LabSettings:
    state_dir: Path
    bridge: str
    control_address: str
    prefix_length: int
    apt_proxy_port: int
    artifact_port: int
    debian_suite: str
    base_packages: tuple[str, ...]
    boot_timeout: int

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(f"{self.control_address}/{self.prefix_length}", strict=False)

    @property
    def apt_proxy_url(self) -> str:
        return f"http://{self.control_address}:{self.apt_proxy_port}"

    @property
    def artifact_url(self) -> str:
        return f"http://{self.control_address}:{self.artifact_port}"


@dataclass(frozen=True)
class Lab:
    settings: LabSettings
    hosts: tuple[LabHost, ...]

    def select(self, names: list[str]) -> tuple[LabHost, ...]:
        """The named hosts (all hosts when names is empty); unknown names are an error."""
        if not names:
            return self.hosts
        by_name = {host.name: host for host in self.hosts}
        unknown = [name for name in names if name not in by_name]
        if unknown:
            raise BdpError(
                f"unknown lab host(s) {', '.join(unknown)}; the lab has: {', '.join(by_name)}"
            )
        return tuple(by_name[name] for name in names)


_SETTING_KEYS = {
    "lab_state_dir": "state_dir",
    "lab_bridge": "bridge",
    "lab_control_address": "control_address",
    "lab_prefix_length": "prefix_length",
    "lab_apt_proxy_port": "apt_proxy_port",
    "lab_artifact_port": "artifact_port",
    "lab_debian_suite": "debian_suite",
    "lab_base_packages": "base_packages",
    "lab_boot_timeout": "boot_timeout",
}


def parse_settings(doc: dict[str, Any], source: str) -> LabSettings:
    missing = [key for key in _SETTING_KEYS if key not in doc]
    if missing:
        raise BdpError(f"{source}: missing lab setting(s): {', '.join(missing)}")
    values = {field: doc[key] for key, field in _SETTING_KEYS.items()}
    values["state_dir"] = Path(values["state_dir"])
    values["base_packages"] = tuple(values["base_packages"])
    return LabSettings(**values)


def _collect_hosts(group: dict[str, Any], found: dict[str, dict[str, Any]]) -> None:
    for name, host_vars in (group.get("hosts") or {}).items():
        merged = found.setdefault(name, {})
        merged.update(host_vars or {})
    for child in (group.get("children") or {}).values():
        _collect_hosts(child or {}, found)


def parse_hosts(doc: dict[str, Any], settings: LabSettings, source: str) -> tuple[LabHost, ...]:
    """Every host of the inventory with its ansible_host, checked against the lab network."""
    if not isinstance(doc, dict) or not isinstance(doc.get("all"), dict):
        raise BdpError(f"{source}: expected a YAML inventory with a top-level 'all' group")
    found: dict[str, dict[str, Any]] = {}
    _collect_hosts(doc["all"], found)
    hosts: list[LabHost] = []
    seen: dict[str, str] = {}
    for name, host_vars in found.items():
        address = host_vars.get("ansible_host")
        if address is None:
            raise BdpError(f"{source}: host {name} has no ansible_host")
        try:
            ip = ipaddress.IPv4Address(address)
        except ValueError as exc:
            raise BdpError(f"{source}: host {name}: ansible_host {address!r} is no IPv4") from exc
        if ip not in settings.network or str(ip) == settings.control_address:
            raise BdpError(
                f"{source}: host {name}: {ip} must be a host address in {settings.network} "
                f"other than the control address {settings.control_address}"
            )
        if str(ip) in seen:
            raise BdpError(f"{source}: hosts {seen[str(ip)]} and {name} share address {ip}")
        seen[str(ip)] = name
        hosts.append(LabHost(name=name, address=str(ip)))
    if not hosts:
        raise BdpError(f"{source}: the inventory has no hosts")
    return tuple(hosts)


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text())
    except FileNotFoundError as exc:
        raise BdpError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        raise BdpError(f"{path}: malformed YAML: {exc}") from exc


LAB_SETTINGS_FILE = Path("group_vars/all/lab.yml")


def is_lab_inventory(inventory_dir: Path) -> bool:
    """Whether the inventory describes a lab (it carries the lab's settings)."""
    return (inventory_dir / LAB_SETTINGS_FILE).exists()


def load_lab(inventory_dir: Path) -> Lab:
    settings_file = inventory_dir / LAB_SETTINGS_FILE
    hosts_file = inventory_dir / "hosts.yml"
    settings = parse_settings(_load_yaml(settings_file) or {}, str(settings_file))
    hosts = parse_hosts(_load_yaml(hosts_file), settings, str(hosts_file))
    return Lab(settings=settings, hosts=hosts)
