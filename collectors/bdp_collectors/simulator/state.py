"""The API's start time T0, kept on disk so a restart releases the same items at the same times."""

import json
from pathlib import Path

from bdp_collectors.atomicfile import atomic_write


def load_or_create_t0(state_file: str | Path, now: float) -> float:
    """T0 from the state file, or `now` written there on the first start."""
    path = Path(state_file)
    if path.exists():
        try:
            return float(json.loads(path.read_text(encoding="utf-8"))["t0"])
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}: not an event API state file ({error})") from error
    atomic_write(path, json.dumps({"t0": now}) + "\n")
    return now
