"""`bdp deploy`: run a playbook against an inventory, after checks Ansible itself makes late.

Ansible only notices a missing vault password when it first needs a secret, and then does
not say which file holds it; this command checks before anything runs.
"""

import argparse
import subprocess
import sys
from pathlib import Path

from bdp.errors import BdpError
from bdp.inventory import add_inventory_argument, ansible_env
from bdp.paths import repo_root

VAULT_HEADER = "$ANSIBLE_VAULT;"
PASSWORD_OPTIONS = ("--vault-password-file", "--vault-pass-file", "--ask-vault-pass", "-J")


def vault_files(inventory: Path) -> list[Path]:
    """Files under the inventory that ansible-vault encrypted."""
    found = []
    for path in sorted(inventory.rglob("*")):
        if path.is_file():
            with path.open("rb") as stream:
                if stream.read(len(VAULT_HEADER)) == VAULT_HEADER.encode():
                    found.append(path)
    return found


def check_vault_password(
    encrypted: list[Path], playbook_args: list[str], env: dict[str, str]
) -> None:
    if not encrypted:
        return
    password_file = env.get("ANSIBLE_VAULT_PASSWORD_FILE")
    given = any(arg.split("=")[0] in PASSWORD_OPTIONS for arg in playbook_args)
    if password_file and not Path(password_file).is_file():
        raise BdpError(f"ANSIBLE_VAULT_PASSWORD_FILE={password_file} does not exist")
    if not password_file and not given and not env.get("ANSIBLE_VAULT_IDENTITY_LIST"):
        names = ", ".join(str(path) for path in encrypted)
        raise BdpError(
            f"{names} is encrypted with ansible-vault but no vault password was given: "
            "set ANSIBLE_VAULT_PASSWORD_FILE or pass --vault-password-file / --ask-vault-pass"
        )


def cmd_deploy(args: argparse.Namespace) -> int:
    root = repo_root()
    inventory = Path(args.inventory)
    if not inventory.exists():
        inventory = root / args.inventory
    if not inventory.exists():
        raise BdpError(f"inventory {args.inventory} does not exist")
    env = dict(ansible_env(inventory), ANSIBLE_CONFIG=str(root / "ansible" / "ansible.cfg"))
    check_vault_password(vault_files(inventory), args.ansible_args, env)
    extra = [arg for arg in args.ansible_args if arg != "--"]
    # The ansible-playbook of bdp's own environment, whether or not it is activated.
    beside = Path(sys.executable).parent / "ansible-playbook"
    program = str(beside) if beside.exists() else "ansible-playbook"
    argv = [program, "-i", str(inventory), str(root / args.playbook), *extra]
    try:
        return subprocess.call(argv, env=env)
    except FileNotFoundError as exc:
        raise BdpError("ansible-playbook not found: run `make setup`") from exc


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "deploy",
        help="run site.yml (or another playbook) against an inventory",
        description="Deploy the platform: ansible-playbook with up-front checks of the vault "
        "password. Arguments after -- go to ansible-playbook.",
    )
    add_inventory_argument(parser)
    parser.add_argument("--playbook", default="site.yml", help="relative to the repository root")
    parser.add_argument("ansible_args", nargs=argparse.REMAINDER, metavar="-- ANSIBLE-ARGS")
    parser.set_defaults(func=cmd_deploy)
