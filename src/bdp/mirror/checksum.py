"""sha512 sidecar files in `sha512sum` format, and checking archives against them."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from bdp.mirror.atomic import write_text_atomically
from bdp.mirror.errors import MirrorError

_LINE = re.compile(r"^([0-9a-f]{128}) [ *](\S.*)$")
_CHUNK = 1 << 20


def checksum_path(archive: Path) -> Path:
    return archive.with_name(f"{archive.name}.sha512")


def format_line(digest: str, name: str) -> str:
    """One `sha512sum` line: hex digest, two spaces, file name, newline."""
    return f"{digest}  {name}\n"


def parse_line(text: str, source: Path) -> tuple[str, str]:
    """(digest, file name) from a `sha512sum` file holding exactly one line."""
    lines = text.splitlines()
    match = _LINE.match(lines[0].strip()) if len(lines) == 1 else None
    if match is None:
        raise MirrorError(f"{source}: expected one line '<128 hex digits>  <file name>'")
    return match.group(1), match.group(2)


def sha512_file(path: Path) -> str:
    digest = hashlib.sha512()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_checksum(archive: Path, digest: str) -> Path:
    target = checksum_path(archive)
    write_text_atomically(target, format_line(digest, archive.name))
    return target


def read_checksum(archive: Path) -> str | None:
    """The digest recorded beside `archive`, or None when there is no readable sidecar."""
    target = checksum_path(archive)
    try:
        return parse_line(target.read_text(encoding="utf-8"), target)[0]
    except (OSError, MirrorError):
        return None


def check_archive(archive: Path) -> None:
    """Raise naming the archive or its .sha512 when they do not agree."""
    target = checksum_path(archive)
    if not target.is_file():
        raise MirrorError(f"{archive}: no checksum file {target.name}")
    expected, name = parse_line(target.read_text(encoding="utf-8"), target)
    if name != archive.name:
        raise MirrorError(f"{target}: names {name}, expected {archive.name}")
    actual = sha512_file(archive)
    if actual != expected:
        raise MirrorError(
            f"{archive}: sha512 mismatch: {target.name} says {expected[:16]}..., "
            f"the file hashes to {actual[:16]}..."
        )
