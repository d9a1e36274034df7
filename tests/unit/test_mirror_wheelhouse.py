"""The Airflow wheel house: pins read from the lock, wheels checked against the hosts."""

import hashlib

import pytest

from bdp.mirror import wheelhouse
from bdp.mirror.components import WHEEL_HOUSES
from bdp.mirror.errors import MirrorError
from bdp_testkit.helpers import REPO

LOCK = """\
apache-airflow==3.3.2 \\
    --hash=sha256:aa
    # via -r requirements-airflow.in
Flask_Session==0.8.0 ; python_version < '3.14' \\
    --hash=sha256:bb
"""


def test_pins_are_read_with_normalised_names():
    assert wheelhouse.pinned(LOCK) == {"apache-airflow": "3.3.2", "flask-session": "0.8.0"}


def test_wheel_names_give_project_and_version():
    assert wheelhouse.wheel_pin("Flask_Session-0.8.0-py3-none-any.whl") == (
        "flask-session",
        "0.8.0",
    )


@pytest.mark.parametrize(
    "wheel",
    [
        "six-1.17.0-py2.py3-none-any.whl",
        "pyyaml-6.0.3-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
        "cryptography-50.0.2-cp311-abi3-manylinux_2_34_x86_64.whl",
        "protobuf-7.36.2-cp310-abi3-manylinux2014_x86_64.whl",
    ],
)
def test_wheels_for_cpython_311_on_x86_64_linux_fit(wheel):
    assert wheelhouse.foreign_wheels([wheel]) == []


@pytest.mark.parametrize(
    "wheel",
    [
        "pyyaml-6.0.3-cp312-cp312-manylinux2014_x86_64.whl",
        "pyyaml-6.0.3-cp311-cp311-manylinux2014_aarch64.whl",
        "pyyaml-6.0.3-cp311-cp311-macosx_11_0_arm64.whl",
    ],
)
def test_wheels_for_another_python_or_platform_are_named(wheel):
    assert wheelhouse.foreign_wheels([wheel]) == [wheel]


def test_requirements_pin_each_wheel_by_its_own_hash(tmp_path):
    wheel = tmp_path / "six-1.17.0-py2.py3-none-any.whl"
    wheel.write_bytes(b"wheel bytes")
    digest = hashlib.sha256(b"wheel bytes").hexdigest()
    assert wheelhouse.requirements([wheel]) == f"six==1.17.0 --hash=sha256:{digest}\n"


@pytest.mark.parametrize("name", sorted(WHEEL_HOUSES))
def test_each_lock_pins_the_bill_of_materials_version(name):
    import yaml

    house = WHEEL_HOUSES[name]
    versions = yaml.safe_load((REPO / "ansible/group_vars/all/versions.yml").read_text())
    lock = (REPO / house.lock).read_text()
    assert wheelhouse.pinned(lock)[house.project] == versions["bdp_versions"][house.version_key]


def test_a_missing_lock_is_named(monkeypatch, tmp_path):
    monkeypatch.setattr(wheelhouse, "repo_root", lambda: tmp_path)
    with pytest.raises(MirrorError, match="make lock"):
        wheelhouse.lock_id(wheelhouse.AIRFLOW_LOCK)
