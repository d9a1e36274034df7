"""Booting, stopping, killing and isolating lab hosts (systemd-nspawn containers).

The control machine may not run systemd itself, so containers are started with
--register=no --keep-unit and tracked through a pid file per host.
"""

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

from bdp.errors import BdpError
from bdp.lab.rootfs import base_dir, host_dir, ssh_dir
from bdp.lab.topology import LabHost, LabSettings
from bdp.progress import say
from bdp.shell import run


def _pid_file(settings: LabSettings, host: LabHost) -> Path:
    return host_dir(settings, host) / "nspawn.pid"


def console_log(settings: LabSettings, host: LabHost) -> Path:
    return host_dir(settings, host) / "console.log"


def _root(settings: LabSettings, host: LabHost) -> Path:
    return host_dir(settings, host) / "root"


def is_mounted(path: Path) -> bool:
    target = str(path.resolve())
    with open("/proc/self/mountinfo") as mounts:
        return any(line.split()[4] == target for line in mounts)


def mount_root(settings: LabSettings, host: LabHost) -> None:
    root = _root(settings, host)
    if is_mounted(root):
        return
    directory = host_dir(settings, host)
    options = (
        f"lowerdir={base_dir(settings)},upperdir={directory / 'upper'},workdir={directory / 'work'}"
    )
    run(["mount", "-t", "overlay", "overlay", "-o", options, str(root)])


def unmount_root(settings: LabSettings, host: LabHost) -> None:
    root = _root(settings, host)
    if root.exists() and is_mounted(root):
        run(["umount", str(root)])


