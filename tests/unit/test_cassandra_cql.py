"""bdp-cql's pure parts: the CQL statement splitter, credentials, errors and JSON output."""

import datetime
import decimal
import importlib.util
import json
import re
import uuid
from importlib.machinery import SourceFileLoader

import pytest
from cassandra import AuthenticationFailed
from cassandra.util import Date, SortedSet, Time

from bdp_testkit.helpers import REPO

_path = REPO / "roles" / "cassandra" / "files" / "bdp_cql.py"
_spec = importlib.util.spec_from_loader("bdp_cql", SourceFileLoader("bdp_cql", str(_path)))
bdp_cql = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bdp_cql)


def test_statements_are_split_on_semicolons_with_their_first_line():
    script = "CREATE TABLE a (k int PRIMARY KEY);\n\nINSERT INTO a (k)\n  VALUES (1);\n"
    assert bdp_cql.split_statements(script) == [
        (1, "CREATE TABLE a (k int PRIMARY KEY)"),
        (3, "INSERT INTO a (k) VALUES (1)"),
    ]


def test_semicolons_in_strings_and_identifiers_do_not_split():
    script = (
        "INSERT INTO t (k, v) VALUES ('a;b', 'it''s; fine');\n"
        'SELECT "odd;name" FROM t;\n'
        "CREATE FUNCTION f() RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE java "
        "AS $$ return 1; $$;"
    )
    statements = [text for _, text in bdp_cql.split_statements(script)]
    assert statements == [
        "INSERT INTO t (k, v) VALUES ('a;b', 'it''s; fine')",
        'SELECT "odd;name" FROM t',
        "CREATE FUNCTION f() RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE java "
        "AS $$ return 1; $$",
    ]


def test_comments_are_dropped_and_do_not_split():
    script = (
        "-- header; with a semicolon\n"
        "CREATE TABLE t (\n"
        "  k int PRIMARY KEY, // the key; really\n"
        "  v text /* a value; */\n"
        ");\n"
        "-- trailing comment without newline"
    )
    assert bdp_cql.split_statements(script) == [(2, "CREATE TABLE t ( k int PRIMARY KEY, v text )")]


def test_a_last_statement_without_semicolon_counts_and_empty_ones_do_not():
    assert bdp_cql.split_statements(";;\nSELECT 1 FROM t") == [(2, "SELECT 1 FROM t")]
    assert bdp_cql.split_statements("  \n-- only a comment\n") == []


@pytest.mark.parametrize(
    ("script", "what"),
    [("SELECT 'open", "'"), ('SELECT "open', '"'), ("SELECT 1 /* open", "/*"), ("AS $$ x", "$$")],
)
def test_unterminated_strings_and_comments_are_refused_with_their_line(script, what):
    with pytest.raises(ValueError, match=rf"unterminated {re.escape(what)} starting on line 2"):
        bdp_cql.split_statements("SELECT 1;\n" + script)


def test_the_shipped_schema_files_split_into_create_statements():
    for path in sorted((REPO / "schemas" / "cassandra").glob("*.cql")):
        statements = bdp_cql.split_statements(path.read_text())
        assert statements, path
        assert all(text.startswith("CREATE TABLE IF NOT EXISTS marts.") for _, text in statements)


def test_credentials_come_from_the_authentication_section():
    text = "[authentication]\nusername = bdp_admin\npassword = p%ss;w0rd\n"
    assert bdp_cql.read_credentials(text, "f") == ("bdp_admin", "p%ss;w0rd")


def test_incomplete_credentials_name_the_file():
    with pytest.raises(bdp_cql.CqlError, match=r"admin.cqlshrc: expected an \[authentication\]"):
        bdp_cql.read_credentials("[authentication]\nusername = x\n", "admin.cqlshrc")


def test_a_refused_login_is_told_apart_from_unreachable_nodes():
    refused = bdp_cql.connect_failure(
        {
            "10.0.0.1:9042": ConnectionRefusedError(111, "refused"),
            "10.0.0.2:9042": AuthenticationFailed("bad credentials"),
        },
        "etl_writer",
    )
    assert refused.status == bdp_cql.EXIT_REFUSED
    assert "login as etl_writer refused by 10.0.0.2:9042: bad credentials" in str(refused)
    down = bdp_cql.connect_failure({"10.0.0.1:9042": OSError("timed out")}, "etl_writer")
    assert down.status == bdp_cql.EXIT_UNREACHABLE
    assert "no node reachable (10.0.0.1:9042: timed out)" in str(down)


def test_driver_values_become_plain_json():
    row = {
        "replication": {"class": "NetworkTopologyStrategy", "dc1": "3"},
        "permissions": SortedSet(["SELECT", "MODIFY"]),
        "host_id": uuid.UUID(int=1),
        "tokens": ["1", "2"],
        "count": 3,
        "day": Date(datetime.date(2026, 11, 1)),
        "at": Time(datetime.time(12, 30)),
        "amount": decimal.Decimal("1.50"),
        "raw": b"\x01\xff",
        "days": {Date(datetime.date(2026, 11, 2)), Date(datetime.date(2026, 11, 1))},
        "missing": None,
    }
    plain = bdp_cql.jsonable(row)
    assert plain == {
        "replication": {"class": "NetworkTopologyStrategy", "dc1": "3"},
        "permissions": ["MODIFY", "SELECT"],
        "host_id": "00000000-0000-0000-0000-000000000001",
        "tokens": ["1", "2"],
        "count": 3,
        "day": "2026-11-01",
        "at": "12:30:00.000000000",
        "amount": "1.50",
        "raw": "0x01ff",
        "days": ["2026-11-01", "2026-11-02"],
        "missing": None,
    }
    json.dumps(plain)  # what --query prints


def test_help_describes_the_actions(capsys):
    with pytest.raises(SystemExit) as exited:
        bdp_cql.main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for option in ("--check-login", "--query", "--file", "--credentials", "BDP_CQL_PASSWORD"):
        assert option in out
