"""Reproducible .tar.gz archives: sorted entries, fixed times and owners, normalized modes."""

from __future__ import annotations

import gzip
import tarfile
from pathlib import Path

from bdp.mirror.errors import MirrorError

# 1980-01-01T00:00:00Z, the earliest time a zip entry can carry.
FIXED_MTIME = 315532800


def archive_entries(stage: Path, top_dir: str) -> list[tuple[str, Path]]:
    """(name in archive, file on disk) for `stage/top_dir` and everything below, sorted."""
    root = stage / top_dir
    if not root.is_dir():
        raise MirrorError(f"nothing staged for {top_dir}: {root} is not a directory")
    entries = [(top_dir, root)]
    for path in root.rglob("*"):
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            raise MirrorError(f"{path}: only regular files and directories can be archived")
        entries.append((path.relative_to(stage).as_posix(), path))
    return sorted(entries)


def tar_info(name: str, path: Path) -> tarfile.TarInfo:
    """A header owned by root:root at FIXED_MTIME; mode 755 for dirs and executables, else 644."""
    info = tarfile.TarInfo(name)
    info.mtime = FIXED_MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    if path.is_dir():
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
    else:
        info.size = path.stat().st_size
        info.mode = 0o755 if path.stat().st_mode & 0o111 else 0o644
    return info


def write_tarball(stage: Path, top_dir: str, target: Path) -> int:
    """Write `stage/top_dir` to `target` as a gzip-compressed tar; return the entry count."""
    entries = archive_entries(stage, top_dir)
    with (
        target.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as packed,
        tarfile.open(fileobj=packed, mode="w", format=tarfile.PAX_FORMAT) as archive,
    ):
        for name, path in entries:
            info = tar_info(name, path)
            if info.isdir():
                archive.addfile(info)
            else:
                with path.open("rb") as content:
                    archive.addfile(info, content)
    return len(entries)
