"""Sub-commands of `bdp lab`."""

import argparse
import os
import shutil
from pathlib import Path

from bdp.errors import BdpError
from bdp.lab import control, machines, rootfs, services, vault
from bdp.lab.topology import Lab, LabHost, load_lab
from bdp.paths import repo_root
from bdp.progress import say

REQUIRED_TOOLS = {
    "systemd-nspawn": "systemd-container",
    "debootstrap": "debootstrap",
    "apt-cacher-ng": "apt-cacher-ng",
    "ssh-keygen": "openssh-client",
    "ip": "iproute2",
    "nsenter": "util-linux",
}


def _require_control_machine() -> None:
    if os.geteuid() != 0:
        raise BdpError(
            "the lab needs root (it mounts overlays, creates a bridge, boots containers)"
        )
    missing = [
        f"{tool} (package {pkg})" for tool, pkg in REQUIRED_TOOLS.items() if not shutil.which(tool)
    ]
    if missing:
        raise BdpError(f"missing on the control machine: {', '.join(missing)}; run `make setup`")


def _lab(args: argparse.Namespace) -> Lab:
    return load_lab(Path(args.inventory))


def _start_services(lab: Lab, mirror_dir: Path) -> None:
    control.ensure_bridge(lab.settings)
    control.ensure_kernel_settings()
    services.apt_proxy(lab.settings).start()
    services.artifact_server(lab.settings, mirror_dir).start()
    say(
        f"bridge {lab.settings.bridge} up; apt proxy {lab.settings.apt_proxy_url}; "
        f"artifact mirror {lab.settings.artifact_url} (serving {mirror_dir})"
    )


def _boot(lab: Lab, hosts: tuple[LabHost, ...]) -> None:
    machines.remove_orphan_bridge_ports(lab.settings, lab.hosts)
    for host in hosts:
        machines.boot(lab.settings, host)
    say(f"booting {len(hosts)} host(s); waiting for SSH")
    machines.wait_for_ssh(lab.settings, hosts)
    machines.settle(lab.settings, hosts)
    say(f"{len(hosts)} host(s) booted and answer SSH")


def cmd_create(args: argparse.Namespace) -> int:
    _require_control_machine()
    lab = _lab(args)
    _start_services(lab, Path(args.mirror_dir))
    key = rootfs.ensure_client_key(lab.settings)
    rootfs.ensure_base(lab, key.with_suffix(".pub").read_text())
    entries = [(host, rootfs.ensure_host_files(lab, host)) for host in lab.hosts]
    rootfs.write_known_hosts(lab, entries)
    vault.ensure_lab_secrets(lab.settings, Path(args.inventory))
    control.write_hosts_block(control.hosts_block(lab))
    _boot(lab, lab.hosts)
    return cmd_status(args)


def cmd_start(args: argparse.Namespace) -> int:
    _require_control_machine()
    lab = _lab(args)
    hosts = lab.select(args.hosts)
    absent = [h.name for h in hosts if not (rootfs.host_dir(lab.settings, h) / "upper").exists()]
    if absent:
        raise BdpError(f"not created yet: {', '.join(absent)}; run `bdp lab create`")
    _start_services(lab, Path(args.mirror_dir))
    _boot(lab, hosts)
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    _require_control_machine()
    lab = _lab(args)
    hosts = lab.select(args.hosts)
    for host in hosts:
        machines.stop(lab.settings, host)
        say(f"{host.name} stopped")
    if not args.hosts:
        services.apt_proxy(lab.settings).stop()
        services.artifact_server(lab.settings, Path(args.mirror_dir)).stop()
    return 0


def cmd_destroy(args: argparse.Namespace) -> int:
    _require_control_machine()
    lab = _lab(args)
    for host in lab.hosts:
        machines.kill(lab.settings, host)
        machines.unmount_root(lab.settings, host)
        rootfs.remove_host_files(lab.settings, host)
    services.apt_proxy(lab.settings).stop()
    services.artifact_server(lab.settings, Path(args.mirror_dir)).stop()
    control.write_hosts_block("")
    control.remove_bridge(lab.settings)
    (rootfs.ssh_dir(lab.settings) / "known_hosts").unlink(missing_ok=True)
    if args.purge:
        shutil.rmtree(lab.settings.state_dir, ignore_errors=True)
    say(f"lab destroyed{' (base image and apt cache removed too)' if args.purge else ''}")
    return 0


