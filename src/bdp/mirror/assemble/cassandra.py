"""Cassandra: lib/ with cassandra-all and its runtime dependencies; empty conf/."""

from __future__ import annotations

from bdp.mirror.assemble.common import Assembly, Workspace, place_all, resolve_tree
from bdp.mirror.components import Component
from bdp.mirror.layout import flat_layout
from bdp.mirror.staging import require_paths


def assemble(component: Component, ws: Workspace) -> Assembly:
    assembly = Assembly(sources=component.sources)
    files = dict(resolve_tree(component, component.resolve[0], ws))
    placement = flat_layout(files, "lib")
    root = ws.root(component)
    place_all(placement, files, root)
    (root / "conf").mkdir()
    require_paths(root, [f"lib/cassandra-all-{component.version}.jar"], "Maven resolution")
    assembly.artifacts = [str(c) for c, _ in placement]
    return assembly
