"""Where each file goes inside an archive: pure mappings from names to archive paths."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath

from bdp.mirror.coordinates import Coordinate
from bdp.mirror.errors import MirrorError

# Under the mirror root: staging, Maven work dirs and downloads; never served or verified.
CACHE_DIR = ".cache"
HADOOP_GROUP = "org.apache.hadoop"
LOG4J_GROUP = "org.apache.logging.log4j"
SLF4J_GROUP = "org.slf4j"


def hadoop_layout(trees: Iterable[tuple[str, list[Coordinate]]]) -> list[tuple[Coordinate, str]]:
    """(jar, path) pairs for Hadoop's `share/hadoop/<tree>[/lib]/<jar>` layout.

    A tree's own jars (group org.apache.hadoop, artifact `hadoop-<tree>*`) go in
    `share/hadoop/<tree>`, everything else it needs in `share/hadoop/<tree>/lib`. An artifact
    resolved by several trees is kept once, in the first tree (common, hdfs, yarn, mapreduce),
    so the union classpath has no duplicate classes; trees disagreeing on its version is an
    error.
    """
    placed: list[tuple[Coordinate, str]] = []
    seen: dict[tuple[str, str, str], tuple[str, Coordinate]] = {}
    for tree, coordinates in trees:
        for coordinate in coordinates:
            key = (coordinate.group, coordinate.artifact, coordinate.classifier)
            if key in seen:
                first_tree, first = seen[key]
                if first.version != coordinate.version:
                    raise MirrorError(
                        f"hadoop: {first_tree} resolved {first} but {tree} resolved {coordinate}"
                    )
                continue
            seen[key] = (tree, coordinate)
            own = coordinate.group == HADOOP_GROUP and coordinate.artifact.startswith(
                f"hadoop-{tree}"
            )
            directory = f"share/hadoop/{tree}" if own else f"share/hadoop/{tree}/lib"
            placed.append((coordinate, f"{directory}/{coordinate.file_name}"))
    return placed


def hdfs_webapps_target(name: str, top_dir: str) -> str | None:
    """Where an entry of the hadoop-hdfs tests jar goes: its `webapps/` tree only."""
    path = PurePosixPath(name)
    if path.parts[:1] != ("webapps",) or len(path.parts) < 2 or ".." in path.parts:
        return None
    return str(PurePosixPath(top_dir, "share/hadoop/hdfs", path))


def flat_layout(coordinates: Iterable[Coordinate], directory: str) -> list[tuple[Coordinate, str]]:
    """(jar, path) pairs putting every jar in one directory; two jars may not share a name."""
    by_name: dict[str, Coordinate] = {}
    for coordinate in coordinates:
        other = by_name.setdefault(coordinate.file_name, coordinate)
        if other != coordinate:
            raise MirrorError(
                f"{other} and {coordinate} would both be {directory}/{coordinate.file_name}"
            )
    return [(c, f"{directory}/{name}") for name, c in sorted(by_name.items())]


def slf4j_binding(coordinates: Iterable[Coordinate], component: str) -> Coordinate:
    """The log4j2 binding matching the resolved slf4j-api major version and log4j-core.

    SLF4J 1.x finds `log4j-slf4j-impl`, SLF4J 2.x finds `log4j-slf4j2-impl`; without a
    binding nothing is logged.
    """
    resolved = list(coordinates)
    slf4j = resolved_version(resolved, SLF4J_GROUP, "slf4j-api", component)
    log4j = resolved_version(resolved, LOG4J_GROUP, "log4j-core", component)
    artifact = "log4j-slf4j-impl" if slf4j.startswith("1.") else "log4j-slf4j2-impl"
    return Coordinate(LOG4J_GROUP, artifact, log4j)


def resolved_version(
    coordinates: Iterable[Coordinate], group: str, artifact: str, component: str
) -> str:
    """The version Maven resolved for group:artifact, which must be among `coordinates`."""
    for coordinate in coordinates:
        if (coordinate.group, coordinate.artifact) == (group, artifact):
            return coordinate.version
    raise MirrorError(
        f"{component}: {group}:{artifact} is not among the resolved jars,"
        " so no matching logging binding can be chosen"
    )


def under_top(name: str, top_dir: str, source: str) -> str:
    """`name` itself, after checking it lies in `top_dir/` (the archive's expected top)."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or path.parts[:1] != (top_dir,):
        raise MirrorError(
            f"{source}: entry {name} is outside the expected top directory {top_dir}/"
        )
    return name


def plugin_target(name: str, top_dir: str, plugin: str) -> str:
    """Where `opensearch-plugin install` puts a plugin zip entry.

    The zip's `bin/` goes to `bin/<plugin>/`, its `config/` to `config/<plugin>/`, everything
    else to `plugins/<plugin>/`. Like the installer, refuse the old layout that nests
    everything in an `opensearch/` directory.
    """
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise MirrorError(f"{plugin}: unsafe zip entry {name}")
    if path.parts[0] == "opensearch":
        raise MirrorError(
            f"{plugin}: zip entry {name} is under an intermediate opensearch/ directory,"
            " a layout the plugin installer refuses"
        )
    if path.parts[0] in ("bin", "config"):
        return str(PurePosixPath(top_dir, path.parts[0], plugin, *path.parts[1:]))
    return str(PurePosixPath(top_dir, "plugins", plugin, path))


def parse_properties(text: str) -> dict[str, str]:
    """`key=value` lines of a Java properties file (no continuation lines or escapes)."""
    found = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped[0] in "#!":
            continue
        key, _, value = stripped.partition("=")
        found[key.strip()] = value.strip()
    return found


def plugin_folder(descriptor: dict[str, str], opensearch_version: str, source: str) -> str:
    """The directory the installer gives a plugin, after checking it fits this OpenSearch.

    OpenSearch refuses to start with a plugin built for another version, so a mismatch
    fails the build instead.
    """
    name = descriptor.get("name", "")
    if not name:
        raise MirrorError(f"{source}: plugin-descriptor.properties has no name")
    built_for = descriptor.get("opensearch.version", "")
    if built_for != opensearch_version:
        raise MirrorError(
            f"{source}: plugin {name} is built for OpenSearch {built_for or '(unknown)'},"
            f" not {opensearch_version}"
        )
    folder = descriptor.get("custom.foldername") or name
    if "/" in folder or folder in (".", ".."):
        raise MirrorError(f"{source}: unsafe plugin folder name {folder}")
    return folder


def extended_plugins(descriptor: dict[str, str]) -> list[str]:
    """The plugins a plugin extends (`extended.plugins`), which must be installed too."""
    names = (part.strip() for part in descriptor.get("extended.plugins", "").split(","))
    return [name for name in names if name]


# pyspark sdist prefix -> Spark binary distribution directory.
SPARK_SDIST_DIRS = (
    ("deps/jars/", "jars/"),
    ("deps/bin/", "bin/"),
    ("deps/sbin/", "sbin/"),
    ("deps/data/", "data/"),
    ("deps/examples/", "examples/src/main/python/"),
    ("deps/licenses/", "licenses/"),
    ("lib/", "python/lib/"),
)
SPARK_SDIST_FILES = ("LICENSE", "NOTICE", "README.md")


def spark_target(name: str, sdist_top: str, top_dir: str) -> str | None:
    """Where a pyspark sdist entry goes in the Spark binary layout, or None to leave it out."""
    prefix = f"{sdist_top}/"
    if not name.startswith(prefix) or ".." in PurePosixPath(name).parts:
        return None
    inner = name[len(prefix) :]
    if inner in SPARK_SDIST_FILES:
        return f"{top_dir}/{inner}"
    for source, target in SPARK_SDIST_DIRS:
        if inner.startswith(source) and inner != source:
            return f"{top_dir}/{target}{inner[len(source) :]}"
    return None


def scala_binary_version(jar_names: Iterable[str], spark_version: str) -> str:
    """The Scala binary version in `spark-core_<scala>-<version>.jar`."""
    pattern = re.compile(rf"spark-core_(\d+\.\d+)-{re.escape(spark_version)}\.jar")
    for name in jar_names:
        match = pattern.fullmatch(name)
        if match:
            return match.group(1)
    raise MirrorError(f"spark: no spark-core_<scala>-{spark_version}.jar among the pyspark jars")
