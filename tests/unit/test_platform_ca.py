"""The platform_ca role on this machine: the CA is made once, a service certificate is signed
for its key, kept while it is valid for longer than the renewal window, and signed again
inside it."""

import json
import sys
from pathlib import Path

import pytest
import yaml
from cryptography import x509

from bdp_testkit.helpers import run_tool


def run(tmp_path: Path, renew_days: int) -> None:
    """Create (or keep) the CA, trust it, and issue the service certificate."""
    settings = {
        "bdp_ca_host": "localhost",
        "bdp_ca_certificate": str(tmp_path / "trusted" / "platform-ca.crt"),
        "bdp_ca_organization": "bdp",
        "bdp_build_dir": str(tmp_path / "build"),
        "platform_ca_dir": str(tmp_path / "ca"),
        "platform_ca_renew_days": renew_days,
    }
    service = {
        "platform_ca_key": str(tmp_path / "service.key"),
        "platform_ca_certificate": str(tmp_path / "service.crt"),
        "platform_ca_unit": "probe",
        "platform_ca_name": "probe-host",
        "platform_ca_alt_names": ["DNS:probe-host", "IP:10.0.0.9"],
    }
    play = {
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "vars": settings,
        "tasks": [
            {"ansible.builtin.include_role": {"name": "platform_ca"}},
            {"ansible.builtin.include_role": {"name": "platform_ca", "tasks_from": "trust.yml"}},
            {
                "community.crypto.openssl_privatekey": {
                    "path": service["platform_ca_key"], "size": 2048, "mode": "0600"
                }
            },
            {
                "ansible.builtin.include_role": {"name": "platform_ca", "tasks_from": "issue.yml"},
                "vars": service,
            },
            {
                "ansible.builtin.copy": {
                    "content": "{{ platform_ca_issued }}",
                    "dest": service["platform_ca_certificate"],
                    "mode": "0644",
                }
            },
        ],
    }  # fmt: skip
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump([play]))
    inventory = tmp_path / "inventory" / "hosts.yml"  # trust.yml names the copy by its directory
    inventory.parent.mkdir(exist_ok=True)
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {"localhost": {}}}}))
    result = run_tool(
        "ansible-playbook",
        "-i",
        str(inventory),
        str(playbook),
        "-e",
        json.dumps({"ansible_python_interpreter": sys.executable}),
    )
    assert result.returncode == 0, result.stdout[-4000:]


def certificate(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    directory = tmp_path_factory.mktemp("platform-ca")
    run(directory, renew_days=30)
    return directory


def test_the_certificate_names_its_service_and_host_and_is_signed_by_the_ca(issued):
    ca = certificate(issued / "ca" / "ca.crt")
    service = certificate(issued / "service.crt")
    assert service.issuer == ca.subject
    assert service.subject.rfc4514_string() == "CN=probe-host,OU=probe,O=bdp"
    names = service.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["probe-host"]
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["10.0.0.9"]
    service.verify_directly_issued_by(ca)
    trusted = (
        issued / "trusted" / "platform-ca.crt",
        issued / "build/pki/inventory/platform-ca.crt",
    )
    assert {path.read_bytes() for path in trusted} == {(issued / "ca" / "ca.crt").read_bytes()}


def test_a_valid_certificate_is_kept_and_the_ca_is_never_made_again(issued):
    ca, service = (issued / "ca" / "ca.crt").read_bytes(), certificate(issued / "service.crt")
    run(issued, renew_days=30)
    assert (issued / "ca" / "ca.crt").read_bytes() == ca
    assert certificate(issued / "service.crt").serial_number == service.serial_number


def test_a_certificate_inside_the_renewal_window_is_signed_again(issued):
    before = certificate(issued / "service.crt")
    run(issued, renew_days=400)  # longer than the 365 days it is valid
    after = certificate(issued / "service.crt")
    assert after.serial_number != before.serial_number
    assert after.subject == before.subject
