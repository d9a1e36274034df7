#!/usr/bin/python3
"""bdp-cql: run CQL against the Cassandra ring from a node, with the Python driver.

The release archives the platform installs may lack cqlsh and its Python libraries (the
mirror-built one has only lib/*.jar), so the cassandra role applies its auth and schema
changes with this small client instead.

usage: bdp-cql --hosts ADDR[,ADDR...] [--port N] --ca-file PEM
               (--credentials FILE | --username NAME)
               [--consistency LEVEL] [--timeout SECONDS]
               (--check-login | --query CQL | --file PATH [PATH...])

  --ca-file PEM       CA certificate that signs the nodes' certificates: the client
                      connects over TLS only and verifies each node and its address
  --credentials FILE  cqlshrc-style file, readable by root only:
                        [authentication]
                        username = bdp_admin
                        password = ...
  --username NAME     log in as NAME with the password in $BDP_CQL_PASSWORD
  --check-login       only log in (exit 0 when accepted, 3 when refused)
  --query CQL         run one statement and print its rows as a JSON list
  --file PATH...      run each statement of the .cql files in order ('-' reads stdin)
                      and print {"statements": N, "schema_changed": true|false}

Only the listed hosts coordinate requests. Exit status: 0 done, 1 a statement failed,
2 bad usage or input, 3 login refused, 4 no listed node reachable.
"""

import argparse
import configparser
import json
import logging
import os
import ssl
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cassandra import ConsistencyLevel
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import (
    EXEC_PROFILE_DEFAULT,
    Cluster,
    ExecutionProfile,
    NoHostAvailable,
    Session,
)
from cassandra.policies import WhiteListRoundRobinPolicy

EXIT_FAILED, EXIT_USAGE, EXIT_REFUSED, EXIT_UNREACHABLE = 1, 2, 3, 4
CONSISTENCY_LEVELS = (
    "ONE",
    "TWO",
    "THREE",
    "QUORUM",
    "ALL",
    "LOCAL_QUORUM",
    "EACH_QUORUM",
    "LOCAL_ONE",
)
_CLOSERS = {"'": "'", '"': '"', "$$": "$$", "/*": "*/", "--": "\n", "//": "\n"}


