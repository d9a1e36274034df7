"""Running external commands with errors that say which command failed and why."""

import subprocess
from collections.abc import Sequence

from bdp.errors import BdpError


def run(
    argv: Sequence[str], *, check: bool = True, capture: bool = True, input_text: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run argv; on failure raise BdpError carrying the command and the tail of its stderr."""
    try:
        result = subprocess.run(
            list(argv), check=False, capture_output=capture, text=True, input=input_text
        )
    except FileNotFoundError as exc:
        raise BdpError(f"command not found: {argv[0]} (is its package installed?)") from exc
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout or "").strip().splitlines()[-5:]
        raise BdpError(
            f"`{' '.join(argv)}` failed with exit code {result.returncode}"
            + ("".join(f"\n  {line}" for line in detail))
        )
    return result
