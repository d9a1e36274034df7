"""OpenSearch: the integ-test distribution zip, plus plugin zips installed into it."""

from __future__ import annotations

import zipfile
from pathlib import Path

from bdp.mirror import maven
from bdp.mirror.assemble.common import Assembly, Workspace
from bdp.mirror.components import Component
from bdp.mirror.coordinates import Coordinate
from bdp.mirror.errors import MirrorError
from bdp.mirror.layout import (
    extended_plugins,
    parse_properties,
    plugin_folder,
    plugin_target,
    under_top,
)
from bdp.mirror.staging import require_paths, unpack_zip

DESCRIPTOR = "plugin-descriptor.properties"


def assemble(component: Component, ws: Workspace) -> Assembly:
    """`fetch` holds the distribution zip first, then the plugin zips in install order."""
    distribution, *plugins = component.fetch
    top = component.top_dir
    downloads = ws.downloads / "maven"
    ws.log(f"fetching {distribution} with Maven")
    distribution_zip = maven.fetch(component.name, distribution, downloads)
    count = unpack_zip(
        distribution_zip, lambda name: under_top(name, top, distribution_zip.name), ws.stage
    )
    ws.log(f"unpacked {count} files of {distribution_zip.name}")
    root = ws.root(component)
    expected = [
        f"lib/opensearch-{component.version}.jar",
        "modules/transport-netty4",
        "bin/opensearch",
    ]
    require_paths(root, expected, distribution_zip.name)
    installed = {path.name for path in (root / "modules").iterdir() if path.is_dir()}
    for plugin in plugins:
        folder = install_plugin(component, plugin, ws, installed)
        expected.append(f"plugins/{folder}/{DESCRIPTOR}")
    require_paths(root, expected, ", ".join(c.file_name for c in component.fetch))
    return Assembly(sources=component.sources, artifacts=[str(c) for c in component.fetch])


def install_plugin(
    component: Component, plugin: Coordinate, ws: Workspace, installed: set[str]
) -> str:
    """Do what `opensearch-plugin install` does with the zip; return the plugin's folder.

    `installed` names the modules and plugins already in place; a plugin's extended plugins
    must be among them, and the plugin joins them.
    """
    ws.log(f"fetching {plugin} with Maven")
    plugin_zip = maven.fetch(component.name, plugin, ws.downloads / "maven")
    descriptor = read_descriptor(plugin_zip)
    folder = plugin_folder(descriptor, component.version, plugin_zip.name)
    if folder in installed:
        raise MirrorError(f"{plugin_zip.name}: {folder} is already installed")
    absent = [name for name in extended_plugins(descriptor) if name not in installed]
    if absent:
        raise MirrorError(
            f"{plugin_zip.name}: {folder} extends {', '.join(absent)}, which is not installed"
            " before it"
        )
    count = unpack_zip(
        plugin_zip, lambda name: plugin_target(name, component.top_dir, folder), ws.stage
    )
    ws.log(f"installed {count} files of {plugin_zip.name} as plugins/{folder}")
    installed.add(folder)
    return folder


def read_descriptor(plugin_zip: Path) -> dict[str, str]:
    """The top-level plugin-descriptor.properties of a plugin zip."""
    try:
        with zipfile.ZipFile(plugin_zip) as source:
            text = source.read(DESCRIPTOR).decode("utf-8")
    except KeyError as exc:
        raise MirrorError(f"{plugin_zip.name} has no top-level {DESCRIPTOR}") from exc
    except zipfile.BadZipFile as exc:
        raise MirrorError(f"{plugin_zip} is not a readable zip: {exc}") from exc
    return parse_properties(text)
