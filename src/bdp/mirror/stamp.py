"""The sidecar stamp beside each archive, and the decision whether an archive is cached."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Stamp:
    """What an archive was built from; written last, so it marks a complete build."""

    inputs: dict[str, Any]
    sources: list[str]
    missing: list[str]
    sha512: str
    size: int


@dataclass(frozen=True)
class Decision:
    cached: bool
    reason: str


def stamp_path(archive: Path) -> Path:
    return archive.with_name(f"{archive.name}.inputs.json")


def render_stamp(stamp: Stamp) -> str:
    return json.dumps(asdict(stamp), indent=2, sort_keys=True) + "\n"


def parse_stamp(text: str) -> Stamp | None:
    """The stamp in `text`, or None when it is not a stamp this version wrote."""
    try:
        return Stamp(**json.loads(text))
    except (ValueError, TypeError):
        return None


def read_stamp(archive: Path) -> Stamp | None:
    path = stamp_path(archive)
    return parse_stamp(path.read_text(encoding="utf-8")) if path.is_file() else None


def decide(
    archive_exists: bool,
    checksum: str | None,
    stamp: Stamp | None,
    inputs: dict[str, Any],
) -> Decision:
    """Reuse an archive only if it, its .sha512 and a stamp of the same inputs all exist."""
    if not archive_exists:
        return Decision(False, "no archive yet")
    if checksum is None:
        return Decision(False, "no readable .sha512")
    if stamp is None:
        return Decision(False, "no stamp from a finished build")
    if stamp.inputs != inputs:
        return Decision(False, "inputs changed")
    if stamp.sha512 != checksum:
        return Decision(False, ".sha512 disagrees with the stamp")
    return Decision(True, "cached")
