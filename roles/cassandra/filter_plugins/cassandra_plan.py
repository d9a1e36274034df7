"""Filters that turn the ring's auth and keyspace state into the CQL the cassandra role runs.

Pure functions of the rows bdp-cql reads (system_auth.roles, role_permissions,
system_schema.keyspaces) and of the declarations, so the role only writes when something
differs (a second deploy changes nothing) and tests can check them without a ring.
"""

from typing import Any

NTS = "NetworkTopologyStrategy"


def cql_string(value: str) -> str:
    """A CQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def cql_name(value: str) -> str:
    """A quoted CQL identifier (role, keyspace or table name), kept exactly as written."""
    return '"' + str(value).replace('"', '""') + '"'


def _replication_cql(dc: str, replication_factor: int) -> str:
    return f"{{'class': '{NTS}', {cql_string(dc)}: {int(replication_factor)}}}"


def _same_replication(current: dict[str, str], dc: str, replication_factor: int) -> bool:
    strategy = current.get("class", "").rsplit(".", 1)[-1]
    counts = {key: str(value) for key, value in current.items() if key != "class"}
    return strategy == NTS and counts == {dc: str(int(replication_factor))}


def cassandra_keyspace_changes(
    declared: list[dict[str, Any]], keyspace_rows: list[dict[str, Any]], dc: str
) -> dict[str, list]:
    """CQL that creates missing keyspaces (NetworkTopologyStrategy in the ring's one
    datacenter dc) and re-replicates the `alterable` ones.

    `altered` names the keyspaces whose replication changes (they need a repair);
    `errors` are replication changes the role refuses to make on data keyspaces.
    """
    current = {row["keyspace_name"]: row["replication"] for row in keyspace_rows}
    plan: dict[str, list] = {"statements": [], "altered": [], "errors": []}
    for keyspace in declared:
        name = keyspace["name"]
        replication = _replication_cql(dc, keyspace["replication_factor"])
        if name not in current:
            plan["statements"].append(
                f"CREATE KEYSPACE IF NOT EXISTS {cql_name(name)} WITH replication = {replication}"
            )
        elif _same_replication(current[name], dc, keyspace["replication_factor"]):
            continue
        elif keyspace.get("alterable", False):
            plan["statements"].append(
                f"ALTER KEYSPACE {cql_name(name)} WITH replication = {replication}"
            )
            plan["altered"].append(name)
        else:
            plan["errors"].append(
                f"keyspace {name} has replication {dict(sorted(current[name].items()))}, declared "
                f"{replication}; changing it needs ALTER KEYSPACE followed by "
                f"`nodetool repair --full {name}` on every node, which the role does not do"
            )
    return plan


def _resource(grant: dict[str, Any]) -> tuple[str, str]:
    """(system_auth resource name, CQL resource) of a grant on a keyspace or one table."""
    keyspace, table = grant["keyspace"], grant.get("table")
    if table:
        return f"data/{keyspace}/{table}", f"TABLE {cql_name(keyspace)}.{cql_name(table)}"
    return f"data/{keyspace}", f"KEYSPACE {cql_name(keyspace)}"


def cassandra_create_role(role: dict[str, Any]) -> str:
    """CREATE ROLE for a declared role (its password included)."""
    return (
        f"CREATE ROLE IF NOT EXISTS {cql_name(role['name'])} WITH PASSWORD = "
        f"{cql_string(role['password'])} AND LOGIN = {str(role.get('login', True)).lower()} "
        f"AND SUPERUSER = {str(role.get('superuser', False)).lower()}"
    )


def cassandra_role_statements(
    declared: list[dict[str, Any]],
    role_rows: list[dict[str, Any]],
    logins_accepted: list[str],
    permission_rows: list[dict[str, Any]],
    default_role: str,
    default_role_new_password: str,
) -> list[str]:
    """CQL that brings the declared roles, their passwords and grants into place.

    A password is set only when the role cannot log in with it (logins_accepted lists
    the roles whose declared password the ring accepted). Grants are only added. The
    built-in default superuser (default_role) loses its rights and gets a new password.
    """
    current = {row["role"]: row for row in role_rows}
    granted = {(row["role"], row["resource"]): set(row["permissions"]) for row in permission_rows}
    statements = []
    for role in declared:
        name, login, superuser = role["name"], role.get("login", True), role.get("superuser", False)
        row = current.get(name)
        if row is None:
            statements.append(cassandra_create_role(role))
        else:
            changes = []
            if login and name not in logins_accepted:
                changes.append(f"PASSWORD = {cql_string(role['password'])}")
            if bool(row["can_login"]) != login:
                changes.append(f"LOGIN = {str(login).lower()}")
            if bool(row["is_superuser"]) != superuser:
                changes.append(f"SUPERUSER = {str(superuser).lower()}")
            if changes:
                statements.append(f"ALTER ROLE {cql_name(name)} WITH {' AND '.join(changes)}")
        for grant in role.get("grants", []):
            resource, cql_resource = _resource(grant)
            have = granted.get((name, resource), set())
            statements += [
                f"GRANT {permission} ON {cql_resource} TO {cql_name(name)}"
                for permission in grant["permissions"]
                if permission.upper() not in have
            ]
    default = current.get(default_role)
    if default and (default["can_login"] or default["is_superuser"]):
        statements.append(
            f"ALTER ROLE {cql_name(default_role)} WITH PASSWORD = "
            f"{cql_string(default_role_new_password)} AND SUPERUSER = false AND LOGIN = false"
        )
    return statements


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "cassandra_keyspace_changes": cassandra_keyspace_changes,
            "cassandra_create_role": cassandra_create_role,
            "cassandra_role_statements": cassandra_role_statements,
        }
