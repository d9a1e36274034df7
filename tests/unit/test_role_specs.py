"""Every role declares its variables in meta/argument_specs.yml, and its defaults fit them.

Ansible checks a role's variables against the spec of its entry point before the role's first
task runs, but only the variables the spec declares: an undeclared default is never checked,
and a default that does not fit its declared type fails every deploy that keeps it.
"""

from pathlib import Path

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from bdp_testkit.helpers import REPO

ROLES_DIR = REPO / "roles"
ROLES = sorted(path.name for path in ROLES_DIR.iterdir() if path.is_dir())


def read_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text()) or {}


def spec_file(role: str) -> Path:
    return ROLES_DIR / role / "meta" / "argument_specs.yml"


def defaults_of(role: str) -> dict[str, object]:
    path = ROLES_DIR / role / "defaults" / "main.yml"
    return read_yaml(path) if path.exists() else {}


def main_options(role: str) -> dict[str, dict]:
    # The entry point Ansible validates when a play lists the role (`roles:`, include_role).
    return read_yaml(spec_file(role))["argument_specs"]["main"].get("options") or {}


def has_jinja(value: object) -> bool:
    """Whether Ansible renders the value first: unrendered, a template is only a string."""
    if isinstance(value, str):
        return "{{" in value
    if isinstance(value, dict):
        return any(has_jinja(key) or has_jinja(item) for key, item in value.items())
    if isinstance(value, list):
        return any(has_jinja(item) for item in value)
    return False


def spec_errors(name: str, value: object, spec: dict) -> list[str]:
    """What Ansible's own validator says of one value against its declared option."""
    return ArgumentSpecValidator({name: spec}).validate({name: value}).error_messages


@pytest.mark.parametrize("role", ROLES)
def test_role_has_an_argument_spec(role: str) -> None:
    assert spec_file(role).is_file(), f"{role}: no meta/argument_specs.yml"


@pytest.mark.parametrize("role", ROLES)
def test_every_default_is_declared_in_the_main_entry_point(role: str) -> None:
    missing = sorted(set(defaults_of(role)) - set(main_options(role)))
    assert not missing, f"{role}: defaults missing from the main entry point: {', '.join(missing)}"


@pytest.mark.parametrize("role", ROLES)
def test_literal_defaults_fit_their_declared_spec(role: str) -> None:
    options = main_options(role)
    errors = [
        f"{role}: {name}: {message}"
        for name, value in defaults_of(role).items()
        if name in options and not has_jinja(value)
        for message in spec_errors(name, value, options[name])
    ]
    assert not errors, "\n".join(errors)
