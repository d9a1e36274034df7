"""Generate the throw-away Maven project whose dependencies are a component's jars."""

from __future__ import annotations

from collections.abc import Iterable
from xml.sax.saxutils import escape

from bdp.mirror.coordinates import Coordinate


def _dependency(coordinate: Coordinate, scope: str = "") -> str:
    fields = [
        ("groupId", coordinate.group),
        ("artifactId", coordinate.artifact),
        ("version", coordinate.version),
    ]
    if coordinate.type != "jar":
        fields.append(("type", coordinate.type))
    if coordinate.classifier:
        fields.append(("classifier", coordinate.classifier))
    if scope:
        fields.append(("scope", scope))
    inner = "".join(f"\n      <{tag}>{escape(value)}</{tag}>" for tag, value in fields)
    return f"    <dependency>{inner}\n    </dependency>\n"


def _indent(block: str) -> str:
    return "".join(f"  {line}\n" for line in block.splitlines())


def render_pom(name: str, coordinates: Iterable[Coordinate], boms: Iterable[Coordinate]) -> str:
    """A pom-packaged project `bdp-mirror:<name>:0` depending on `coordinates`.

    Each of `boms` (a pom) is imported into dependencyManagement, so transitive dependencies
    get the versions the project's own build pins rather than Maven's nearest-wins choice.
    """
    dependencies = "".join(_dependency(c) for c in coordinates)
    imports = "".join(_dependency(bom, "import") for bom in boms)
    management = (
        f"  <dependencyManagement>\n    <dependencies>\n{_indent(imports)}"
        "    </dependencies>\n  </dependencyManagement>\n"
        if imports
        else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<project>\n"
        "  <modelVersion>4.0.0</modelVersion>\n"
        "  <groupId>bdp-mirror</groupId>\n"
        f"  <artifactId>{escape(name)}</artifactId>\n"
        "  <version>0</version>\n"
        "  <packaging>pom</packaging>\n"
        f"{management}"
        "  <dependencies>\n"
        f"{dependencies}"
        "  </dependencies>\n"
        "</project>\n"
    )
