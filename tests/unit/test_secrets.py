"""Secrets: every vault_* name the roles use is declared once, and the lab generates them."""

import re
from pathlib import Path

import yaml
from ansible.parsing.vault import VaultLib, VaultSecret

from bdp.lab import vault
from bdp.lab.topology import LabSettings
from bdp_testkit.helpers import REPO

VAULT_REFERENCE = re.compile(r"\bvault_[a-z0-9_]+")


def referenced_names() -> set[str]:
    names = set()
    for folder in ("roles", "ansible", "inventories", "collectors", "dags"):
        for path in (REPO / folder).rglob("*"):
            if path.is_file() and path.suffix in {".yml", ".yaml", ".j2", ".py"}:
                names |= set(VAULT_REFERENCE.findall(path.read_text(errors="replace")))
    return names


def test_every_referenced_secret_is_declared_in_the_example():
    declared = set(vault.secret_names(REPO / vault.EXAMPLE))
    missing = referenced_names() - declared
    assert not missing, f"declare {sorted(missing)} in {vault.EXAMPLE}"


def test_no_clear_text_vault_file_is_committed():
    for path in REPO.glob("inventories/*/group_vars/**/vault.yml"):
        assert path.read_bytes().startswith(b"$ANSIBLE_VAULT;"), f"{path} is not encrypted"


def settings(tmp_path: Path) -> LabSettings:
    return LabSettings(
        state_dir=tmp_path / "state",
        bridge="b",
        control_address="10.9.0.1",
        prefix_length=24,
        apt_proxy_port=1,
        artifact_port=2,
        debian_suite="bookworm",
        base_packages=(),
        boot_timeout=1,
    )


def decrypt(password: Path, path: Path) -> dict[str, str]:
    lib = VaultLib([("default", VaultSecret(password.read_bytes().strip()))])
    return yaml.safe_load(lib.decrypt(path.read_bytes()))


def test_lab_secrets_are_generated_encrypted_and_kept(tmp_path):
    inventory = tmp_path / "inventory"
    (inventory / "group_vars" / "all").mkdir(parents=True)
    lab = settings(tmp_path)
    password = vault.ensure_lab_secrets(lab, inventory)
    vault_file = inventory / vault.VAULT_IN_INVENTORY
    assert password.stat().st_mode & 0o077 == 0
    assert vault_file.read_bytes().startswith(b"$ANSIBLE_VAULT;")
    first = decrypt(password, vault_file)
    assert set(first) == set(vault.secret_names(REPO / vault.EXAMPLE))
    assert all(len(value) >= 24 and value != "CHANGE-ME" for value in first.values())
    before = vault_file.read_bytes()
    vault.ensure_lab_secrets(lab, inventory)
    assert vault_file.read_bytes() == before  # same secrets, so a redeploy changes nothing


def test_lab_secrets_are_regenerated_when_the_password_is_gone(tmp_path):
    inventory = tmp_path / "inventory"
    (inventory / "group_vars" / "all").mkdir(parents=True)
    lab = settings(tmp_path)
    password = vault.ensure_lab_secrets(lab, inventory)
    first = decrypt(password, inventory / vault.VAULT_IN_INVENTORY)
    password.unlink()
    password = vault.ensure_lab_secrets(lab, inventory)
    assert decrypt(password, inventory / vault.VAULT_IN_INVENTORY) != first


def test_a_generated_fernet_key_is_one_that_airflow_accepts():
    from cryptography.fernet import Fernet

    key = vault.random_secret("vault_airflow_fernet_key")
    assert Fernet(key.encode()).decrypt(Fernet(key.encode()).encrypt(b"x")) == b"x"
    assert vault.random_secret("vault_airflow_fernet_key") != key
    assert len(vault.random_secret("vault_redis_password")) >= 32
