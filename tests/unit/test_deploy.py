import pytest

from bdp.deploy import check_vault_password, vault_files
from bdp.errors import BdpError
from bdp.inventory import ansible_env
from bdp.lab.vault import lab_admin_password
from bdp_testkit.helpers import REPO


@pytest.fixture
def inventory(tmp_path):
    (tmp_path / "group_vars" / "all").mkdir(parents=True)
    (tmp_path / "hosts.yml").write_text("all: {}\n")
    (tmp_path / "group_vars" / "all" / "main.yml").write_text("a: 1\n")
    vault = tmp_path / "group_vars" / "all" / "vault.yml"
    vault.write_text("$ANSIBLE_VAULT;1.1;AES256\n3630\n")
    return tmp_path


def test_finds_only_encrypted_files(inventory):
    assert [p.name for p in vault_files(inventory)] == ["vault.yml"]


def test_missing_vault_password_names_the_file(inventory):
    with pytest.raises(BdpError, match=r"vault\.yml is encrypted with ansible-vault but no vault"):
        check_vault_password(vault_files(inventory), [], {})


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--ask-vault-pass"], {}),
        (["--vault-password-file=/x"], {}),
        ([], {"ANSIBLE_VAULT_IDENTITY_LIST": "prod@prompt"}),
    ],
)
def test_a_given_password_passes(inventory, args, env):
    check_vault_password(vault_files(inventory), args, env)


def test_a_missing_password_file_is_named(inventory, tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(BdpError, match=f"ANSIBLE_VAULT_PASSWORD_FILE={missing} does not exist"):
        check_vault_password(
            vault_files(inventory), [], {"ANSIBLE_VAULT_PASSWORD_FILE": str(missing)}
        )


def test_lab_vault_password_is_only_used_for_a_lab_inventory(tmp_path, monkeypatch):
    monkeypatch.delenv("ANSIBLE_VAULT_PASSWORD_FILE", raising=False)
    # No lab settings: not a lab inventory.
    assert "ANSIBLE_VAULT_PASSWORD_FILE" not in ansible_env(tmp_path)
    assert "ANSIBLE_VAULT_PASSWORD_FILE" not in ansible_env(REPO / "inventories" / "production")


def test_lab_admin_password_only_for_the_admin_of_a_lab_inventory():
    name = "vault_kafka_admin_password"
    assert lab_admin_password(REPO / "inventories" / "production", "admin", name) is None
    assert lab_admin_password(REPO / "inventories" / "lab", "collector", name) is None
