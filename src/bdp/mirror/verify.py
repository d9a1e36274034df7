"""`bdp mirror verify`: re-hash every archive under the mirror against its .sha512."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bdp.mirror.checksum import check_archive
from bdp.mirror.errors import MirrorError
from bdp.mirror.layout import CACHE_DIR

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz")


def find_archives(dest: Path) -> tuple[list[Path], list[Path]]:
    """(archives, .sha512 files without an archive) under `dest`, outside the cache."""
    files = [
        path
        for path in sorted(dest.rglob("*"))
        if path.is_file() and CACHE_DIR not in path.relative_to(dest).parts
    ]
    archives = [path for path in files if path.name.endswith(ARCHIVE_SUFFIXES)]
    orphans = [
        path
        for path in files
        if path.name.endswith(".sha512") and not path.with_suffix("").is_file()
    ]
    return archives, orphans


def verify(dest: Path, log: Callable[[str], None]) -> list[str]:
    """Check every archive; log each result and return the problems found."""
    if not dest.is_dir():
        return [f"{dest}: no such mirror directory"]
    archives, orphans = find_archives(dest)
    problems = [f"{path}: checksum file without its archive" for path in orphans]
    if not archives:
        problems.append(f"{dest}: no archives (*.tar.gz, *.tgz) found")
    for archive in archives:
        relative = archive.relative_to(dest)
        try:
            check_archive(archive)
        except MirrorError as exc:
            log(f"FAILED {relative}")
            problems.append(str(exc))
        else:
            log(f"OK     {relative}")
    return problems
