"""MariaDB Connector/J: jars/ with the driver and every runtime dependency its POM declares."""

from __future__ import annotations

from bdp.mirror.assemble.common import Assembly, Workspace
from bdp.mirror.assemble.jars import assemble_jars, check_pinned
from bdp.mirror.components import Component
from bdp.mirror.coordinates import Coordinate
from bdp.mirror.errors import MirrorError


def assemble(component: Component, ws: Workspace) -> Assembly:
    _, *dependencies = component.fetch
    return assemble_jars(
        component, ws, lambda declared, pom: check_complete(declared, dependencies, pom)
    )


def check_complete(
    declared: dict[tuple[str, str], str], bundled: list[Coordinate], pom: str
) -> None:
    """The bundled jars must be exactly the driver's runtime dependencies, at their versions.

    Unlike the Kafka connector's, none is assumed to be in Spark's jars/: a dependency that a
    new driver version gains fails the mirror build instead of the ETL jobs at run time.
    """
    check_pinned(declared, bundled, pom)
    left_out = sorted(set(declared) - {(c.group, c.artifact) for c in bundled})
    if left_out:
        names = "; ".join(
            f"{group}:{artifact} {declared[group, artifact]}" for group, artifact in left_out
        )
        raise MirrorError(
            f"{pom} declares runtime dependencies the mariadb-jdbc archive lacks: {names};"
            " pin them in bdp_versions and add them to the component's fetch list"
        )