def _state(lab: Lab, host: LabHost) -> str:
    if machines.nspawn_pid(lab.settings, host) is None:
        return "stopped"
    if machines.is_isolated(lab.settings, host):
        return "isolated"
    return "running" if machines.ssh_answers(host.address) else "booting"


def cmd_status(args: argparse.Namespace) -> int:
    lab = _lab(args)
    print(f"{'HOST':<20} {'ADDRESS':<15} STATE")
    states = {host.name: _state(lab, host) for host in lab.hosts}
    for host in lab.hosts:
        print(f"{host.name:<20} {host.address:<15} {states[host.name]}")
    return 0 if all(state == "running" for state in states.values()) else 3


def cmd_kill(args: argparse.Namespace) -> int:
    _require_control_machine()
    lab = _lab(args)
    for host in lab.select(args.hosts):
        machines.kill(lab.settings, host)
        say(f"{host.name} killed (SIGKILL to its PID 1)")
    return 0


def cmd_isolate(args: argparse.Namespace) -> int:
    _require_control_machine()
    lab = _lab(args)
    for host in lab.select(args.hosts):
        machines.set_isolated(lab.settings, host, isolated=True)
        say(f"{host.name} isolated (its bridge port is down)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Undo kill or isolate: boot what is down, reconnect what is cut off."""
    _require_control_machine()
    lab = _lab(args)
    hosts = lab.select(args.hosts)
    down = tuple(host for host in hosts if machines.nspawn_pid(lab.settings, host) is None)
    for host in hosts:
        if host not in down:
            machines.set_isolated(lab.settings, host, isolated=False)
    if down:
        _boot(lab, down)
    say(f"restored {', '.join(host.name for host in hosts)}")
    return 0


def cmd_exec(args: argparse.Namespace) -> int:
    lab = _lab(args)
    (host,) = lab.select([args.host])
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        raise BdpError("give a command after --, e.g. bdp lab exec HOST -- systemctl status")
    return machines.exec_in(lab.settings, host, command)


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "lab",
        help="create and operate the 13-host lab (systemd-nspawn containers)",
        description="The lab: the production topology as containers on this machine.",
    )
    root = None
    try:
        root = repo_root()
    except BdpError:
        root = Path.cwd()
    parser.add_argument(
        "--inventory",
        default=str(root / "inventories" / "lab"),
        help="lab inventory directory (default: %(default)s)",
    )
    parser.add_argument(
        "--mirror-dir",
        default=str(root / "mirror"),
        help="artifact mirror directory served to the hosts (default: %(default)s)",
    )
    commands = parser.add_subparsers(dest="lab_command", required=True, metavar="ACTION")

    def add(name: str, func: object, help_text: str, hosts: str = "") -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(func=func)
        if hosts == "optional":
            sub.add_argument("hosts", nargs="*", metavar="HOST", help="default: every host")
        elif hosts == "required":
            sub.add_argument("hosts", nargs="+", metavar="HOST")
        return sub

    add("create", cmd_create, "build the base image and hosts if needed, then boot all hosts")
    add("start", cmd_start, "start the lab services and boot created hosts", hosts="optional")
    add("stop", cmd_stop, "shut hosts down cleanly (all hosts also stops the services)", "optional")
    destroy = add("destroy", cmd_destroy, "stop and delete every host (keeps the base image)")
    destroy.add_argument("--purge", action="store_true", help="also delete base image and caches")
    add("status", cmd_status, "show each host's address and state (exit 3 unless all running)")
    add("kill", cmd_kill, "crash hosts hard (SIGKILL to their PID 1)", hosts="required")
    add("isolate", cmd_isolate, "cut hosts off the network (they keep running)", "required")
    add("restore", cmd_restore, "boot killed hosts and reconnect isolated ones", "required")
    execute = add("exec", cmd_exec, "run a command inside a host (as root, via nsenter)")
    execute.add_argument("host", metavar="HOST")
    execute.add_argument("command", nargs=argparse.REMAINDER, metavar="-- COMMAND")
