import tarfile

import pytest

from bdp.mirror.atomic import atomic_output
from bdp.mirror.errors import MirrorError
from bdp.mirror.tarball import FIXED_MTIME, write_tarball


def stage_tree(stage):
    root = stage / "tool-1.0"
    (root / "bin").mkdir(parents=True)
    (root / "lib").mkdir()
    (root / "conf").mkdir()
    (root / "bin" / "run").write_text("#!/bin/sh\n")
    (root / "bin" / "run").chmod(0o700)
    (root / "lib" / "b.jar").write_bytes(b"b")
    (root / "lib" / "a.jar").write_bytes(b"a")
    return root


def test_atomic_output_renames_on_success(tmp_path):
    final = tmp_path / "out" / "x.tgz"
    with atomic_output(final) as temporary:
        assert temporary.parent == final.parent
        temporary.write_bytes(b"done")
        assert not final.exists()
    assert final.read_bytes() == b"done"
    assert sorted(p.name for p in final.parent.iterdir()) == ["x.tgz"]


def test_atomic_output_failure_leaves_old_file_and_no_temporary(tmp_path):
    final = tmp_path / "x.tgz"
    final.write_bytes(b"old")
    with pytest.raises(OSError, match="disk full"), atomic_output(final) as temporary:
        temporary.write_bytes(b"half")
        raise OSError("disk full")
    assert final.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.tgz"]


def test_tarball_failure_midway_leaves_no_archive(tmp_path, monkeypatch):
    stage_tree(tmp_path / "stage")
    calls = []
    real_addfile = tarfile.TarFile.addfile

    def failing_addfile(self, info, fileobj=None):
        calls.append(info.name)
        if len(calls) == 4:
            raise OSError("interrupted")
        return real_addfile(self, info, fileobj)

    monkeypatch.setattr(tarfile.TarFile, "addfile", failing_addfile)
    final = tmp_path / "mirror" / "tool-1.0.tgz"
    with pytest.raises(OSError, match="interrupted"), atomic_output(final) as temporary:
        write_tarball(tmp_path / "stage", "tool-1.0", temporary)
    assert len(calls) == 4
    assert list((tmp_path / "mirror").iterdir()) == []


def test_tarball_is_sorted_normalized_and_reproducible(tmp_path):
    stage_tree(tmp_path / "stage")
    first, second = tmp_path / "one.tgz", tmp_path / "two.tgz"
    assert write_tarball(tmp_path / "stage", "tool-1.0", first) == 7
    write_tarball(tmp_path / "stage", "tool-1.0", second)
    assert first.read_bytes() == second.read_bytes()
    with tarfile.open(first) as archive:
        members = archive.getmembers()
    assert [m.name for m in members] == [
        "tool-1.0",
        "tool-1.0/bin",
        "tool-1.0/bin/run",
        "tool-1.0/conf",
        "tool-1.0/lib",
        "tool-1.0/lib/a.jar",
        "tool-1.0/lib/b.jar",
    ]
    modes = {m.name: (m.mode, m.uid, m.gid, m.uname, m.mtime) for m in members}
    assert modes["tool-1.0/bin/run"] == (0o755, 0, 0, "root", FIXED_MTIME)
    assert modes["tool-1.0/lib/a.jar"] == (0o644, 0, 0, "root", FIXED_MTIME)
    assert modes["tool-1.0/conf"] == (0o755, 0, 0, "root", FIXED_MTIME)


def test_symlinks_are_refused(tmp_path):
    root = stage_tree(tmp_path / "stage")
    (root / "lib" / "link.jar").symlink_to(root / "lib" / "a.jar")
    with pytest.raises(MirrorError, match=r"link\.jar: only regular files and directories"):
        write_tarball(tmp_path / "stage", "tool-1.0", tmp_path / "x.tgz")
