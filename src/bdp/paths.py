"""Where the repository is, so commands work from any directory inside it."""

from pathlib import Path

from bdp.errors import BdpError

_MARKER = Path("ansible") / "group_vars" / "all" / "versions.yml"


def repo_root(start: Path | None = None) -> Path:
    """The checkout holding ansible/, inventories/ and roles/ (cwd first, then this package)."""
    candidates = [start or Path.cwd(), Path(__file__).resolve()]
    for candidate in candidates:
        for directory in (candidate, *candidate.parents):
            if (directory / _MARKER).is_file():
                return directory
    raise BdpError(f"cannot find the platform checkout (no {_MARKER} above {candidates[0]})")
