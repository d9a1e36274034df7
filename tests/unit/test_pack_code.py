"""The python_venv role's code archive: reproducible, filtered, rewritten only on change."""

import importlib.util
import io
import json
import tarfile

from bdp_testkit.helpers import REPO

_spec = importlib.util.spec_from_file_location(
    "pack_code", REPO / "roles" / "python_venv" / "files" / "pack_code.py"
)
pack_code = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pack_code)


def tree(root):
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "pkg" / "__pycache__").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "sub" / "mod.py").write_text("X = 1\n")
    (root / "pkg" / "notes.txt").write_text("not code")
    (root / "pkg" / "__pycache__" / "mod.cpython-311.py").write_text("cache")
    return root / "pkg"


def test_only_matching_files_with_fixed_owner_mode_and_time(tmp_path):
    src = tree(tmp_path)
    data = pack_code.pack([(src, "/opt/x/lib/pkg", r"\.py$")])
    with tarfile.open(fileobj=io.BytesIO(data)) as members:
        found = {m.name: (m.type, m.mode, m.mtime, m.uname) for m in members.getmembers()}
    assert found == {
        "opt/x/lib/pkg": (tarfile.DIRTYPE, 0o755, 0, "root"),
        "opt/x/lib/pkg/sub": (tarfile.DIRTYPE, 0o755, 0, "root"),
        "opt/x/lib/pkg/__init__.py": (tarfile.REGTYPE, 0o644, 0, "root"),
        "opt/x/lib/pkg/sub/mod.py": (tarfile.REGTYPE, 0o644, 0, "root"),
    }


def test_the_archive_is_rewritten_only_when_a_file_changes(tmp_path, capsys):
    src = tree(tmp_path)
    out = tmp_path / "out" / "code.tar"
    args = [str(out), str(src), "/opt/x/lib/pkg", r"\.py$"]
    reports = []
    for edit in (None, None, "X = 2\n"):
        if edit:
            (src / "sub" / "mod.py").write_text(edit)
        assert pack_code.main(args) == 0
        reports.append(json.loads(capsys.readouterr().out)["changed"])
    assert reports == [True, False, True]


def test_a_missing_source_tree_is_an_error(tmp_path, capsys):
    assert pack_code.main([str(tmp_path / "o.tar"), str(tmp_path / "nope"), "/opt/x", "."]) == 1
    assert "is not a directory" in capsys.readouterr().err
