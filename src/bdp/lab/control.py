"""Changes the lab makes on the control machine: bridge, kernel settings, /etc/hosts."""

from pathlib import Path

from bdp.lab.topology import Lab, LabSettings
from bdp.shell import run

HOSTS_FILE = Path("/etc/hosts")
BLOCK_BEGIN = "# BEGIN bdp-lab hosts"
BLOCK_END = "# END bdp-lab hosts"

# Containers share the control machine's kernel, so kernel-wide settings the services
# need (OpenSearch's mmap count above all) are made here, once for all lab hosts.
KERNEL_SETTINGS = {"vm.max_map_count": 262144, "net.ipv4.ip_forward": 0}


def replace_block(text: str, body: str) -> str:
    """text with the bdp-lab block replaced by body (or removed when body is empty)."""
    lines = text.splitlines()
    if BLOCK_BEGIN in lines and BLOCK_END in lines:
        start, end = lines.index(BLOCK_BEGIN), lines.index(BLOCK_END)
        lines = lines[:start] + lines[end + 1 :]
    if body:
        lines += [BLOCK_BEGIN, *body.splitlines(), BLOCK_END]
    return "\n".join(lines) + "\n"


def hosts_block(lab: Lab) -> str:
    return "\n".join(f"{host.address}\t{host.name}" for host in lab.hosts)


def write_hosts_block(body: str) -> None:
    current = HOSTS_FILE.read_text()
    updated = replace_block(current, body)
    if updated != current:
        # /etc/hosts may be a bind mount: rewrite in place instead of replacing the file.
        with HOSTS_FILE.open("w") as hosts:
            hosts.write(updated)


def bridge_exists(settings: LabSettings) -> bool:
    return Path(f"/sys/class/net/{settings.bridge}").exists()


def ensure_bridge(settings: LabSettings) -> None:
    if not bridge_exists(settings):
        run(["ip", "link", "add", settings.bridge, "type", "bridge"])
    address = f"{settings.control_address}/{settings.prefix_length}"
    shown = run(["ip", "-o", "-4", "addr", "show", "dev", settings.bridge]).stdout
    if address not in shown:
        run(["ip", "addr", "add", address, "dev", settings.bridge])
    run(["ip", "link", "set", settings.bridge, "up"])


def remove_bridge(settings: LabSettings) -> None:
    if bridge_exists(settings):
        run(["ip", "link", "del", settings.bridge])


def ensure_kernel_settings() -> None:
    for key, wanted in KERNEL_SETTINGS.items():
        path = Path("/proc/sys") / key.replace(".", "/")
        current = int(path.read_text().split()[0])
        if key == "vm.max_map_count" and current >= wanted:
            continue
        if current != wanted:
            run(["sysctl", "-q", "-w", f"{key}={wanted}"])
