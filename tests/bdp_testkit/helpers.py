"""Shared by the test suites and the benchmarks: where things are and how to run the
toolchain's commands."""

import contextlib
import itertools
import os
import re
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]  # tests/bdp_testkit/helpers.py
BIN = Path(sys.executable).parent


@cache
def _lab_vault_password() -> Path:
    """The file `bdp lab create` writes the lab vault's password to; Ansible needs it to read
    the lab's vault.yml. Found on first use, not at import: bdp.lab imports Ansible, and with
    the lab inventory's parse that would cost every unit test run that imports this module."""
    from bdp.lab.topology import load_lab
    from bdp.lab.vault import password_file

    return password_file(load_lab(REPO / "inventories" / "lab").settings)


def _tool(argv: tuple[str, ...]) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of a toolchain command (ansible-playbook, bdp, ...)."""
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible" / "ansible.cfg"), NO_COLOR="1")
    env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"
    env.pop("ANSIBLE_FORCE_COLOR", None)
    password = _lab_vault_password()
    if password.exists():
        env.setdefault("ANSIBLE_VAULT_PASSWORD_FILE", str(password))
    return [str(BIN / argv[0]) if (BIN / argv[0]).exists() else argv[0], *argv[1:]], env


def run_tool(*argv: str, cwd: Path = REPO, timeout: float = 1800) -> subprocess.CompletedProcess:
    """Run a command of the pinned toolchain and capture it."""
    command, env = _tool(argv)
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def start_tool(*argv: str, own_group: bool = False) -> subprocess.Popen:
    """Start a command of the pinned toolchain in the background, its output captured; with
    own_group, in a process group of its own that `kill_group` ends whole."""
    command, env = _tool(argv)
    return subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=own_group,
    )


def kill_group(process: subprocess.Popen) -> None:
    """Kill a process started with own_group and everything it started: its SSH connections
    and workers hold its output pipe open, so killing the process alone leaves a reader
    waiting for an end of file that never comes."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


_FAILURE = re.compile(r"^(?:fatal|failed): \[(?P<host>[^\]]+)\]")
_TASK = re.compile(r"^TASK \[(?P<task>.*)\] \*+$")
_RESULT = re.compile(r"^(?P<status>ok|changed): \[(?P<host>[^\]\s]+)")


def run_playbook(*argv: str, timeout: float = 1800) -> subprocess.CompletedProcess:
    """Run `ansible-playbook ARGV`, its output (stderr included) captured like run_tool's, and
    print each play as it starts and each failed task as it fails, so a 20-minute site.yml
    shows where it is."""
    lines: list[str] = []
    with start_tool("ansible-playbook", *argv, own_group=True) as process:
        watchdog = threading.Timer(timeout, kill_group, (process,))
        watchdog.start()
        try:
            for line in process.stdout or ():
                lines.append(line)
                if line.startswith("PLAY [") and "]" in line:
                    news = f"play: {line[len('PLAY [') : line.index(']')]}"
                elif _FAILURE.match(line):
                    news = line.strip()
                else:
                    continue
                print(f"[ansible {datetime.now(UTC):%H:%M:%S}] {news}", flush=True)
        except BaseException:
            # An interrupted test (Ctrl-C, CI's time limit) must not leave a deploy running.
            kill_group(process)
            raise
        finally:
            watchdog.cancel()
    if process.returncode == -9:
        lines.append(f"\n(killed after {timeout:.0f} s)\n")
    return subprocess.CompletedProcess(process.args, process.returncode, "".join(lines), "")


# A fresh site.yml takes about 30 minutes on a 2-core machine: run_playbook's default
# 30 minutes is too close.
SITE_YML_TIMEOUT = 3600


def run_site_yml() -> subprocess.CompletedProcess:
    """site.yml against the lab, as run_playbook runs it, with the time a fresh deploy needs."""
    return run_playbook("-i", "inventories/lab", "site.yml", timeout=SITE_YML_TIMEOUT)


def playbook_failures(output: str) -> list[str]:
    """One line per failed (not ignored) task result of an ansible-playbook run: host, task,
    msg and stderr, so a test's failure message says where a 20-minute run broke."""
    failures: list[str] = []
    task = "?"
    lines = output.splitlines()
    for number, line in enumerate(lines):
        if header := _TASK.match(line):
            task = header["task"]
        elif failure := _FAILURE.match(line):
            result = _indented(lines[number + 1 :], "    ")
            ignored = lines[number + 1 + len(result) : number + 2 + len(result)] == ["...ignoring"]
            if not ignored:
                said = [_result_field(result, key) for key in ("msg", "stderr")]
                summary = " | ".join(text for text in said if text) or "(no msg)"
                failures.append(f"{failure['host']}: TASK [{task}]: {summary}")
    return failures


def _result_field(result: list[str], key: str) -> str:
    """A top-level field of a result printed by the yaml result format, on one line."""
    for number, line in enumerate(result):
        if line.startswith(f"    {key}:"):
            first = line.removeprefix(f"    {key}:").strip()
            first = "" if first in (">", ">-", "|", "|-") else first
            rest = _indented(result[number + 1 :], "        ")
            return " ".join([first, *(text.strip() for text in rest)]).strip(" '\"")[:400]
    return ""


def _indented(lines: list[str], indent: str) -> list[str]:
    """The leading lines that start with `indent`."""
    return list(itertools.takewhile(lambda text: text.startswith(indent), lines))


def playbook_report(result: subprocess.CompletedProcess) -> str:
    """What a test says when a playbook failed: its failed tasks first (CI shows the start of a
    failure message) or else its last line, then the end of its output."""
    first = playbook_failures(result.stdout) or result.stdout.strip().splitlines()[-1:]
    return "\n".join([*first, "", result.stdout[-5000:]])


def play_recap(output: str) -> dict[str, dict[str, int]]:
    """Per-host counters of the PLAY RECAP at the end of an ansible-playbook run."""
    recap: dict[str, dict[str, int]] = {}
    in_recap = False
    for line in output.splitlines():
        if line.startswith("PLAY RECAP"):
            in_recap, recap = True, {}
            continue
        fields = line.split()
        if in_recap and len(fields) > 2 and fields[1] == ":":
            recap[fields[0]] = {
                key: int(value) for key, value in (field.split("=") for field in fields[2:])
            }
        elif in_recap and not line.strip():
            in_recap = False
    return recap


def task_results(output: str) -> list[tuple[str, str, str]]:
    """(task, host, status) of every ok or changed result of a playbook's output, in order."""
    results, task = [], ""
    for line in output.splitlines():
        if found := _TASK.match(line):
            task = found["task"]
        elif found := _RESULT.match(line):
            results.append((task, found["host"], found["status"]))
    return results


def restarted_one_at_a_time(output: str, restart: re.Pattern, gates: tuple[str, ...]) -> list[str]:
    """The hosts a rolling restart restarted, in order, from the playbook's output; fails if a
    host was restarted before every gate task passed after the previous one. `restart`
    matches the restarting task (its `host` group names the host when the task is delegated)."""
    order: list[str] = []
    passed = set(gates)
    for task, host, status in task_results(output):
        if (restarting := restart.match(task)) and status == "changed":
            host = restarting.groupdict().get("host") or host
            if not order or order[-1] != host:
                assert passed == set(gates), f"{host} restarted before {order[-1]} passed {gates}"
                order.append(host)
                passed = set()
        elif order and task in gates:
            passed.add(task)
            print(f"[lab] after restarting {order[-1]}: {task}", flush=True)
    assert passed == set(gates), f"the gates did not all pass after {order[-1]}"
    return order
