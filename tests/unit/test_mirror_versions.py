import pytest

from bdp.errors import BdpError
from bdp.mirror import cli
from bdp.mirror.errors import MirrorError
from bdp.mirror.versions import load_versions, require
from bdp.paths import VERSIONS_FILE, repo_root


def write_versions(root, text):
    path = root / VERSIONS_FILE
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


def test_load_versions_stringifies_values(tmp_path):
    path = write_versions(tmp_path, "bdp_versions:\n  kafka: '4.4.0'\n  kafka_scala: 2.13\n")
    assert load_versions(path) == {"kafka": "4.4.0", "kafka_scala": "2.13"}


def test_missing_mapping_is_named(tmp_path):
    path = write_versions(tmp_path, "other: 1\n")
    with pytest.raises(MirrorError, match="missing mapping bdp_versions"):
        load_versions(path)


def test_require_names_key_and_file(tmp_path):
    with pytest.raises(MirrorError, match=r"versions\.yml: missing key bdp_versions\.spark$"):
        require({"kafka": "4.4.0"}, "spark", tmp_path / "versions.yml")


def test_repo_root_walks_up(tmp_path):
    write_versions(tmp_path, "bdp_versions: {}\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert repo_root([tmp_path / "nowhere", deep]) == tmp_path


def test_repo_root_names_the_missing_file(tmp_path):
    with pytest.raises(BdpError, match=r"no ansible/group_vars/all/versions\.yml in or above"):
        repo_root([tmp_path])


def test_mirror_commands_hint_at_repo_root_option(monkeypatch, tmp_path):
    def nowhere():
        return repo_root([tmp_path])

    monkeypatch.setattr(cli, "repo_root", nowhere)
    with pytest.raises(MirrorError, match="--repo-root"):
        cli._repo_root(None)
