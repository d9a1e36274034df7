"""Download distributions from PyPI with pip, into a cache that survives re-runs."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bdp.mirror.errors import MirrorError


def sdist_name(project: str, version: str) -> str:
    return f"{project}-{version}.tar.gz"


def pip_command() -> list[str]:
    if importlib.util.find_spec("pip") is not None:
        return [sys.executable, "-m", "pip"]
    pip = shutil.which("pip3")
    if pip is None:
        raise MirrorError("pip is needed to download from PyPI: neither `python -m pip` nor pip3")
    return [pip]


def download_sdist(
    component: str, project: str, version: str, cache: Path, log: Callable[[str], None]
) -> Path:
    """The cached sdist of `project==version`, downloaded first if it is not there yet."""
    return _download(
        component,
        project,
        version,
        cache / sdist_name(project, version),
        ["--no-binary", ":all:"],
        log,
    )


def download_wheel(
    component: str, project: str, version: str, wheel: str, cache: Path, log: Callable[[str], None]
) -> Path:
    """The cached wheel file `wheel` of `project==version` (its tags choose the platform)."""
    _, _, python, _, platform = Path(wheel).stem.split("-")
    selectors = ["--only-binary", ":all:", "--python-version", python.removeprefix("cp")]
    return _download(
        component, project, version, cache / wheel, [*selectors, "--platform", platform], log
    )


def _download(
    component: str,
    project: str,
    version: str,
    target: Path,
    selectors: list[str],
    log: Callable[[str], None],
) -> Path:
    cache = target.parent
    if target.is_file():
        log(f"using cached {target.name}")
        return target
    cache.mkdir(parents=True, exist_ok=True)
    log(f"downloading {project}=={version} from PyPI (pip checks the index's hash)")
    with tempfile.TemporaryDirectory(dir=cache, prefix=".pip-") as scratch:
        result = subprocess.run(
            [
                *pip_command(),
                "download",
                "--no-deps",
                *selectors,
                "--dest",
                scratch,
                "--quiet",
                f"{project}=={version}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            tail = "\n  ".join((result.stderr or result.stdout).strip().splitlines()[-5:])
            raise MirrorError(
                f"{component}: pip could not download {project}=={version}:\n  {tail}"
            )
        downloaded = Path(scratch) / target.name
        if not downloaded.is_file():
            got = ", ".join(sorted(os.listdir(scratch))) or "nothing"
            raise MirrorError(f"{component}: pip downloaded {got}, not {target.name}")
        os.replace(downloaded, target)
    return target
