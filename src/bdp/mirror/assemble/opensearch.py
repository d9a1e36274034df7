"""OpenSearch: the integ-test distribution zip, plus the security plugin installed into it."""

from __future__ import annotations

from bdp.mirror import maven
from bdp.mirror.assemble.common import Assembly, Workspace
from bdp.mirror.components import Component
from bdp.mirror.layout import plugin_target, under_top
from bdp.mirror.staging import require_paths, unpack_zip


def assemble(component: Component, ws: Workspace) -> Assembly:
    distribution, plugin = component.fetch
    top = component.top_dir
    downloads = ws.downloads / "maven"
    ws.log(f"fetching {distribution} and {plugin} with Maven")
    distribution_zip = maven.fetch(component.name, distribution, downloads)
    plugin_zip = maven.fetch(component.name, plugin, downloads)
    count = unpack_zip(
        distribution_zip, lambda name: under_top(name, top, distribution_zip.name), ws.stage
    )
    ws.log(f"unpacked {count} files of {distribution_zip.name}")
    count = unpack_zip(plugin_zip, lambda name: plugin_target(name, top, plugin.artifact), ws.stage)
    ws.log(f"installed {count} files of {plugin_zip.name} as plugins/{plugin.artifact}")
    require_paths(
        ws.root(component),
        [
            f"lib/opensearch-{component.version}.jar",
            "modules/transport-netty4",
            f"plugins/{plugin.artifact}/plugin-descriptor.properties",
            "bin/opensearch",
        ],
        f"{distribution_zip.name} and {plugin_zip.name}",
    )
    return Assembly(sources=component.sources, artifacts=[str(distribution), str(plugin)])
