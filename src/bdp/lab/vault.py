"""The lab's secrets: a vault.yml with a random value for every name production must set.

The names come from inventories/production/group_vars/all/vault.yml.example, so the lab
and production need the same secrets. The vault password lives in the lab's state
directory (never in the repository); values already generated are kept, so a second
deploy sees the same passwords and changes nothing.
"""

import base64
import secrets
from pathlib import Path

import yaml
from ansible.parsing.vault import VaultLib, VaultSecret

from bdp.errors import BdpError
from bdp.lab.topology import LabSettings, is_lab_inventory, load_lab
from bdp.paths import repo_root
from bdp.progress import say

EXAMPLE = Path("inventories/production/group_vars/all/vault.yml.example")
VAULT_IN_INVENTORY = Path("group_vars/all/vault.yml")


def password_file(settings: LabSettings) -> Path:
    return settings.state_dir / "vault-password"


def secret_names(example: Path) -> list[str]:
    doc = yaml.safe_load(example.read_text())
    if not isinstance(doc, dict) or not all(str(name).startswith("vault_") for name in doc):
        raise BdpError(f"{example}: expected a mapping of vault_* names")
    return list(doc)


def _vault(password: Path) -> VaultLib:
    return VaultLib([("default", VaultSecret(password.read_bytes().strip()))])


def read_secrets(settings: LabSettings, inventory: Path) -> dict[str, str]:
    """Every value of the lab's vault.yml, by variable name."""
    vault_path = inventory / VAULT_IN_INVENTORY
    if not vault_path.exists() or not password_file(settings).exists():
        raise BdpError(f"{vault_path} or its password is missing: run `bdp lab create`")
    return yaml.safe_load(_vault(password_file(settings)).decrypt(vault_path.read_bytes()))


def read_secret(settings: LabSettings, inventory: Path, name: str) -> str:
    """One value of the lab's vault.yml."""
    values = read_secrets(settings, inventory)
    if name not in values:
        vault_path = inventory / VAULT_IN_INVENTORY
        raise BdpError(f"{vault_path} has no {name}: run `bdp lab create` to add it")
    return values[name]


def lab_secret(inventory: Path, name: str) -> str | None:
    """The secret `name` of a lab inventory's vault; None for any other inventory."""
    if not is_lab_inventory(inventory):
        return None
    return read_secret(load_lab(inventory).settings, inventory, name)


def lab_admin_password(inventory: Path, user: str, name: str) -> str | None:
    """For the admin `user` of a lab inventory, the secret `name` of its vault; else None."""
    return lab_secret(inventory, name) if user == "admin" else None


def random_secret(name: str) -> str:
    """A fresh value for one secret: Fernet keys must be 32 url-safe base64 bytes."""
    if name.endswith("_fernet_key"):
        return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    return secrets.token_urlsafe(24)


def ensure_lab_secrets(settings: LabSettings, inventory: Path) -> Path:
    """Write (or complete) the lab's encrypted vault.yml; return the vault password file."""
    password, vault_path = password_file(settings), inventory / VAULT_IN_INVENTORY
    if not password.exists():
        password.parent.mkdir(parents=True, exist_ok=True)
        password.touch(mode=0o600)
        password.write_text(secrets.token_urlsafe(32) + "\n")
        vault_path.unlink(missing_ok=True)  # encrypted with a password that is gone
    vault = _vault(password)
    current: dict[str, str] = {}
    if vault_path.exists():
        current = yaml.safe_load(vault.decrypt(vault_path.read_bytes())) or {}
    wanted = secret_names(repo_root() / EXAMPLE)
    missing = [name for name in wanted if name not in current]
    if missing:
        current.update({name: random_secret(name) for name in missing})
        plain = yaml.safe_dump(current, sort_keys=True)
        vault_path.write_bytes(vault.encrypt(plain))
        vault_path.chmod(0o600)
        say(f"lab secrets: generated {', '.join(missing)} in {vault_path}")
    return password
