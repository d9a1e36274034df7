"""Wheel houses: every wheel of a hash-pinned lock, for a role to install into a virtualenv."""

from __future__ import annotations

from bdp.mirror import wheelhouse
from bdp.mirror.assemble.common import Assembly, Workspace
from bdp.mirror.components import WHEEL_HOUSES, Component
from bdp.mirror.errors import MirrorError
from bdp.paths import repo_root


def assemble(component: Component, ws: Workspace) -> Assembly:
    house = WHEEL_HOUSES[component.name]
    lock = repo_root() / house.lock
    pinned = wheelhouse.pinned(lock.read_text())
    if pinned.get(house.project) != component.version:
        raise MirrorError(
            f"{lock.name} pins {house.project}=={pinned.get(house.project)}, but bdp_versions"
            f" says {component.version}: edit {lock.stem}.in and run `make lock`"
        )
    root = ws.root(component)
    ws.log(f"building the wheels of {len(pinned)} pinned requirements with pip")
    wheels = wheelhouse.build(component.name, lock, root / "wheels", ws.downloads / "pip-cache")
    (root / "requirements.txt").write_text(wheelhouse.requirements(wheels), encoding="utf-8")
    ws.log(f"{len(wheels)} wheels, pinned by hash in requirements.txt")
    return Assembly(sources=component.sources, artifacts=[w.name for w in wheels])
