"""The collector's cursor on disk, replaced atomically so a crash never leaves half a file."""

import json
from datetime import UTC, datetime
from pathlib import Path

from bdp_collectors.atomicfile import atomic_write
from bdp_collectors.events import utc_iso


class CursorStore:
    def __init__(self, path: str | Path, source: str) -> None:
        self.path, self.source = Path(path), source

    def load(self) -> int:
        """The stored cursor, 0 if none was stored; ValueError naming the file if unreadable."""
        if not self.path.exists():
            return 0
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            cursor = data["cursor"]
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{self.path}: not a cursor file ({error})") from error
        if data.get("source") != self.source:
            raise ValueError(
                f"{self.path}: holds the cursor of {data.get('source')!r}, not {self.source!r}"
            )
        if not isinstance(cursor, int) or cursor < 0:
            raise ValueError(f"{self.path}: cursor must be a non-negative integer, got {cursor!r}")
        return cursor

    def save(self, cursor: int) -> None:
        record = {"source": self.source, "cursor": cursor, "updated_at": utc_iso(datetime.now(UTC))}
        atomic_write(self.path, json.dumps(record) + "\n")
