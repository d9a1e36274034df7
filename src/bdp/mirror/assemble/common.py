"""What every assembler gets (a workspace) and returns (an assembly)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bdp.mirror import maven
from bdp.mirror.components import Component, SubTree
from bdp.mirror.coordinates import Coordinate
from bdp.mirror.staging import place


@dataclass(frozen=True)
class Workspace:
    """`stage/<top_dir>` receives the tree; `work` is scratch; `downloads` outlives builds."""

    stage: Path
    work: Path
    downloads: Path
    log: Callable[[str], None]

    def root(self, component: Component) -> Path:
        return self.stage / component.top_dir


@dataclass
class Assembly:
    sources: list[str]
    missing: list[str] = field(default_factory=list)
    artifacts: list[str] = field(default_factory=list)


def resolve_tree(component: Component, tree: SubTree, ws: Workspace) -> maven.Resolved:
    """Resolve a tree's roots and their runtime dependencies."""
    roots = list(tree.coordinates)
    ws.log(f"resolving {tree.name} with Maven: {len(roots)} root artifact(s) and dependencies")
    resolved = maven.resolve(component.name, tree.name, roots, component.boms, ws.work / tree.name)
    ws.log(f"resolved {len(resolved)} artifact(s) for {tree.name}")
    return resolved


def place_all(
    placement: list[tuple[Coordinate, str]], files: dict[Coordinate, Path], root: Path
) -> None:
    for coordinate, relative in placement:
        place(files[coordinate], root / relative)
