"""Progress lines for long-running commands, timestamped and flushed at once."""

import sys
import time

_START = time.monotonic()


def say(message: str) -> None:
    elapsed = time.monotonic() - _START
    print(f"[{elapsed:6.1f}s] {message}", file=sys.stdout, flush=True)
