"""Run Maven (its configured repositories, local cache ~/.m2) to resolve and fetch artifacts."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from bdp.mirror.coordinates import Coordinate, from_repository_path
from bdp.mirror.errors import MirrorError
from bdp.mirror.maven_output import failure_message, missing_artifacts
from bdp.mirror.pom import render_pom

DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
# --strict-checksums: a download whose checksum does not match fails instead of warning.
_FLAGS = ("-q", "-B", "--strict-checksums")

Resolved = list[tuple[Coordinate, Path]]


def _mvn(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise MirrorError("mvn is not on PATH; install Maven (Debian: apt-get install maven)")
    return subprocess.run(
        [mvn, *_FLAGS, *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def resolve(
    component: str, name: str, roots: list[Coordinate], boms: tuple[Coordinate, ...], work: Path
) -> Resolved:
    """`roots` and their runtime jars, as (coordinate, file) pairs sorted by coordinate.

    `boms` pin dependency versions (see `render_pom`).
    """
    work.mkdir(parents=True, exist_ok=True)
    pom = render_pom(f"{component}-{name}", roots, boms)
    (work / "pom.xml").write_text(pom, encoding="utf-8")
    output = work / "repository"
    shutil.rmtree(output, ignore_errors=True)
    result = _mvn(
        [
            f"{DEPENDENCY_PLUGIN}:copy-dependencies",
            f"-DoutputDirectory={output}",
            "-Dmdep.useRepositoryLayout=true",
            "-DincludeScope=runtime",
        ],
        cwd=work,
    )
    if result.returncode != 0:
        action = f"resolving {name} ({', '.join(map(str, roots))})"
        raise MirrorError(failure_message(component, action, result.stdout + result.stderr))
    # Repository layout also brings maven-metadata-local.xml and _remote.repositories files.
    files = [path for path in output.rglob("*.jar") if path.is_file()]
    return sorted((from_repository_path(p.relative_to(output).as_posix()), p) for p in files)


def is_published(component: str, coordinate: Coordinate, work: Path) -> bool:
    """Whether the repository has `coordinate` (its file alone, no dependencies)."""
    work.mkdir(parents=True, exist_ok=True)
    result = _mvn(
        [f"{DEPENDENCY_PLUGIN}:get", f"-Dartifact={coordinate}", "-Dtransitive=false"], cwd=work
    )
    if result.returncode == 0:
        return True
    output = result.stdout + result.stderr
    if missing_artifacts(output):
        return False
    raise MirrorError(failure_message(component, f"looking up {coordinate}", output))


def fetch(component: str, coordinate: Coordinate, directory: Path) -> Path:
    """One artifact file (no dependencies) in `directory`, copied there unless already there.

    The copy goes through a scratch directory, so a file in `directory` is always whole.
    """
    target = directory / coordinate.file_name
    if target.is_file():
        return target
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".mvn-") as scratch:
        result = _mvn(
            [
                f"{DEPENDENCY_PLUGIN}:copy",
                f"-Dartifact={coordinate}",
                f"-DoutputDirectory={scratch}",
            ],
            cwd=Path(scratch),
        )
        output = result.stdout + result.stderr
        if result.returncode != 0:
            raise MirrorError(failure_message(component, f"fetching {coordinate}", output))
        copied = Path(scratch) / coordinate.file_name
        if not copied.is_file():
            raise MirrorError(f"{component}: Maven reported success but {copied.name} is missing")
        os.replace(copied, target)
    return target