class CqlError(Exception):
    """A failure to report as 'Cassandra: <message>' with an exit status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


# Pure functions ---------------------------------------------------------------------


def split_statements(text: str) -> list[tuple[int, str]]:
    """Statements of a CQL script with the line each starts on, without comments.

    A ';' ends a statement unless it is inside a string ('...', "...", $$...$$) or a
    comment (--, //, /* */). A final statement without ';' still counts.
    """
    statements: list[tuple[int, str]] = []
    current: list[str] = []
    start_line, line, i = 0, 1, 0
    while i < len(text):
        opener = next((o for o in ("$$", "/*", "--", "//") if text.startswith(o, i)), None)
        opener = opener or (text[i] if text[i] in "'\"" else None)
        if opener:
            end = _find_closer(text, i + len(opener), _CLOSERS[opener])
            if end < 0:
                if _CLOSERS[opener] == "\n":  # a line comment may end the file
                    end = len(text)
                else:
                    raise ValueError(f"unterminated {opener} starting on line {line}")
            chunk = text[i:end]
            if opener in ("'", '"', "$$"):
                start_line = start_line or line
                current.append(chunk)
            else:
                current.append(" ")
            line += chunk.count("\n")
            i = end
            continue
        char = text[i]
        if char == ";":
            _close(statements, current, start_line)
            current, start_line = [], 0
        else:
            if not char.isspace():
                start_line = start_line or line
            current.append(char)
        line += char == "\n"
        i += 1
    _close(statements, current, start_line)
    return statements


def _find_closer(text: str, start: int, closer: str) -> int:
    """Index just after the closer of a string or comment opened before start, or -1."""
    i = start
    while True:
        found = text.find(closer, i)
        if found < 0:
            return -1
        end = found + len(closer)
        if closer in ("'", '"') and text.startswith(closer, end):
            i = end + 1  # a doubled quote is an escaped quote
            continue
        return end


def _close(statements: list[tuple[int, str]], parts: list[str], line: int) -> None:
    statement = " ".join("".join(parts).split()) if parts else ""
    if statement:
        statements.append((line, statement))


def read_credentials(text: str, source: str) -> tuple[str, str]:
    """(username, password) from the [authentication] section of a cqlshrc-style file."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=source)
        section = parser["authentication"]
        return section["username"], section["password"]
    except (configparser.Error, KeyError) as error:
        raise CqlError(
            f"{source}: expected an [authentication] section with username and password "
            f"({error.__class__.__name__})",
            EXIT_USAGE,
        ) from None


def connect_failure(errors: Mapping[Any, Exception], username: str) -> CqlError:
    """The error to report when no listed node accepted the connection."""
    refused = {
        str(host): error
        for host, error in errors.items()
        if error.__class__.__name__ == "AuthenticationFailed"
    }
    if refused:
        host, error = next(iter(refused.items()))
        return CqlError(f"login as {username} refused by {host}: {error}", EXIT_REFUSED)
    details = "; ".join(f"{host}: {error}" for host, error in errors.items()) or "no host listed"
    return CqlError(f"no node reachable ({details})", EXIT_UNREACHABLE)


def jsonable(value: Any) -> Any:
    """A driver value as plain JSON: maps to objects, sets sorted, blobs as 0x-hex, and every
    other non-JSON value (UUIDs, the driver's Date, Time and Duration, decimals, timestamps,
    addresses) as its text."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if hasattr(value, "__iter__"):  # sets, the driver's SortedSet
        return sorted(jsonable(item) for item in value)
    return str(value)


# Driver I/O -------------------------------------------------------------------------


def _session(args: argparse.Namespace, username: str, password: str) -> tuple[Cluster, Session]:
    hosts = [host for host in args.hosts.split(",") if host]
    profile = ExecutionProfile(
        load_balancing_policy=WhiteListRoundRobinPolicy(hosts),
        consistency_level=ConsistencyLevel.name_to_value[args.consistency],
        request_timeout=args.timeout,
    )
    tls = ssl.create_default_context(cafile=args.ca_file)  # verifies names: check_hostname
    cluster = Cluster(
        hosts,
        port=args.port,
        ssl_context=tls,
        auth_provider=PlainTextAuthProvider(username=username, password=password),
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        connect_timeout=args.timeout,
        control_connection_timeout=args.timeout,
        max_schema_agreement_wait=args.timeout,
        schema_metadata_enabled=False,  # not used, and slow to read
        token_metadata_enabled=False,
    )
    try:
        return cluster, cluster.connect()
    except NoHostAvailable as error:
        cluster.shutdown()
        raise connect_failure(error.errors, username) from None


def _schema_version(session: Session) -> str:
    return str(session.execute("SELECT schema_version FROM system.local").one()[0])


def _run_files(session: Session, paths: list[str]) -> dict[str, Any]:
    scripts = []
    for path in paths:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        try:
            scripts.append((path, split_statements(text)))
        except ValueError as error:
            raise CqlError(f"{path}: {error}", EXIT_USAGE) from None
    before = _schema_version(session)
    for path, statements in scripts:
        for number, (line, statement) in enumerate(statements, 1):
            try:
                session.execute(statement)
            except Exception as error:  # the driver raises many unrelated types
                # Name the statement by position only: role statements carry passwords.
                raise CqlError(
                    f"{path}: statement {number} (line {line}) failed: {error}", EXIT_FAILED
                ) from None
    return {
        "statements": sum(len(statements) for _, statements in scripts),
        "schema_changed": _schema_version(session) != before,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="bdp-cql", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hosts", required=True, help="comma-separated node addresses")
    parser.add_argument("--port", type=int, default=9042, help="native transport port")
    parser.add_argument(
        "--ca-file", required=True, metavar="PEM", help="CA certificate of the nodes' certificates"
    )
    login = parser.add_mutually_exclusive_group(required=True)
    login.add_argument("--credentials", metavar="FILE", help="cqlshrc-style credentials file")
    login.add_argument("--username", metavar="NAME", help="password from $BDP_CQL_PASSWORD")
    parser.add_argument("--consistency", default="LOCAL_QUORUM", choices=CONSISTENCY_LEVELS)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--check-login", action="store_true", help="only log in")
    action.add_argument("--query", metavar="CQL", help="print the rows of one statement")
    action.add_argument(
        "--file", metavar="PATH", nargs="+", help="run the statements of .cql files"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # the driver's notices would drown the errors
    try:
        if args.credentials:
            with open(args.credentials, encoding="utf-8") as handle:
                username, password = read_credentials(handle.read(), args.credentials)
        else:
            username, password = args.username, os.environ.get("BDP_CQL_PASSWORD", "")
        cluster, session = _session(args, username, password)
        try:
            if args.query:
                rows = session.execute(args.query)
                result: Any = [jsonable(row._asdict()) for row in rows]
            elif args.file:
                result = _run_files(session, args.file)
            else:
                result = {"login": username}
        finally:
            cluster.shutdown()
    except CqlError as error:
        print(f"Cassandra: {error}", file=sys.stderr)
        return error.status
    except OSError as error:
        print(f"Cassandra: {error}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as error:  # a driver error of a --query
        print(f"Cassandra: {error.__class__.__name__}: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
