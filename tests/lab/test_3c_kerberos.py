"""The platform's Kerberos realm in the lab: the KDC and admin server on the kerberos_kdc
host, every host a client of the realm, and a service keytab made on the host that uses it
(the admin server sends the keys over kadmin's encrypted channel), once."""

import json
import re

import pytest

from bdp_testkit.helpers import play_recap, run_playbook
from labkit import lab_secret, on_host, shell_stdout

pytestmark = pytest.mark.lab

REALM = "BDP.INTERNAL"
HOST = "spark-worker-01"
PRINCIPAL = f"probe/{HOST}"
KEYTAB = "/etc/security/keytabs/probe.keytab"
OWNER = "nobody"
PLAYBOOK = "tests/lab/playbooks/keytab.yml"
LOGIN = f"kinit -kt {KEYTAB} -c MEMORY: {PRINCIPAL} && echo OK"
KEYTAB_VARS = json.dumps(
    {
        "keytab_test_host": HOST,
        "kerberos_client_keytab_principal": PRINCIPAL,
        "kerberos_client_keytab_path": KEYTAB,
        "kerberos_client_keytab_owner": OWNER,
    }
)


def make_keytab() -> str:
    result = run_playbook(
        "-i", "inventories/lab", "tests/lab/playbooks/keytab.yml", "-e", KEYTAB_VARS
    )
    assert result.returncode == 0, result.stdout[-4000:]
    return result.stdout


@pytest.fixture(scope="module")
def realm():
    result = run_playbook("-i", "inventories/lab", "ansible/kerberos.yml")
    assert result.returncode == 0, result.stdout[-4000:]
    on_host(HOST, f"rm -f {KEYTAB}")
    return make_keytab()


def key_versions() -> list[int]:
    """The key versions of the probe principal in its keytab."""
    listing = shell_stdout(on_host(HOST, f"klist -k {KEYTAB}"))
    found = re.findall(rf"^\s*(\d+) {re.escape(PRINCIPAL)}@{REALM}$", listing, re.M)
    return sorted({int(version) for version in found})


def test_a_service_logs_in_with_its_keytab(realm):
    output = shell_stdout(
        on_host(
            HOST,
            f"runuser -u {OWNER} -- sh -c 'kinit -kt {KEYTAB} -c MEMORY: {PRINCIPAL} && echo OK'",
        )
    )
    assert output.strip().endswith("OK"), output


def test_the_keytab_is_its_owners_alone(realm):
    mode, owner = shell_stdout(on_host(HOST, f"stat -c '%a %U' {KEYTAB}")).split()
    assert (mode, owner) == ("400", OWNER)


def test_a_wrong_password_is_refused(realm):
    output = on_host(HOST, "kinit -c MEMORY: bdp/admin", check=False, stdin="wrong-password\n")
    assert "rc=1" in output and "Password incorrect" in output, output


def test_the_admin_principal_logs_in_with_its_vault_password(realm):
    password = lab_secret("vault_kerberos_admin_password")
    output = on_host(
        HOST, "kinit -c MEMORY: bdp/admin && echo OK", check=False, stdin=password + "\n"
    )
    assert output.strip().endswith("OK"), output


def test_a_second_run_keeps_the_keytab(realm):
    before = key_versions()
    assert play_recap(make_keytab())[HOST]["changed"] == 0
    assert key_versions() == before


def test_rotation_gives_new_keys_and_keeps_the_version_before(realm):
    current = key_versions()[-1]
    for _ in range(2):
        result = run_playbook(
            "-i", "inventories/lab", "ansible/rotate_keytabs.yml", "--limit", HOST
        )
        assert result.returncode == 0, result.stdout[-4000:]
    assert key_versions() == [current + 1, current + 2]
    login = f"runuser -u {OWNER} -- sh -c 'kinit -kt {KEYTAB} -c MEMORY: {PRINCIPAL} && echo OK'"
    assert shell_stdout(on_host(HOST, login)).strip().endswith("OK")
