"""The rules of the lab's security checks (tests/lab/seccheck.py), without a lab: Ansible's
per-host output, ss's listeners against the port rules, the secret scan run for real on
local files, and what the repository may hold."""

import subprocess

import pytest
from seccheck import (
    SECRETS_FILE,
    HostListeners,
    Listener,
    PortRules,
    Secrets,
    found_secrets,
    git_objects,
    misplaced_vault,
    parse_listeners,
    parse_scan,
    per_host,
    scan_command,
    secrets_file,
    unexpected,
)

ADHOC = """\
spark-master-01 | CHANGED | rc=0 >>
tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:*
EPHEMERAL 32768\t60999
airflow-db-01 | FAILED | rc=2 >>
grep: /nope: No such file or directory
de-os-data2 | UNREACHABLE! => {
    "changed": false,
    "unreachable": true
}
"""


def test_per_host_splits_ansible_adhoc_output():
    results = per_host(ADHOC)
    assert list(results) == ["spark-master-01", "airflow-db-01", "de-os-data2"]
    assert results["spark-master-01"].rc == 0
    assert results["spark-master-01"].output.splitlines()[1] == "EPHEMERAL 32768\t60999"
    assert results["airflow-db-01"].rc == 2
    assert results["airflow-db-01"].output == "grep: /nope: No such file or directory"
    assert results["de-os-data2"].rc == -1
    assert '"unreachable": true' in results["de-os-data2"].output


SS = """\
udp   UNCONN 0      0          127.0.0.53%lo:53         0.0.0.0:*    users:(("systemd-resolve",pid=70,fd=13))
tcp   LISTEN 0      128          0.0.0.0:22        0.0.0.0:*    users:(("sshd",pid=85,fd=3))
tcp   LISTEN 0      128             [::]:22           [::]:*    users:(("sshd",pid=85,fd=4))
tcp   LISTEN 0      50    [::ffff:10.87.0.10]:3306       *:*    users:(("mariadbd",pid=400,fd=20))
tcp   LISTEN 0      4096       127.0.0.1:7199      0.0.0.0:*    users:(("java",pid=501,fd=300))
tcp   LISTEN 0      4096               *:8793             *:*    users:(("airflow serve-l",pid=600,fd=7),("airflow serve-l",pid=601,fd=7))
tcp   LISTEN 0      50     10.87.0.10:41234      0.0.0.0:*    users:(("java",pid=700,fd=400))
tcp   LISTEN 0      50     10.87.0.10:4040       0.0.0.0:*
UNIT 70 systemd-resolved.service
UNIT 85 ssh.service
UNIT 400 mariadb.service
UNIT 501 cassandra.service
UNIT 600 airflow-celery-worker.service
UNIT 700 bdp-lake-writer.service
EPHEMERAL 32768\t60999
"""  # noqa: E501 - ss's own line width


def test_parse_listeners_reads_addresses_ports_processes_and_units():
    found = parse_listeners(SS)
    assert found.ephemeral == range(32768, 61000)
    assert [str(listener) for listener in found.listeners] == [
        "udp 127.0.0.53:53 systemd-resolve (systemd-resolved.service)",
        "tcp 0.0.0.0:22 sshd (ssh.service)",
        "tcp :::22 sshd (ssh.service)",
        "tcp ::ffff:10.87.0.10:3306 mariadbd (mariadb.service)",
        "tcp 127.0.0.1:7199 java (cassandra.service)",
        "tcp *:8793 airflow serve-l (airflow-celery-worker.service)",
        "tcp 10.87.0.10:41234 java (bdp-lake-writer.service)",
        "tcp 10.87.0.10:4040 no process",
    ]
    assert [listener.loopback for listener in found.listeners] == [
        True,
        False,
        False,
        False,
        True,
        False,
        False,
        False,
    ]