def nspawn_pid(settings: LabSettings, host: LabHost) -> int | None:
    """PID of the host's systemd-nspawn process, or None when the host is not running."""
    try:
        pid = int(_pid_file(settings, host).read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return pid if f"--machine={host.name}".encode() in cmdline else None


def init_pid(settings: LabSettings, host: LabHost) -> int | None:
    """PID (on the control machine) of the container's systemd, its PID 1."""
    pid = nspawn_pid(settings, host)
    if pid is None:
        return None
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return int(children[0]) if children else None


def boot(settings: LabSettings, host: LabHost) -> None:
    if nspawn_pid(settings, host) is not None:
        return
    mount_root(settings, host)
    argv = [
        "systemd-nspawn",
        f"--directory={_root(settings, host)}",
        f"--machine={host.name}",
        "--boot",
        f"--network-bridge={settings.bridge}",
        "--register=no",
        "--keep-unit",
        "--console=pipe",
        "--link-journal=no",
        "--resolv-conf=off",
        "--timezone=off",
    ]
    with console_log(settings, host).open("ab") as log:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _pid_file(settings, host).write_text(f"{process.pid}\n")
    _wait_for_network(settings, host)


# nspawn creates a host's veth pair with its inner end named host0 on the control side before
# moving it into the container, so two hosts booting at the same instant can collide on that
# name ("Failed to add new veth interfaces ...: File exists") and one container exits. The
# next host boots once this one's pair is in place.
_NETWORK_WAIT_SECONDS = 15.0


def _wait_for_network(settings: LabSettings, host: LabHost) -> None:
    deadline = time.monotonic() + _NETWORK_WAIT_SECONDS
    while nspawn_pid(settings, host) is not None and time.monotonic() < deadline:
        try:
            _bridge_port(settings, host)
            return
        except (BdpError, OSError):
            time.sleep(0.1)


def ssh_answers(address: str, timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((address, 22), timeout=timeout) as conn:
            conn.settimeout(timeout)
            return conn.recv(4).startswith(b"SSH-")
    except OSError:
        return False


def wait_for_ssh(settings: LabSettings, hosts: tuple[LabHost, ...]) -> None:
    deadline = time.monotonic() + settings.boot_timeout
    pending = list(hosts)
    while pending:
        pending = [host for host in pending if not ssh_answers(host.address)]
        if not pending:
            return
        for host in pending:
            if nspawn_pid(settings, host) is None:
                raise BdpError(_boot_failure(settings, host, "its container exited"))
        if time.monotonic() > deadline:
            raise BdpError(
                _boot_failure(settings, pending[0], f"no SSH after {settings.boot_timeout}s")
            )
        time.sleep(1)


# Waits for the host's boot to finish, starts the units that failed once more, then lists
# those still failed. Thirteen hosts booting at once on a busy machine have seen a unit fail
# to attach to its cgroup; when that unit is systemd-user-sessions, /run/nologin stays and
# every SSH session gets a "System is booting up" banner on stderr.
_SETTLE_COMMAND = (
    "timeout 90 systemctl is-system-running --wait >/dev/null; "
    "failed=$(systemctl --failed --plain --no-legend | awk '{print $1}'); "
    '[ -z "$failed" ] || systemctl restart $failed; '
    "systemctl --failed --plain --no-legend | awk '{print $1}'"
)


def settle(settings: LabSettings, hosts: tuple[LabHost, ...]) -> None:
    """Give every host a finished boot with no failed unit, retrying failed units once; the
    units that fail twice are reported, not fatal (the deploy's own checks will judge)."""
    keys = ssh_dir(settings)
    for host in hosts:
        result = subprocess.run(
            ["ssh", "-i", str(keys / "id_ed25519"),
             "-o", f"UserKnownHostsFile={keys / 'known_hosts'}",
             "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
             f"root@{host.address}", _SETTLE_COMMAND],
            capture_output=True, text=True, timeout=settings.boot_timeout + 90, check=False,
        )  # fmt: skip
        still_failed = result.stdout.split()
        if result.returncode != 0 or still_failed:
            say(
                f"warning: {host.name}: units failed at boot and again when restarted: "
                f"{', '.join(still_failed) or result.stderr.strip()[-300:]}"
            )


def _boot_failure(settings: LabSettings, host: LabHost, reason: str) -> str:
    log = console_log(settings, host)
    tail = log.read_text(errors="replace").splitlines()[-10:] if log.exists() else []
    return f"lab host {host.name} ({host.address}) failed to boot: {reason}; console log {log}" + (
        "".join(f"\n  {line}" for line in tail)
    )


def _wait_exit(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists():
            return True
        time.sleep(0.2)
    return False


def stop(settings: LabSettings, host: LabHost, grace_seconds: float = 60) -> None:
    """Clean shutdown: SIGTERM makes nspawn power the container off."""
    pid = nspawn_pid(settings, host)
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    if not _wait_exit(pid, grace_seconds):
        kill(settings, host)


def kill(settings: LabSettings, host: LabHost) -> None:
    """Hard crash: SIGKILL to the container's PID 1 takes every process in it down at once."""
    pid = nspawn_pid(settings, host)
    init = init_pid(settings, host)
    if init is not None:
        os.kill(init, signal.SIGKILL)
    if pid is not None and not _wait_exit(pid, 30):
        os.kill(pid, signal.SIGKILL)


def _bridge_port(settings: LabSettings, host: LabHost) -> str:
    """Name of the control-side veth of the host: the peer of its host0 interface."""
    init = init_pid(settings, host)
    if init is None:
        raise BdpError(f"lab host {host.name} is not running")
    link = run(
        ["nsenter", f"--target={init}", "--net", "ip", "-o", "link", "show", "dev", "host0"]
    ).stdout
    match = re.search(r"host0@if(\d+):", link)
    if match is None:
        raise BdpError(f"lab host {host.name}: cannot find its host0 interface in {link!r}")
    peer_index = match.group(1)
    for interface in Path("/sys/class/net").iterdir():
        if (interface / "ifindex").read_text().strip() == peer_index:
            return interface.name
    raise BdpError(f"lab host {host.name}: no bridge port with ifindex {peer_index}")


def remove_orphan_bridge_ports(settings: LabSettings, hosts: tuple[LabHost, ...]) -> None:
    """Delete the bridge's veths that belong to no running host. A control machine restored
    from a snapshot keeps the veths of containers that no longer run, and nspawn then fails
    to create a booting host's pair ("File exists")."""
    ports_dir = Path(f"/sys/class/net/{settings.bridge}/brif")
    if not ports_dir.is_dir():
        return
    in_use = {_bridge_port(settings, h) for h in hosts if nspawn_pid(settings, h) is not None}
    for port in sorted(p.name for p in ports_dir.iterdir()):
        if port not in in_use:
            run(["ip", "link", "delete", "dev", port])
            say(f"removed bridge port {port}, left by a host that no longer runs")


def set_isolated(settings: LabSettings, host: LabHost, isolated: bool) -> None:
    port = _bridge_port(settings, host)
    run(["ip", "link", "set", "dev", port, "down" if isolated else "up"])


def is_isolated(settings: LabSettings, host: LabHost) -> bool:
    port = _bridge_port(settings, host)
    return "UP" not in Path(f"/sys/class/net/{port}/operstate").read_text().upper()


def exec_in(settings: LabSettings, host: LabHost, command: list[str]) -> int:
    init = init_pid(settings, host)
    if init is None:
        raise BdpError(f"lab host {host.name} is not running")
    return subprocess.call(["nsenter", f"--target={init}", "--all", *command])
