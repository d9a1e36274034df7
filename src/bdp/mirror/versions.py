"""Find the repository root and read the bill of materials (`bdp_versions`) from it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml

from bdp.mirror.errors import MirrorError

VERSIONS_FILE = Path("ansible/group_vars/all/versions.yml")
VERSIONS_KEY = "bdp_versions"


def find_repo_root(starts: Iterable[Path]) -> Path:
    """The first directory at or above one of `starts` that holds the versions file."""
    tried = []
    for start in starts:
        for directory in (start, *start.parents):
            if (directory / VERSIONS_FILE).is_file():
                return directory
        tried.append(str(start))
    raise MirrorError(
        f"cannot find {VERSIONS_FILE} in or above {', '.join(tried)}; pass --repo-root"
    )


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
