"""Where the lake writer puts things, and how its file names encode the batch (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

STATE_DIR = "bdp-state"
LATEST = "latest.json"
SUCCESS = "_SUCCESS"
COMPACTING = "_compacting"
MANIFEST = "manifest.json"
_STATE_NAME = re.compile(r"^b(\d{12})\.json$")


def batch_prefix(batch_id: int) -> str:
    """Every file batch `batch_id` lands starts with this, so a replay can find and drop them."""
    return f"part-b{batch_id:012d}-"


def batch_file(batch_id: int, index: int) -> str:
    return f"{batch_prefix(batch_id)}{index:05d}.parquet"


def compacted_file(index: int) -> str:
    return f"part-compact-{index:05d}.parquet"


def is_data_file(name: str) -> bool:
    """Spark readers skip names starting with `_` or `.`; so does everything here."""
    return not name.startswith(("_", ".")) and name.endswith(".parquet")


def state_file_name(batch_id: int) -> str:
    return f"b{batch_id:012d}.json"


def state_batch_id(name: str) -> int | None:
    match = _STATE_NAME.match(name)
    return int(match.group(1)) if match else None


def day_dir_name(day: date) -> str:
    return f"dt={day.isoformat()}"


def parse_day_dir(name: str) -> date | None:
    if not name.startswith("dt="):
        return None
    try:
        return date.fromisoformat(name[3:])
    except ValueError:
        return None


@dataclass(frozen=True)
class LakePaths:
    lake: str
    checkpoint: str

    def raw(self, source: str) -> str:
        return f"{self.lake}/raw/{source}"

    def late(self, source: str) -> str:
        return f"{self.lake}/late/{source}"

    def rejects(self, source: str) -> str:
        return f"{self.lake}/rejects/{source}"

    def day(self, area: str, day: date) -> str:
        return f"{area}/{day_dir_name(day)}"

    def staging(self, batch_id: int) -> str:
        # Under the lake, so renames into place stay within one file system.
        return f"{self.lake}/_staging/lake-writer/b{batch_id:012d}"

    def state_dir(self) -> str:
        return f"{self.checkpoint}/{STATE_DIR}"

    def state(self, batch_id: int) -> str:
        return f"{self.state_dir()}/{state_file_name(batch_id)}"

    def latest(self) -> str:
        return f"{self.state_dir()}/{LATEST}"
