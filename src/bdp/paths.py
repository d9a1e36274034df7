"""Where the repository is, so commands work from any directory inside it."""

from collections.abc import Iterable
from pathlib import Path

from bdp.errors import BdpError

# The platform's bill of materials; the directory holding it is the checkout's root.
VERSIONS_FILE = Path("ansible") / "group_vars" / "all" / "versions.yml"


def repo_root(starts: Iterable[Path] = ()) -> Path:
    """The checkout holding ansible/, inventories/ and roles/.

    The first directory at or above one of `starts` (by default the current directory,
    then this package) that holds VERSIONS_FILE.
    """
    candidates = list(starts) or [Path.cwd(), Path(__file__).resolve()]
    for candidate in candidates:
        for directory in (candidate, *candidate.parents):
            if (directory / VERSIONS_FILE).is_file():
                return directory
    raise BdpError(
        f"cannot find the platform checkout: no {VERSIONS_FILE} in or above "
        f"{', '.join(map(str, candidates))}"
    )
