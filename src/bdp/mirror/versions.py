"""Read the bill of materials (`bdp_versions`) from the versions file."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

from bdp.mirror.errors import MirrorError

VERSIONS_KEY = "bdp_versions"


def load_versions(path: Path) -> dict[str, str]:
    """The `bdp_versions` mapping of a versions file, every value as a string."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MirrorError(f"cannot read {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise MirrorError(f"{path} is not valid YAML: {exc}") from exc
    table = document.get(VERSIONS_KEY) if isinstance(document, dict) else None
    if not isinstance(table, dict):
        raise MirrorError(f"{path}: missing mapping {VERSIONS_KEY}")
    return {str(key): str(value) for key, value in table.items()}


def require(versions: Mapping[str, str], key: str, path: Path) -> str:
    """One version, or an error naming the missing key and the file."""
    value = versions.get(key, "")
    if not value:
        raise MirrorError(f"{path}: missing key {VERSIONS_KEY}.{key}")
    return value
