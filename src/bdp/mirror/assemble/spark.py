"""Spark: the binary-distribution layout rebuilt from the pyspark sdist on PyPI."""

from __future__ import annotations

from bdp.mirror import maven
from bdp.mirror.assemble.common import Assembly, Workspace, place_all
from bdp.mirror.components import Component
from bdp.mirror.coordinates import Coordinate
from bdp.mirror.errors import MirrorError
from bdp.mirror.layout import flat_layout, scala_binary_version, spark_target
from bdp.mirror.pypi import download_sdist
from bdp.mirror.staging import require_paths, unpack_tar


def assemble(component: Component, ws: Workspace) -> Assembly:
    version, top = component.version, component.top_dir
    assembly = Assembly(sources=component.sources)
    sdist = download_sdist(component.name, "pyspark", version, ws.downloads / "pypi", ws.log)
    count = unpack_tar(sdist, lambda name: spark_target(name, f"pyspark-{version}", top), ws.stage)
    ws.log(f"unpacked {count} files of {sdist.name}")
    root = ws.root(component)
    (root / "conf").mkdir()
    jars = sorted(path.name for path in (root / "jars").glob("*.jar"))
    scala = scala_binary_version(jars, version)
    require_paths(
        root,
        [f"jars/spark-core_{scala}-{version}.jar", "bin/spark-submit", "python/lib/pyspark.zip"],
        sdist.name,
    )
    py4j = sorted(path.name for path in (root / "python/lib").glob("py4j-*-src.zip"))
    if not py4j:
        raise MirrorError(f"{sdist.name} has no lib/py4j-*-src.zip")
    assembly.sources.append(f"{', '.join(py4j)} and pyspark.zip as shipped in {sdist.name}")
    add_yarn_shuffle(
        component,
        Coordinate("org.apache.spark", f"spark-network-yarn_{scala}", version),
        ws,
        assembly,
    )
    assembly.artifacts = [f"jars/{name}" for name in jars]
    return assembly


def add_yarn_shuffle(
    component: Component, coordinate: Coordinate, ws: Workspace, assembly: Assembly
) -> None:
    """yarn/: the YARN shuffle service, when Maven Central publishes its module.

    Central's jar of that module is not the shaded `spark-<v>-yarn-shuffle.jar`, so the
    module and its runtime dependencies go to yarn/ for the NodeManager's aux-service classpath.
    """
    if not maven.is_published(component.name, coordinate, ws.work / "probe"):
        ws.log(f"warning: {coordinate} is not on Maven Central; no yarn/ shuffle service")
        assembly.missing.append(
            f"yarn/spark-{component.version}-yarn-shuffle.jar: {coordinate} is not on Maven"
            " Central (Spark on YARN works without it unless the external shuffle service"
            " is enabled)"
        )
        return
    ws.log(f"resolving {coordinate} for yarn/")
    files = dict(maven.resolve(component.name, "yarn", [coordinate], (), ws.work / "yarn"))
    place_all(flat_layout(files, "yarn"), files, ws.root(component))
    assembly.sources.append(f"maven:{coordinate}")
    assembly.missing.append(
        f"yarn/spark-{component.version}-yarn-shuffle.jar: yarn/ holds {coordinate} and its"
        " dependencies unshaded instead"
    )
