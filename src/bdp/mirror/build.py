"""`bdp mirror build`: assemble, archive, checksum and stamp each component; then MANIFEST."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from bdp.mirror.assemble import ASSEMBLERS
from bdp.mirror.assemble.common import Workspace
from bdp.mirror.atomic import atomic_output, write_text_atomically
from bdp.mirror.buildinfo import render_build_info
from bdp.mirror.checksum import read_checksum, sha512_file, write_checksum
from bdp.mirror.components import Component
from bdp.mirror.layout import CACHE_DIR
from bdp.mirror.manifest import archive_of, manifest_entry, render_manifest
from bdp.mirror.stamp import Stamp, decide, read_stamp, render_stamp, stamp_path
from bdp.mirror.tarball import write_tarball

Log = Callable[[str], None]


def build(dest: Path, components: list[Component], log: Log) -> None:
    started = time.monotonic()
    for component in components:
        build_component(component, dest, log)
    write_manifest(dest)
    log(f"mirror ready in {dest} ({time.monotonic() - started:.0f}s)")


def build_component(component: Component, dest: Path, log: Log) -> None:
    def say(message: str) -> None:
        log(f"[{component.name}] {message}")

    archive = dest / component.archive
    decision = decide(
        archive.is_file(), read_checksum(archive), read_stamp(archive), component.inputs()
    )
    if decision.cached:
        say(f"cached: {component.archive}")
        return
    say(f"building {component.archive} ({decision.reason})")
    started = time.monotonic()
    cache = dest / CACHE_DIR
    ws = Workspace(
        stage=cache / "staging" / component.name,
        work=cache / "work" / component.name,
        downloads=cache / "downloads",
        log=say,
    )
    shutil.rmtree(ws.stage, ignore_errors=True)
    ws.root(component).mkdir(parents=True)
    assembly = ASSEMBLERS[component.name](component, ws)
    (ws.root(component) / "BUILD-INFO.txt").write_text(
        render_build_info(component, assembly.sources, assembly.missing, assembly.artifacts),
        encoding="utf-8",
    )
    say("writing the archive")
    stamp_path(archive).unlink(missing_ok=True)
    with atomic_output(archive) as temporary:
        entries = write_tarball(ws.stage, component.top_dir, temporary)
        digest = sha512_file(temporary)
    write_checksum(archive, digest)
    size = archive.stat().st_size
    stamp = Stamp(component.inputs(), assembly.sources, assembly.missing, digest, size)
    write_text_atomically(stamp_path(archive), render_stamp(stamp))
    shutil.rmtree(ws.stage)
    shutil.rmtree(ws.work, ignore_errors=True)
    say(
        f"wrote {component.archive}: {size / 1e6:.1f} MB, {entries} entries, "
        f"{time.monotonic() - started:.0f}s"
    )


def write_manifest(dest: Path) -> None:
    """MANIFEST.json from the stamps of every finished archive under `dest`."""
    entries = []
    for stamp_file in sorted(dest.rglob("*.inputs.json")):
        if CACHE_DIR in stamp_file.relative_to(dest).parts:
            continue
        archive = archive_of(stamp_file)
        stamp = read_stamp(archive)
        if stamp is not None and archive.is_file():
            entries.append(manifest_entry(archive.relative_to(dest).as_posix(), stamp))
    write_text_atomically(dest / "MANIFEST.json", render_manifest(entries))
