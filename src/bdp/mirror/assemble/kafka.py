"""Kafka: libs/ with the broker, its runtime dependencies and a log4j2 binding; empty config/."""

from __future__ import annotations

from bdp.mirror import maven
from bdp.mirror.assemble.common import Assembly, Workspace, place_all, resolve_tree
from bdp.mirror.components import Component
from bdp.mirror.layout import flat_layout, slf4j_binding
from bdp.mirror.staging import require_paths


def assemble(component: Component, ws: Workspace) -> Assembly:
    assembly = Assembly(sources=component.sources)
    resolved = resolve_tree(component, component.resolve[0], ws)
    files = dict(resolved)
    binding = slf4j_binding(files, component.name)
    if binding not in files:
        ws.log(f"adding the logging binding {binding}")
        files[binding] = maven.fetch(component.name, binding, ws.work / "binding")
        assembly.sources.append(f"maven:{binding}")
    placement = flat_layout(files, "libs")
    root = ws.root(component)
    place_all(placement, files, root)
    (root / "config").mkdir()
    scala_jar = f"{component.resolve[0].coordinates[0].artifact}-{component.version}.jar"
    require_paths(root, [f"libs/{scala_jar}", f"libs/{binding.file_name}"], "Maven resolution")
    assembly.artifacts = [str(c) for c, _ in placement]
    return assembly
