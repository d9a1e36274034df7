"""Fill a staging directory: copy files, unpack zips and tars through a name mapping."""

from __future__ import annotations

import shutil
import stat
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from bdp.mirror.errors import MirrorError

Mapping = Callable[[str], str | None]


def fresh_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def place(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _write(stage: Path, relative: str, content: bytes, executable: bool) -> None:
    target = stage / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    target.chmod(0o755 if executable else 0o644)


def unpack_zip(archive: Path, mapping: Mapping, stage: Path) -> int:
    """Unpack the entries `mapping` keeps (to the path it returns); return the file count."""
    count = 0
    try:
        with zipfile.ZipFile(archive) as source:
            for entry in source.infolist():
                relative = mapping(entry.filename)
                if relative is None:
                    continue
                if entry.is_dir():
                    (stage / relative).mkdir(parents=True, exist_ok=True)
                    continue
                executable = bool((entry.external_attr >> 16) & stat.S_IXUSR)
                _write(stage, relative, source.read(entry), executable)
                count += 1
    except zipfile.BadZipFile as exc:
        raise MirrorError(f"{archive} is not a readable zip: {exc}") from exc
    return count


def unpack_tar(archive: Path, mapping: Mapping, stage: Path) -> int:
    """Like `unpack_zip` for a tar; links and devices are refused, not followed."""
    count = 0
    try:
        with tarfile.open(archive) as source:
            for member in source:
                relative = mapping(member.name)
                if relative is None:
                    continue
                if member.isdir():
                    (stage / relative).mkdir(parents=True, exist_ok=True)
                    continue
                content = source.extractfile(member) if member.isfile() else None
                if content is None:
                    raise MirrorError(f"{archive}: {member.name} is not a regular file")
                _write(stage, relative, content.read(), bool(member.mode & stat.S_IXUSR))
                count += 1
    except tarfile.TarError as exc:
        raise MirrorError(f"{archive} is not a readable tar: {exc}") from exc
    return count


def require_paths(root: Path, relatives: list[str], source: str) -> None:
    """Fail naming `source` if any expected path is absent from the staged tree."""
    absent = [relative for relative in relatives if not (root / relative).exists()]
    if absent:
        raise MirrorError(f"{source} did not provide {', '.join(absent)} under {root.name}/")