def test_parse_listeners_refuses_a_report_it_does_not_understand():
    with pytest.raises(ValueError, match="unexpected line"):
        parse_listeners("Netid State\nEPHEMERAL 1 2\n")
    with pytest.raises(ValueError, match="ephemeral port range"):
        parse_listeners("tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\n")


def listener(port: int, unit: str = "", protocol: str = "tcp", address: str = "10.0.0.1"):
    return Listener(protocol, address, port, "java", unit)


RULES = PortRules(
    ports={"all": {22: "sshd"}, "redis": {6379: "Redis"}},
    ephemeral_units={"lake_writer": {"bdp-lake-writer.service": "Spark driver"}},
    udp_ports={"kerberos_kdc": {88: "KDC"}},
)
EPHEMERAL = range(32768, 61000)


@pytest.mark.parametrize(
    ("groups", "found", "allowed"),
    [
        (["all"], listener(22), True),
        (["all"], listener(6379), False),  # Redis, on a host that is not in the redis group
        (["all", "redis"], listener(6379), True),
        (["all", "redis"], listener(6379, protocol="udp"), False),  # a TCP port only
        (["all", "kerberos_kdc"], listener(88, protocol="udp"), True),
        (["all", "kerberos_kdc"], listener(88), False),  # a UDP port only
        (["all"], listener(88, protocol="udp"), False),  # not its group
        (["all", "lake_writer"], listener(40000, "bdp-lake-writer.service"), True),
        (["all", "lake_writer"], listener(40000, "kafka.service"), False),
        (["all", "lake_writer"], listener(4040, "bdp-lake-writer.service"), False),  # fixed
        (["all"], listener(40000, "bdp-lake-writer.service"), False),  # not its group
    ],
)
def test_port_rules_allow_group_ports_and_ephemeral_ports_of_named_units(groups, found, allowed):
    assert RULES.allows(groups, found, EPHEMERAL) is allowed


def test_unexpected_leaves_loopback_listeners_out():
    found = HostListeners(
        (
            listener(22),
            listener(7199, address="127.0.0.1"),
            listener(9999, address="::1"),
            listener(9999, address="::ffff:127.0.0.1"),
            listener(6379, address="*"),
            listener(6379, address="::ffff:10.0.0.1"),
        ),
        EPHEMERAL,
    )
    assert unexpected(RULES, ["all"], found) == [
        listener(6379, address="*"),
        listener(6379, address="::ffff:10.0.0.1"),
    ]


SECRETS = {
    "vault_a_password": "Secret-Value-AAAA_1",
    "vault_b_token": "Other-Value-BBBB=",
    "vault_short": "1234567",  # too short to search for without false matches
}


def test_secrets_show_their_names_only():
    shown = repr(Secrets(SECRETS))
    assert shown == "Secrets(['vault_a_password', 'vault_b_token', 'vault_short'])"


def test_secrets_file_has_one_line_per_searchable_value():
    assert secrets_file(SECRETS) == (
        "vault_a_password Secret-Value-AAAA_1\nvault_b_token Other-Value-BBBB=\n"
    )
    with pytest.raises(ValueError, match="white space"):
        secrets_file({"vault_x": "has a space"})
    with pytest.raises(ValueError, match="not a variable name"):
        secrets_file({"vault x": "12345678"})


def run_scan(tmp_path, journal_text: str) -> tuple[str, str]:
    """Run the scan script locally over tmp_path/logs; (its output, its scan directory)."""
    scan_dir = tmp_path / "scan"
    scan_dir.mkdir()
    (scan_dir / SECRETS_FILE).write_text(secrets_file(SECRETS))
    (tmp_path / "journal.txt").write_text(journal_text)
    script = scan_command(
        [str(tmp_path / "logs"), str(tmp_path / "no-such-*" / "logs")],
        scan_dir=str(scan_dir),
        journal=f"cat {tmp_path / 'journal.txt'}",
    )
    done = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True)
    assert done.stderr == ""
    return done.stdout, str(scan_dir)


