"""Pack source trees into one reproducible tar: the same files give the same bytes.

Usage: pack_code.py OUT SRC DEST INCLUDE [SRC DEST INCLUDE ...]
Each tree's files whose path (relative to SRC) matches the regular expression INCLUDE are
stored under DEST (an absolute path, stored without its leading /), with owner root, mode
0644, directories 0755 and no timestamps; __pycache__ is never packed. OUT is rewritten only
when its bytes would change. Prints {"changed": true|false}.
"""

import io
import json
import re
import sys
import tarfile
from pathlib import Path


def entries(src: Path, dest: str, include: str) -> list[tuple[str, Path | None]]:
    """(name in the archive, file or None for a directory), directories before their files."""
    pattern = re.compile(include)
    files = sorted(
        path
        for path in src.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and pattern.search(path.relative_to(src).as_posix())
    )
    base = dest.strip("/")
    directories = {base}
    for path in files:
        for parent in path.relative_to(src).parents:
            if parent != Path("."):
                directories.add(f"{base}/{parent.as_posix()}")
    found: list[tuple[str, Path | None]] = [(name, None) for name in sorted(directories)]
    found += [(f"{base}/{path.relative_to(src).as_posix()}", path) for path in files]
    return found


def pack(trees: list[tuple[Path, str, str]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for src, dest, include in trees:
            for name, path in entries(src, dest, include):
                info = tarfile.TarInfo(name)
                info.uid = info.gid = 0
                info.uname = info.gname = "root"
                info.mtime = 0
                if path is None:
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    archive.addfile(info)
                else:
                    data = path.read_bytes()
                    info.size, info.mode = len(data), 0o644
                    archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def main(argv: list[str]) -> int:
    if len(argv) < 4 or (len(argv) - 1) % 3:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    trees = [(Path(argv[i]), argv[i + 1], argv[i + 2]) for i in range(1, len(argv), 3)]
    for src, _, _ in trees:
        if not src.is_dir():
            print(f"pack_code: {src} is not a directory", file=sys.stderr)
            return 1
    data = pack(trees)
    changed = not out.exists() or out.read_bytes() != data
    if changed:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    print(json.dumps({"changed": changed}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
