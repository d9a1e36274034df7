"""What the benchmarks do on lab hosts: run a shell command, write a file, say what happens.

A failure ends the benchmark with Ansible's report (a benchmark has nothing to assert).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from bdp_testkit.helpers import run_tool

REPO = Path(__file__).resolve().parents[1]


def say(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def _ansible(host: str, module: str, arguments: str, what: str) -> str:
    result = run_tool("ansible", "-i", "inventories/lab", host, "-m", module, "-a", arguments)
    if result.returncode != 0:
        sys.exit(f"bench: {what} failed on {host}:\n{result.stdout[-3000:]}")
    return result.stdout.split("\n", 1)[1]


def on_host(host: str, command: str) -> str:
    """Run a shell command on `host`; its stdout."""
    return _ansible(host, "ansible.builtin.shell", command, f"`{command[:120]}`")


def put_file(host: str, path: str, content: str) -> None:
    _ansible(
        host, "ansible.builtin.copy", f"dest={path} mode=0644 content={json.dumps(content)}",
        f"writing {path}",
    )  # fmt: skip


def copy_file(host: str, source: Path, path: str) -> None:
    _ansible(
        host, "ansible.builtin.copy", f"src={source} dest={path} mode=0644", f"copying {source}"
    )


def report(results: dict[str, object], json_path: str | None) -> None:
    """The results as aligned `name  value` lines, and as JSON in `json_path` if given."""
    width = max(len(key) for key in results)
    print("\n".join(f"{key.ljust(width)}  {value}" for key, value in results.items()))
    if json_path:
        Path(json_path).write_text(json.dumps(results, indent=2) + "\n")
