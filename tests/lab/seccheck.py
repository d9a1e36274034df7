"""What the lab's security checks (test_9b_security.py) make of what they collect: Ansible's
per-host output, listening sockets, a secret scan's report and the repository's contents.

Pure functions only, so the rules the lab test applies are unit-tested (tests/unit/
test_seccheck.py) without a lab. Nothing here ever returns a secret's value: findings name
the vault variable, so a failing test cannot print the secret it found.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

# `host | CHANGED | rc=0 >>`: the header of one host's shell result in `ansible` ad-hoc output.
_HOST_HEADER = re.compile(r"^(\S+) \| (CHANGED|SUCCESS|FAILED) \| rc=(-?\d+) >>$")
_HOST_OTHER = re.compile(r"^(\S+) \| (FAILED!|UNREACHABLE!) => ")


@dataclass(frozen=True)
class HostResult:
    rc: int
    output: str


def per_host(output: str) -> dict[str, HostResult]:
    """Each host's return code and output in `ansible <pattern> -m shell` output. A host
    Ansible could not run the command on gets rc -1 and Ansible's report as output."""
    results: dict[str, HostResult] = {}
    host, rc, lines = None, 0, []
    for line in output.splitlines():
        header, other = _HOST_HEADER.match(line), _HOST_OTHER.match(line)
        if header or other:
            if host is not None:
                results[host] = HostResult(rc, "\n".join(lines))
            host, rc = (header or other).group(1), int(header.group(3)) if header else -1
            lines = [] if header else [line]
        elif host is not None:
            lines.append(line)
    if host is not None:
        results[host] = HostResult(rc, "\n".join(lines))
    return results


# --- Listening sockets -----------------------------------------------------------------------

# What the host prints for the port check: `ss` itself, then the systemd unit of each
# listening process (from its cgroup), then the kernel's ephemeral port range.
LISTENERS_COMMAND = r"""listening=$(ss -Hltnup)
printf '%s\n' "$listening"
for pid in $(printf '%s\n' "$listening" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
  printf 'UNIT %s %s\n' "$pid" "$(sed -n 's|^0::.*/||p' "/proc/$pid/cgroup" 2>/dev/null)"
done
printf 'EPHEMERAL %s\n' "$(cat /proc/sys/net/ipv4/ip_local_port_range)"
"""


@dataclass(frozen=True)
class Listener:
    protocol: str  # tcp or udp
    address: str  # as bound: an address, or * / 0.0.0.0 / :: for all of them
    port: int
    process: str  # the command name ss reports ("" if none)
    unit: str  # the systemd unit the process runs in ("" if unknown)

    @property
    def loopback(self) -> bool:
        try:
            address = ipaddress.ip_address(self.address)
        except ValueError:  # `*`: every address
            return False
        mapped = getattr(address, "ipv4_mapped", None)
        return (mapped or address).is_loopback

    def __str__(self) -> str:
        owner = f"{self.process} ({self.unit})" if self.unit else self.process or "no process"
        return f"{self.protocol} {self.address}:{self.port} {owner}"


@dataclass(frozen=True)
class HostListeners:
    listeners: tuple[Listener, ...]
    ephemeral: range  # the kernel's ip_local_port_range


_PROCESS = re.compile(r'\("([^"]*)",pid=(\d+)')


