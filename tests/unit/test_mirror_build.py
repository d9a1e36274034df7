import argparse
import json
import tarfile

import pytest

from bdp.mirror import build as build_module
from bdp.mirror import register
from bdp.mirror.assemble.common import Assembly
from bdp.mirror.build import build
from bdp.mirror.checksum import checksum_path, sha512_file
from bdp.mirror.components import plan
from bdp.mirror.errors import MirrorError
from bdp.mirror.stamp import stamp_path
from bdp.mirror.verify import verify

VERSIONS = {"kafka": "4.4.0", "kafka_scala": "2.13"}


@pytest.fixture
def kafka():
    return plan(VERSIONS, "versions.yml", ["kafka"])


@pytest.fixture
def fake_assembler(monkeypatch):
    calls = []

    def assemble(component, ws):
        calls.append(component.name)
        libs = ws.root(component) / "libs"
        libs.mkdir()
        (libs / "kafka_2.13-4.4.0.jar").write_bytes(b"jar")
        (ws.root(component) / "config").mkdir()
        return Assembly(sources=["maven:org.apache.kafka:kafka_2.13:4.4.0"], missing=["bin/"])

    monkeypatch.setitem(build_module.ASSEMBLERS, "kafka", assemble)
    return calls


def test_build_writes_archive_checksum_stamp_and_manifest(tmp_path, kafka, fake_assembler):
    log = []
    build(tmp_path, kafka, log.append)
    archive = tmp_path / "apache/kafka/4.4.0/kafka_2.13-4.4.0.tgz"
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        info = tar.extractfile("kafka_2.13-4.4.0/BUILD-INFO.txt").read().decode()
    assert names == [
        "kafka_2.13-4.4.0",
        "kafka_2.13-4.4.0/BUILD-INFO.txt",
        "kafka_2.13-4.4.0/config",
        "kafka_2.13-4.4.0/libs",
        "kafka_2.13-4.4.0/libs/kafka_2.13-4.4.0.jar",
    ]
    assert "  - maven:org.apache.kafka:kafka_2.13:4.4.0\n" in info
    assert "  - bin/\n" in info
    digest = sha512_file(archive)
    assert checksum_path(archive).read_text() == f"{digest}  kafka_2.13-4.4.0.tgz\n"
    manifest = json.loads((tmp_path / "MANIFEST.json").read_text())
    assert manifest["archives"] == [
        {
            "path": "apache/kafka/4.4.0/kafka_2.13-4.4.0.tgz",
            "component": "kafka",
            "versions": VERSIONS,
            "sha512": digest,
            "size": archive.stat().st_size,
            "sources": ["maven:org.apache.kafka:kafka_2.13:4.4.0"],
            "missing": ["bin/"],
        }
    ]
    assert not list((tmp_path / ".cache/staging").iterdir())
    assert verify(tmp_path, log.append) == []


def test_second_build_is_cached(tmp_path, kafka, fake_assembler):
    build(tmp_path, kafka, print)
    log = []
    build(tmp_path, kafka, log.append)
    assert fake_assembler == ["kafka"]
    assert log[0] == "[kafka] cached: apache/kafka/4.4.0/kafka_2.13-4.4.0.tgz"


def test_changed_version_rebuilds(tmp_path, kafka, fake_assembler):
    build(tmp_path, kafka, print)
    stamp = stamp_path(tmp_path / kafka[0].archive)
    stamp.write_text(stamp.read_text().replace('"kafka_scala": "2.13"', '"kafka_scala": "2.12"'))
    log = []
    build(tmp_path, kafka, log.append)
    assert fake_assembler == ["kafka", "kafka"]
    assert "(inputs changed)" in log[0]


def test_failed_assembly_leaves_no_archive(tmp_path, kafka, monkeypatch):
    def broken(component, ws):
        raise MirrorError("kafka: Maven could not resolve org.apache.kafka:kafka-tools:jar:4.4.0")

    monkeypatch.setitem(build_module.ASSEMBLERS, "kafka", broken)
    with pytest.raises(MirrorError, match="kafka-tools"):
        build(tmp_path, kafka, print)
    assert not (tmp_path / "apache").exists()


def test_register_adds_mirror_build_and_verify():
    parser = argparse.ArgumentParser(prog="bdp")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["mirror", "build", "--only", "kafka,spark", "--dest", "/tmp/m"])
    assert args.only == ["kafka", "spark"]
    assert str(args.dest) == "/tmp/m"
    assert args.func.__name__ == "run_build"
    assert parser.parse_args(["mirror", "verify"]).func.__name__ == "run_verify"


def test_only_rejects_unknown_components(capsys):
    parser = argparse.ArgumentParser(prog="bdp")
    register(parser.add_subparsers(dest="command", required=True))
    with pytest.raises(SystemExit):
        parser.parse_args(["mirror", "build", "--only", "kafka,flink"])
    assert "unknown component(s) flink" in capsys.readouterr().err


def test_verify_command_exits_non_zero_naming_the_file(tmp_path, kafka, fake_assembler, capsys):
    build(tmp_path, kafka, print)
    archive = tmp_path / kafka[0].archive
    archive.write_bytes(b"corrupt")
    parser = argparse.ArgumentParser(prog="bdp")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["mirror", "verify", "--dest", str(tmp_path)])
    assert args.func(args) == 1
    assert f"{archive}: sha512 mismatch" in capsys.readouterr().err
