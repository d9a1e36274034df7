"""Root file systems of the lab hosts: one shared Debian base, one overlay per host.

The base is made once with debootstrap and never written to again; each host's own
files (hostname, address, machine id, SSH host key) live in its overlay upper dir, so
13 hosts cost one base image plus what the roles install on each.
"""

import re
import shutil
import uuid
from pathlib import Path

from bdp.errors import BdpError
from bdp.lab.topology import Lab, LabHost, LabSettings
from bdp.progress import say
from bdp.shell import run

SOURCES_FILES = (Path("/etc/apt/sources.list"), Path("/etc/apt/sources.list.d"))


# ---- pure renderers -------------------------------------------------------------------


def debian_mirror_from_sources(texts: list[str], suite: str) -> str:
    """The Debian mirror URI the control machine's own apt uses for `suite`.

    Accepts one-line (`deb URI SUITE COMPONENTS`) and deb822 (`URIs:`/`Suites:`) sources.
    """
    for text in texts:
        for line in text.splitlines():
            parts = re.sub(r"\[[^]]*\]", "", line.split("#", 1)[0]).split()
            if len(parts) >= 3 and parts[0] == "deb" and parts[2] == suite:
                return parts[1].rstrip("/")
        for stanza in re.split(r"\n\s*\n", text):
            fields = dict(
                (key.strip().lower(), value.strip())
                for key, _, value in (
                    line.partition(":") for line in stanza.splitlines() if not line.startswith("#")
                )
                if value
            )
            if suite in fields.get("suites", "").split() and "uris" in fields:
                return fields["uris"].split()[0].rstrip("/")
    raise BdpError(
        f"no Debian '{suite}' source found in the control machine's apt sources "
        f"({', '.join(map(str, SOURCES_FILES))}); the lab's apt proxy forwards to that mirror"
    )


def render_network_file(host: LabHost, settings: LabSettings) -> str:
    # Sorts before the image's own 80-container-host0.network, which would ask for DHCP.
    return (
        "[Match]\nName=host0\n\n"
        f"[Network]\nAddress={host.address}/{settings.prefix_length}\n"
        "LinkLocalAddressing=no\nIPv6AcceptRA=no\n"
    )


def render_etc_hosts(lab: Lab) -> str:
    # Same block the common role writes, so a deploy finds it already in place.
    lines = ["127.0.0.1\tlocalhost", "::1\t\tlocalhost ip6-localhost ip6-loopback"]
    lines += ["# BEGIN bdp cluster hosts"]
    lines += [f"{host.address}\t{host.name}" for host in lab.hosts]
    lines += ["# END bdp cluster hosts"]
    return "\n".join(lines) + "\n"


def render_apt_conf(settings: LabSettings) -> str:
    # The registry mirror may be a frozen snapshot whose Release files are past Valid-Until.
    return (
        f'Acquire::http::Proxy "{settings.apt_proxy_url}";\n'
        'Acquire::Check-Valid-Until "false";\n'
        'APT::Install-Recommends "false";\n'
    )


def render_sources_list(mirror: str, suite: str) -> str:
    return f"deb {mirror} {suite} main\n"


def render_known_hosts(entries: list[tuple[LabHost, str]]) -> str:
    return "".join(f"{host.name},{host.address} {public_key}\n" for host, public_key in entries)


# ---- paths ---------------------------------------------------------------------------


def base_dir(settings: LabSettings) -> Path:
    return settings.state_dir / "base"


def host_dir(settings: LabSettings, host: LabHost) -> Path:
    return settings.state_dir / "hosts" / host.name


def ssh_dir(settings: LabSettings) -> Path:
    return settings.state_dir / "ssh"


# ---- file system work ----------------------------------------------------------------


def control_debian_mirror(suite: str) -> str:
    texts: list[str] = []
    for source in SOURCES_FILES:
        files = sorted(source.glob("*")) if source.is_dir() else [source]
        texts += [path.read_text() for path in files if path.is_file()]
    return debian_mirror_from_sources(texts, suite)


def ensure_client_key(settings: LabSettings) -> Path:
    """The SSH key Ansible uses for the lab, generated once."""
    directory = ssh_dir(settings)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = directory / "id_ed25519"
    if not key.exists():
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bdp-lab", "-f", str(key)])
    return key


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def ensure_base(lab: Lab, public_key: str) -> Path:
    """Build the shared base image once; a failed build leaves nothing behind."""
    settings = lab.settings
    base = base_dir(settings)
    if (base / "etc" / "bdp-lab-base").exists():
        return base
    partial = base.with_name("base.partial")
    shutil.rmtree(partial, ignore_errors=True)
    mirror = control_debian_mirror(settings.debian_suite)
    say(f"building the lab base image with debootstrap ({settings.debian_suite}, ~1 min)")
    run(
        [
            "debootstrap",
            "--variant=minbase",
            f"--include={','.join(settings.base_packages)}",
            settings.debian_suite,
            str(partial),
            mirror,
        ]
    )
    for key_file in (partial / "etc" / "ssh").glob("ssh_host_*"):
        key_file.unlink()
    _write(
        partial / "etc/ssh/sshd_config.d/10-bdp-lab.conf",
        "HostKey /etc/ssh/ssh_host_ed25519_key\nPasswordAuthentication no\n",
    )
    run(["chroot", str(partial), "systemctl", "enable", "systemd-networkd"])
    _write(partial / "etc/apt/apt.conf.d/01bdp-lab", render_apt_conf(settings))
    _write(partial / "etc/apt/sources.list", render_sources_list(mirror, settings.debian_suite))
    # No DNS server is reachable from the lab; names come from /etc/hosts.
    _write(partial / "etc/resolv.conf", "")
    _write(partial / "etc/hosts", render_etc_hosts(lab))
    _write(partial / "etc/machine-id", "")
    (partial / "root/.ssh").mkdir(mode=0o700, exist_ok=True)
    _write(partial / "root/.ssh/authorized_keys", public_key, mode=0o600)
    _write(partial / "etc/bdp-lab-base", f"built from {settings.debian_suite}\n")
    if base.exists():
        shutil.rmtree(base)
    partial.rename(base)
    return base


def ensure_host_files(lab: Lab, host: LabHost) -> str:
    """Write the host's own files into its overlay upper dir; return its SSH host key."""
    settings = lab.settings
    upper = host_dir(settings, host) / "upper"
    key = upper / "etc/ssh/ssh_host_ed25519_key"
    if not key.exists():
        for directory in ("upper", "work", "root"):
            (host_dir(settings, host) / directory).mkdir(parents=True, exist_ok=True)
        _write(upper / "etc/hostname", f"{host.name}\n")
        _write(upper / "etc/machine-id", f"{uuid.uuid4().hex}\n", mode=0o444)
        _write(upper / "etc/systemd/network/10-host0.network", render_network_file(host, settings))
        key.parent.mkdir(parents=True, exist_ok=True)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", host.name, "-f", str(key)])
    public = key.with_suffix(".pub").read_text().split()
    return f"{public[0]} {public[1]}"


def write_known_hosts(lab: Lab, entries: list[tuple[LabHost, str]]) -> None:
    _write(ssh_dir(lab.settings) / "known_hosts", render_known_hosts(entries), mode=0o600)


def remove_host_files(settings: LabSettings, host: LabHost) -> None:
    shutil.rmtree(host_dir(settings, host), ignore_errors=True)
