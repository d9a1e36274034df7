import hashlib

import pytest

from bdp.mirror.checksum import (
    check_archive,
    checksum_path,
    format_line,
    parse_line,
    read_checksum,
    sha512_file,
    write_checksum,
)
from bdp.mirror.errors import MirrorError
from bdp.mirror.verify import verify

DIGEST = hashlib.sha512(b"payload").hexdigest()


def make_archive(directory, name="x-1.0.tar.gz", content=b"payload"):
    archive = directory / name
    archive.parent.mkdir(parents=True, exist_ok=True)
    archive.write_bytes(content)
    write_checksum(archive, sha512_file(archive))
    return archive


def test_format_matches_sha512sum():
    assert format_line(DIGEST, "x-1.0.tgz") == f"{DIGEST}  x-1.0.tgz\n"


def test_written_file_is_sha512sum_format(tmp_path):
    archive = make_archive(tmp_path)
    assert checksum_path(archive).name == "x-1.0.tar.gz.sha512"
    assert checksum_path(archive).read_text() == f"{DIGEST}  x-1.0.tar.gz\n"
    assert read_checksum(archive) == DIGEST


def test_parse_accepts_binary_marker_and_rejects_junk(tmp_path):
    assert parse_line(f"{DIGEST} *x.tgz\n", tmp_path / "x.tgz.sha512") == (DIGEST, "x.tgz")
    with pytest.raises(MirrorError, match=r"x\.tgz\.sha512: expected one line"):
        parse_line("abc  x.tgz\n", tmp_path / "x.tgz.sha512")
    with pytest.raises(MirrorError):
        parse_line(f"{DIGEST}  a\n{DIGEST}  b\n", tmp_path / "x.sha512")


def test_check_passes_for_matching_archive(tmp_path):
    check_archive(make_archive(tmp_path))


def test_mismatch_names_the_file(tmp_path):
    archive = make_archive(tmp_path)
    archive.write_bytes(b"tampered")
    with pytest.raises(MirrorError) as caught:
        check_archive(archive)
    assert str(caught.value).startswith(f"{archive}: sha512 mismatch: x-1.0.tar.gz.sha512 says")


def test_checksum_naming_another_file_fails(tmp_path):
    archive = make_archive(tmp_path)
    checksum_path(archive).write_text(format_line(DIGEST, "other.tgz"))
    with pytest.raises(MirrorError, match=r"names other\.tgz"):
        check_archive(archive)


def test_verify_reports_every_problem(tmp_path):
    make_archive(tmp_path / "apache/kafka/4.4.0", "kafka_2.13-4.4.0.tgz")
    bad = make_archive(tmp_path / "apache/spark", "spark.tgz")
    bad.write_bytes(b"truncated")
    (tmp_path / "apache/unsigned.tar.gz").write_bytes(b"x")
    (tmp_path / "apache/gone.tgz.sha512").write_text(format_line(DIGEST, "gone.tgz"))
    make_archive(tmp_path / ".cache/staging", "ignored.tgz").write_bytes(b"not checked")
    lines = []
    problems = verify(tmp_path, lines.append)
    assert lines == [
        "OK     apache/kafka/4.4.0/kafka_2.13-4.4.0.tgz",
        "FAILED apache/spark/spark.tgz",
        "FAILED apache/unsigned.tar.gz",
    ]
    assert len(problems) == 3
    assert problems[0] == f"{tmp_path}/apache/gone.tgz.sha512: checksum file without its archive"
    assert "spark.tgz: sha512 mismatch" in problems[1]
    assert "no checksum file unsigned.tar.gz.sha512" in problems[2]


def test_verify_of_an_empty_mirror_fails(tmp_path):
    assert verify(tmp_path, print) == [f"{tmp_path}: no archives (*.tar.gz, *.tgz) found"]
