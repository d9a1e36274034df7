"""A wheel house: every wheel of a hash-pinned lock, for hosts that cannot reach PyPI.

`pip wheel` downloads the wheels the lock names and builds the few requirements that PyPI
only carries as sdists, using the control machine's Python, whose version and platform
must therefore match the hosts'. The house's own requirements.txt pins each wheel by the
hash of the file in the house, so hosts install with `pip install --require-hashes`.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

from bdp.mirror.errors import MirrorError
from bdp.mirror.pypi import pip_command
from bdp.paths import repo_root

AIRFLOW_LOCK = "requirements-airflow.lock"
COLLECTORS_LOCK = "requirements-collectors.lock"
LOCK_ID_LENGTH = 12
# CPython tags the hosts' Python (3.11 on Debian 12) accepts in a wheel's name.
HOST_PYTHON_TAGS = ("py3", "py2.py3", "cp311", "cp3", "abi3")
HOST_PLATFORM = re.compile(r"^(any|(manylinux\w*|linux)_x86_64)$")


def lock_id(lock: str) -> str:
    """Short SHA-256 of a lock in the checkout; it names the house, so a changed lock is a
    new archive. Trailing white space is ignored, as Ansible's file lookup strips it."""
    path = repo_root() / lock
    if not path.is_file():
        raise MirrorError(f"{path} is missing: run `make lock`")
    return hashlib.sha256(path.read_text().rstrip().encode()).hexdigest()[:LOCK_ID_LENGTH]


def pinned(lock_text: str) -> dict[str, str]:
    """The `name==version` pins of a lock, by normalised project name."""
    return {
        normalise(name): version
        for name, version in re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)", lock_text, re.M)
    }


def normalise(project: str) -> str:
    return re.sub(r"[-_.]+", "-", project).lower()


def wheel_pin(wheel: str) -> tuple[str, str]:
    """(normalised project, version) from a wheel file name."""
    project, version = Path(wheel).name.split("-")[:2]
    return normalise(project), version


def foreign_wheels(wheels: list[str]) -> list[str]:
    """The wheels a CPython 3.11 x86_64 Linux host could not install."""
    foreign = []
    for wheel in wheels:
        python, abi, platforms = Path(wheel).stem.split("-")[-3:]
        fits_python = any(tag in HOST_PYTHON_TAGS for tag in python.split(".")) or abi == "abi3"
        fits_platform = any(HOST_PLATFORM.match(p) for p in platforms.split("."))
        if not (fits_python and fits_platform):
            foreign.append(Path(wheel).name)
    return foreign


def requirements(wheels: list[Path]) -> str:
    """requirements.txt pinning every wheel of the house by its file's SHA-256."""
    lines = []
    for wheel in sorted(wheels, key=lambda w: wheel_pin(w.name)):
        project, version = wheel_pin(wheel.name)
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        lines.append(f"{project}=={version} --hash=sha256:{digest}")
    return "\n".join(lines) + "\n"


def build(component: str, lock: Path, house: Path, cache: Path) -> list[Path]:
    """Fill `house` with one wheel per pin of `lock`; check that they fit the hosts."""
    house.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            *pip_command(),
            "wheel",
            "--quiet",
            "--no-deps",
            "--require-hashes",
            "--cache-dir",
            str(cache),
            "--wheel-dir",
            str(house),
            "--requirement",
            str(lock),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        tail = "\n  ".join((result.stderr or result.stdout).strip().splitlines()[-8:])
        raise MirrorError(f"{component}: pip could not build the wheels of {lock.name}:\n  {tail}")
    wheels = sorted(house.glob("*.whl"))
    foreign = foreign_wheels([w.name for w in wheels])
    if foreign:
        raise MirrorError(
            f"{component}: {', '.join(foreign)} do not fit CPython 3.11 on x86_64 Linux; "
            "build the mirror on a Debian 12 x86_64 machine (its python3 is the hosts')"
        )
    missing = sorted(set(pinned(lock.read_text())) - {wheel_pin(w.name)[0] for w in wheels})
    if missing:
        raise MirrorError(f"{component}: no wheel for {', '.join(missing)} of {lock.name}")
    return wheels