def parse_listeners(text: str) -> HostListeners:
    """LISTENERS_COMMAND's output on one host."""
    units: dict[str, str] = {}
    sockets: list[tuple[str, str, int, str, str]] = []
    ephemeral = None
    for line in text.splitlines():
        fields = line.split()
        if not fields:
            continue
        if fields[0] == "UNIT":
            units[fields[1]] = fields[2] if len(fields) > 2 else ""
        elif fields[0] == "EPHEMERAL":
            ephemeral = range(int(fields[1]), int(fields[2]) + 1)
        elif fields[0] in ("tcp", "udp"):
            host, _, port = fields[4].rpartition(":")
            address = host.strip("[]").split("%", 1)[0]  # `127.0.0.53%lo`: bound to one device
            process = _PROCESS.search(line)
            name, pid = process.groups() if process else ("", "")
            sockets.append((fields[0], address, int(port), name, pid))
        else:
            raise ValueError(f"unexpected line in the listeners' report: {line!r}")
    if ephemeral is None:
        raise ValueError("the listeners' report lacks the ephemeral port range")
    return HostListeners(
        tuple(
            Listener(protocol, address, port, name, units.get(pid, ""))
            for protocol, address, port, name, pid in sockets
        ),
        ephemeral,
    )


@dataclass(frozen=True)
class PortRules:
    """What may listen on a host, by inventory group: `ports` (TCP port -> its service) and
    `udp_ports` (UDP port -> its service) on the hosts of each group, and any port of the
    kernel's ephemeral range for processes of the systemd units in `ephemeral_units` (unit ->
    why it cannot use fixed ports)."""

    ports: Mapping[str, Mapping[int, str]]
    ephemeral_units: Mapping[str, Mapping[str, str]]
    udp_ports: Mapping[str, Mapping[int, str]] = field(default_factory=dict)

    def allows(self, groups: Iterable[str], listener: Listener, ephemeral: range) -> bool:
        groups = set(groups)
        by_protocol = {"tcp": self.ports, "udp": self.udp_ports}.get(listener.protocol, {})
        if any(listener.port in by_protocol.get(group, {}) for group in groups):
            return True
        units = {unit for group in groups for unit in self.ephemeral_units.get(group, {})}
        return listener.port in ephemeral and listener.unit in units


def unexpected(rules: PortRules, groups: Iterable[str], found: HostListeners) -> list[Listener]:
    """The listeners on non-loopback addresses that the rules do not allow."""
    groups = list(groups)
    return [
        listener
        for listener in found.listeners
        if not listener.loopback and not rules.allows(groups, listener, found.ephemeral)
    ]


# --- Secrets in service logs ------------------------------------------------------------------


class Secrets(dict[str, str]):
    """Vault values by variable name, whose repr shows the names only: pytest prints the
    arguments of a failing test, fixtures included, and must not print these."""

    def __repr__(self) -> str:
        return f"Secrets({sorted(self)})"


SCAN_DIR = "/run/bdp-secret-scan"  # tmpfs: the shipped values never reach a disk
SECRETS_FILE = "secrets"  # `NAME VALUE` lines, shipped to SCAN_DIR before the scan
JOURNAL_HITS = "journal"  # the journal's lines that hold a value, kept in SCAN_DIR
MIN_SECRET_LENGTH = 8  # shorter values would match by chance


def secrets_file(secrets: Mapping[str, str]) -> str:
    """The file the scan reads: one `NAME VALUE` line per value long enough to search for."""
    lines = []
    for name, value in sorted(secrets.items()):
        if not re.fullmatch(r"[A-Za-z0-9_]+", name):
            raise ValueError(f"{name}: not a variable name")
        if any(character.isspace() for character in value):
            raise ValueError(f"{name}: a value with white space cannot be a grep pattern line")
        if len(value) >= MIN_SECRET_LENGTH:
            lines.append(f"{name} {value}\n")
    return "".join(lines)


# Every field of every entry, not only the messages: journald also stores each logging
# process's command line (_CMDLINE), where a password given as an argument ends up.
JOURNAL_COMMAND = "journalctl --no-pager -o export"


