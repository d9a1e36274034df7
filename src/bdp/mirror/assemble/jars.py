"""Archives of `jars/` only, for `spark-submit --jars`: fetched jars, checked against a POM.

The component's first `fetch` coordinate is the main jar; its published POM says which
runtime dependencies the other jars must match.
"""

from __future__ import annotations

from collections.abc import Callable

from bdp.mirror import maven
from bdp.mirror.assemble.common import Assembly, Workspace, place_all
from bdp.mirror.components import Component
from bdp.mirror.coordinates import Coordinate
from bdp.mirror.errors import MirrorError
from bdp.mirror.layout import flat_layout
from bdp.mirror.pom import declared_dependencies

# (the main jar's declared runtime dependencies, the POM's file name) -> raises MirrorError
PomCheck = Callable[[dict[tuple[str, str], str], str], None]


def assemble_jars(component: Component, ws: Workspace, check: PomCheck) -> Assembly:
    main = component.fetch[0]
    downloads = ws.downloads / "maven"
    pom_coordinate = Coordinate(main.group, main.artifact, main.version, "pom")
    pom = maven.fetch(component.name, pom_coordinate, downloads)
    check(declared_dependencies(pom.read_text(encoding="utf-8"), pom.name), pom.name)
    files = {}
    for coordinate in component.fetch:
        ws.log(f"fetching {coordinate} with Maven")
        files[coordinate] = maven.fetch(component.name, coordinate, downloads)
    placement = flat_layout(files, "jars")
    place_all(placement, files, ws.root(component))
    assembly = Assembly(sources=[*component.sources, f"maven:{pom_coordinate} (checked)"])
    assembly.artifacts = [relative for _, relative in placement]
    return assembly


def check_pinned(declared: dict[tuple[str, str], str], pinned: list[Coordinate], pom: str) -> None:
    """Each pinned jar must be a runtime dependency of the main jar at exactly that version."""
    wrong = [
        f"{c.group}:{c.artifact} {c.version} (the POM says {declared.get((c.group, c.artifact))})"
        for c in pinned
        if declared.get((c.group, c.artifact)) != c.version
    ]
    if wrong:
        raise MirrorError(
            f"{pom} does not declare the pinned versions: {'; '.join(wrong)};"
            " set bdp_versions to what the POM declares"
        )


def assemble_complete(component: Component, ws: Workspace) -> Assembly:
    """jars/ with the main jar and exactly the runtime dependencies its POM declares."""
    _, *dependencies = component.fetch
    return assemble_jars(
        component,
        ws,
        lambda declared, pom: check_complete(component.name, declared, dependencies, pom),
    )


def check_complete(
    name: str, declared: dict[tuple[str, str], str], bundled: list[Coordinate], pom: str
) -> None:
    """The bundled jars must be exactly the main jar's runtime dependencies, at their versions.

    None is assumed to be on the target's class path already: a dependency that a new
    version gains fails the mirror build instead of the service at run time.
    """
    check_pinned(declared, bundled, pom)
    left_out = sorted(set(declared) - {(c.group, c.artifact) for c in bundled})
    if left_out:
        names = "; ".join(
            f"{group}:{artifact} {declared[group, artifact]}" for group, artifact in left_out
        )
        raise MirrorError(
            f"{pom} declares runtime dependencies the {name} archive lacks: {names};"
            " pin them in bdp_versions and add them to the component's fetch list"
        )
