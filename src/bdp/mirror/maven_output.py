"""Read Maven's error output: which artifacts Central lacks, and a message naming them."""

from __future__ import annotations

import re

# An artifact Maven reports absent: "Could not find artifact G:A:T:V in ..." or
# "G:A:T:V was not found in ..." (the latter when the miss is cached in ~/.m2).
_NOT_FOUND = re.compile(r"Could not find artifact (\S+)|(\S+) was not found in")
_ARTIFACT = re.compile(r"[A-Za-z0-9_.\-]+(?::[A-Za-z0-9_.\-]+){3,4}")
# Maven 3.8 prints terminal resets even in batch mode.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def error_lines(output: str) -> list[str]:
    """Maven's non-empty `[ERROR]` lines, without the prefix."""
    found = []
    for line in _ANSI.sub("", output).splitlines():
        if line.startswith("[ERROR]") and line[7:].strip():
            found.append(line[7:].strip())
    return found


def missing_artifacts(output: str) -> list[str]:
    """Artifacts Maven reports as absent from the repository (not network failures)."""
    missing: list[str] = []
    for line in error_lines(output):
        for match in _NOT_FOUND.finditer(line):
            artifact = match.group(1) or match.group(2)
            if _ARTIFACT.fullmatch(artifact) and artifact not in missing:
                missing.append(artifact)
    return missing


def failure_message(component: str, action: str, output: str) -> str:
    """One message naming the component, what was being done, and what Maven lacked."""
    missing = missing_artifacts(output)
    if missing:
        return f"{component}: Maven could not resolve {', '.join(missing)} while {action}"
    details = error_lines(output)[:3] or output.strip().splitlines()[-5:]
    return f"{component}: Maven failed while {action}:\n  " + "\n  ".join(details)