def scan_command(
    locations: Iterable[str], scan_dir: str = SCAN_DIR, journal: str = JOURNAL_COMMAND
) -> str:
    """A shell script that looks for every shipped value in the files under `locations`
    (shell globs) and in what `journal` prints, and prints only names: `JOURNAL n` (lines
    read), `FILES n`, one `LEAK <variable> <file>` per value found in a file (the file
    `journal` in scan_dir for the journal), then `DONE`; error messages (on stdout, so in
    order) are any other lines. It removes scan_dir, values included, whatever happens."""
    places = " ".join(locations)
    return f"""exec 2>&1
set -u
scan={scan_dir}
trap 'rm -rf "$scan"' EXIT
umask 077
mkdir "$scan/values"
while read -r name value; do printf '%s\\n' "$value" > "$scan/values/$name"; done \\
  < "$scan/{SECRETS_FILE}"
cat "$scan"/values/* > "$scan/patterns"
{journal} 2>/dev/null \\
  | awk -v count="$scan/journal-lines" '{{ print }} END {{ print NR > count }}' \\
  | grep -aF -f "$scan/patterns" > "$scan/{JOURNAL_HITS}"
printf 'JOURNAL %s\\n' "$(cat "$scan/journal-lines")"
set -- "$scan/{JOURNAL_HITS}"
for place in {places}; do if [ -e "$place" ]; then set -- "$@" "$place"; fi; done
printf 'FILES %s\\n' "$(find "$@" -type f | wc -l)"
grep -rlF -D skip -f "$scan/patterns" -- "$@" > "$scan/hits"
while IFS= read -r file; do
  for value in "$scan"/values/*; do
    if grep -qF -f "$value" -- "$file"; then printf 'LEAK %s %s\\n' "${{value##*/}}" "$file"; fi
  done
done < "$scan/hits"
echo DONE
"""


@dataclass(frozen=True)
class ScanReport:
    files: int
    journal_lines: int
    leaks: tuple[tuple[str, str], ...]  # (vault variable, file; "journal" for journald)
    complete: bool
    errors: tuple[str, ...]  # what the tools complained about


def parse_scan(text: str, scan_dir: str = SCAN_DIR) -> ScanReport:
    """scan_command's output on one host."""
    files = journal_lines = 0
    leaks: list[tuple[str, str]] = []
    errors: list[str] = []
    complete = False
    for line in text.splitlines():
        word, _, rest = line.partition(" ")
        if word == "FILES":
            files = int(rest)
        elif word == "JOURNAL":
            journal_lines = int(rest)
        elif word == "LEAK":
            name, _, path = rest.partition(" ")
            leaks.append((name, "journal" if path == f"{scan_dir}/{JOURNAL_HITS}" else path))
        elif word == "DONE" and not rest:
            complete = True
        elif line.strip():
            errors.append(line)
    return ScanReport(files, journal_lines, tuple(leaks), complete, tuple(errors))


# --- Secrets in the repository ----------------------------------------------------------------

# An ansible-vault payload: a file's first line, or an inline `!vault |` value's first line.
_VAULT_PAYLOAD = re.compile(rb"^[ \t]*\$ANSIBLE_VAULT;\d", re.MULTILINE)
VAULT_FILE = re.compile(r"inventories/[^/]+/group_vars/all/vault\.yml")


def misplaced_vault(path: str, content: bytes) -> bool:
    """Whether a file holds vault-encrypted data outside an inventory's vault.yml, where
    every secret belongs (so the lab's and production's secrets are each in one place)."""
    return not VAULT_FILE.fullmatch(path) and bool(_VAULT_PAYLOAD.search(content))


def found_secrets(secrets: Mapping[str, str], content: bytes) -> list[str]:
    """The names of the secrets (of searchable length) whose value is in `content`."""
    return sorted(
        name
        for name, value in secrets.items()
        if len(value) >= MIN_SECRET_LENGTH and value.encode() in content
    )


def git_objects(batch: bytes) -> Iterator[tuple[str, bytes]]:
    """(object id, content) of each object in `git cat-file --batch` output."""
    position = 0
    while position < len(batch):
        header_end = batch.index(b"\n", position)
        object_id, _kind, size = batch[position:header_end].decode().split()
        start = header_end + 1
        yield object_id, batch[start : start + int(size)]
        position = start + int(size) + 1  # the content is followed by a newline
