"""MANIFEST.json at the mirror root: one entry per archive that has a finished build."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bdp.mirror.stamp import Stamp


def manifest_entry(relative_path: str, stamp: Stamp) -> dict[str, Any]:
    return {
        "path": relative_path,
        "component": stamp.inputs["component"],
        "versions": stamp.inputs["versions"],
        "sha512": stamp.sha512,
        "size": stamp.size,
        "sources": stamp.sources,
        "missing": stamp.missing,
    }


def render_manifest(entries: list[dict[str, Any]]) -> str:
    ordered = sorted(entries, key=lambda entry: entry["path"])
    return json.dumps({"archives": ordered}, indent=2, sort_keys=True) + "\n"


def archive_of(stamp_file: Path) -> Path:
    """`x.tgz.inputs.json` belongs to `x.tgz`."""
    return stamp_file.with_name(stamp_file.name.removesuffix(".inputs.json"))