def test_scan_names_the_variables_and_files_and_never_prints_a_value(tmp_path):
    logs = tmp_path / "logs" / "svc"
    logs.mkdir(parents=True)
    (logs / "clean.log").write_text("nothing to see\n" * 100)
    (logs / "leaky.log").write_text("connect password=Secret-Value-AAAA_1 ok\n")
    (logs / "both.bin").write_bytes(b"\x00\x01Other-Value-BBBB=\x00Secret-Value-AAAA_1")
    (logs / "short.log").write_text("pin 1234567\n")
    output, scan_dir = run_scan(tmp_path, "boot\nuser token Other-Value-BBBB= used\nend\n")
    for value in SECRETS.values():
        assert value not in output
    report = parse_scan(output, scan_dir=scan_dir)
    assert report.complete and report.errors == ()
    assert report.files == 5  # four logs and the journal's matching lines
    assert report.journal_lines == 3
    assert sorted(report.leaks) == sorted(
        [
            ("vault_a_password", str(logs / "both.bin")),
            ("vault_a_password", str(logs / "leaky.log")),
            ("vault_b_token", "journal"),
            ("vault_b_token", str(logs / "both.bin")),
        ]
    )
    assert not (tmp_path / "scan").exists()  # the values are gone with the scan directory


def test_scan_of_clean_logs_reports_no_leak(tmp_path):
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "a.log").write_text("all quiet\n")
    output, scan_dir = run_scan(tmp_path, "")
    assert parse_scan(output, scan_dir=scan_dir) == parse_scan(
        "JOURNAL 0\nFILES 2\nDONE\n", scan_dir=scan_dir
    )
    assert parse_scan(output, scan_dir=scan_dir).leaks == ()


def test_parse_scan_sees_an_unfinished_scan_and_errors():
    assert not parse_scan("JOURNAL 10\nFILES 3\n").complete
    report = parse_scan("JOURNAL 1\ngrep: /x: Permission denied\nFILES 3\nDONE\n")
    assert report.complete
    assert report.errors == ("grep: /x: Permission denied",)


@pytest.mark.parametrize(
    ("path", "content", "misplaced"),
    [
        ("inventories/lab/group_vars/all/vault.yml", b"$ANSIBLE_VAULT;1.1;AES256\n6162", False),
        ("inventories/lab/group_vars/kafka.yml", b"$ANSIBLE_VAULT;1.1;AES256\n6162", True),
        ("roles/x/vars/main.yml", b"x: !vault |\n  $ANSIBLE_VAULT;1.2;AES256;prod\n  61", True),
        ("src/bdp/deploy.py", b'VAULT_HEADER = "$ANSIBLE_VAULT;"\n', False),
        ("tests/unit/test_deploy.py", b'write_text("$ANSIBLE_VAULT;1.1;AES256\\n")', False),
    ],
)
def test_vault_data_belongs_in_the_inventories_vault_files(path, content, misplaced):
    assert misplaced_vault(path, content) is misplaced


def test_found_secrets_names_the_values_present():
    text = b"a Other-Value-BBBB= b 1234567 c"
    assert found_secrets(SECRETS, text) == ["vault_b_token"]
    assert found_secrets(SECRETS, b"Secret-Value-AAAA_") == []


def test_git_objects_reads_a_real_batch(tmp_path):
    def git(*args: str, stdin: bytes | None = None) -> bytes:
        return subprocess.run(
            ["git", "-C", str(tmp_path), *args], input=stdin, capture_output=True, check=True
        ).stdout

    git("init", "-q")
    blobs = {b"first\n", b"second\nwith \x00 binary\n", b""}
    ids = {git("hash-object", "-w", "--stdin", stdin=blob).strip().decode() for blob in blobs}
    batch = git("cat-file", "--batch-all-objects", "--batch")
    assert dict(git_objects(batch)) == {oid: git("cat-file", "blob", oid) for oid in ids}
    assert set(dict(git_objects(batch)).values()) == blobs
