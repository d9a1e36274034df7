"""Hadoop: share/hadoop/{common,hdfs,yarn,mapreduce}[/lib] from Maven resolutions."""

from __future__ import annotations

from bdp.mirror import maven
from bdp.mirror.assemble.common import Assembly, Workspace, place_all, resolve_tree
from bdp.mirror.components import Component
from bdp.mirror.coordinates import Coordinate
from bdp.mirror.layout import SLF4J_GROUP, hadoop_layout, hdfs_webapps_target, resolved_version
from bdp.mirror.staging import require_paths, unpack_zip


def assemble(component: Component, ws: Workspace) -> Assembly:
    assembly = Assembly(sources=component.sources)
    trees = [(tree.name, resolve_tree(component, tree, ws)) for tree in component.resolve]
    add_reload4j_binding(component, trees[0][1], ws, assembly)
    placement = hadoop_layout((name, [c for c, _ in resolved]) for name, resolved in trees)
    files = {c: path for _, resolved in trees for c, path in resolved}
    place_all(placement, files, ws.root(component))
    (tests_jar,) = component.fetch
    ws.log(f"fetching {tests_jar} for share/hadoop/hdfs/webapps")
    jar = maven.fetch(component.name, tests_jar, ws.downloads / "maven")
    count = unpack_zip(jar, lambda name: hdfs_webapps_target(name, component.top_dir), ws.stage)
    ws.log(f"unpacked {count} files of webapps/ from {jar.name}")
    v = component.version
    require_paths(
        ws.root(component),
        [
            f"share/hadoop/common/hadoop-common-{v}.jar",
            f"share/hadoop/hdfs/hadoop-hdfs-{v}.jar",
            f"share/hadoop/yarn/hadoop-yarn-server-nodemanager-{v}.jar",
            f"share/hadoop/mapreduce/hadoop-mapreduce-client-core-{v}.jar",
            "share/hadoop/hdfs/webapps/hdfs/WEB-INF/web.xml",
        ],
        "Maven resolution and the hadoop-hdfs tests jar",
    )
    assembly.artifacts = [f"{c} -> {path}" for c, path in placement]
    return assembly


def add_reload4j_binding(
    component: Component, common: maven.Resolved, ws: Workspace, assembly: Assembly
) -> None:
    """Put slf4j-reload4j in common/lib, as the official archive has it.

    hadoop-project, imported for its versions, excludes the binding from hadoop-common (its
    modules add it where needed), so the resolution alone would leave common/ without one.
    """
    slf4j = resolved_version([c for c, _ in common], SLF4J_GROUP, "slf4j-api", component.name)
    binding = Coordinate(SLF4J_GROUP, "slf4j-reload4j", slf4j)
    ws.log(f"adding the logging binding {binding} to common/lib")
    common.append((binding, maven.fetch(component.name, binding, ws.work / "binding")))
    assembly.sources.append(f"maven:{binding}")
