"""Where an ansible-playbook run spent its time, from the lines the profile_tasks callback
prints (ansible.cfg enables it): every task's wall time, summed per role and per kind.

The callback prints a timestamp line when a task starts; its parenthesised duration is that
of the task before. The kind comes from the first word of the task's name, which the roles
write as a verb ("Wait for ...", "Install ...", "Render ..."), so it is a reading aid, not
an exact accounting of modules.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_HEADER = re.compile(r"^(?:TASK|RUNNING HANDLER) \[(?P<name>.*)\] \*+\s*$")
_TIMESTAMP = re.compile(r"\((?P<h>\d+):(?P<m>\d\d):(?P<s>\d\d(?:\.\d+)?)\)\s+[\d:.]+ \*+\s*$")

KINDS: dict[str, tuple[str, ...]] = {
    "waits": ("Wait",),
    "installs": ("Install", "Download", "Compile"),
    "files": ("Copy", "Render", "Unpack", "Create", "Write", "Link", "Zip", "Keep", "Upload",
              "Configure", "Set", "Record", "Tell"),
    "probes": ("Check", "Ask", "Read", "Look", "Find", "Validating", "Gathering", "Work", "Note"),
    "services": ("Start", "Restart", "Stop", "Reload", "Mark", "Clear", "Enable"),
    "commands": ("Add", "Load", "Repair", "Apply", "Format", "Migrate", "Run"),
}  # fmt: skip


@dataclass(frozen=True)
class TaskTime:
    name: str
    seconds: float

    @property
    def role(self) -> str:
        return self.name.split(" : ", 1)[0] if " : " in self.name else "(play)"

    @property
    def kind(self) -> str:
        words = self.name.split(" : ", 1)[-1].split()
        first = words[0] if words else ""
        return next((kind for kind, verbs in KINDS.items() if first in verbs), "other")


def task_times(output: str) -> list[TaskTime]:
    """Each task's wall time, in the order the tasks ran (the last task has no closing
    timestamp, as the callback prints its summary instead)."""
    times: list[TaskTime] = []
    running: str | None = None
    pending: str | None = None
    for line in output.splitlines():
        header = _HEADER.match(line)
        if header:
            pending = header["name"]
            continue
        stamp = _TIMESTAMP.search(line)
        if stamp and pending is not None:
            if running is not None:
                seconds = int(stamp["h"]) * 3600 + int(stamp["m"]) * 60 + float(stamp["s"])
                times.append(TaskTime(running, seconds))
            running, pending = pending, None
    return times


def totals(times: list[TaskTime], by: str) -> list[tuple[str, float]]:
    """Seconds per role or per kind (`by`), largest first."""
    summed: Counter[str] = Counter()
    for task in times:
        summed[getattr(task, by)] += task.seconds
    return [(key, round(seconds, 1)) for key, seconds in summed.most_common()]
