"""Spark's Kafka connector: jars/ with the connector and the dependencies Spark lacks."""

from __future__ import annotations

from bdp.mirror.assemble.common import Assembly, Workspace
from bdp.mirror.assemble.jars import assemble_jars, check_pinned
from bdp.mirror.components import Component


def assemble(component: Component, ws: Workspace) -> Assembly:
    connector, *dependencies = component.fetch
    # The token provider is built with the connector; only the other projects' jars are pinned.
    pinned = [c for c in dependencies if c.group != connector.group]
    return assemble_jars(component, ws, lambda declared, pom: check_pinned(declared, pinned, pom))
