"""The cassandra role's planning filters, on rows shaped like bdp-cql's output."""

import importlib.util

from bdp_testkit.helpers import REPO

_spec = importlib.util.spec_from_file_location(
    "cassandra_plan", REPO / "roles" / "cassandra" / "filter_plugins" / "cassandra_plan.py"
)
cassandra_plan = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cassandra_plan)

NTS = "org.apache.cassandra.locator.NetworkTopologyStrategy"
SIMPLE = "org.apache.cassandra.locator.SimpleStrategy"
AUTH = {"name": "system_auth", "replication_factor": 3, "alterable": True}
MARTS = {"name": "marts", "replication_factor": 3}


def keyspace(name, strategy=NTS, **counts):
    return {"keyspace_name": name, "replication": {"class": strategy, **counts}}


def test_new_ring_creates_marts_and_re_replicates_system_auth():
    rows = [keyspace("system_auth", SIMPLE, replication_factor="1"), keyspace("system")]
    plan = cassandra_plan.cassandra_keyspace_changes([AUTH, MARTS], rows, "dc1")
    assert plan == {
        "statements": [
            'ALTER KEYSPACE "system_auth" WITH replication = '
            "{'class': 'NetworkTopologyStrategy', 'dc1': 3}",
            'CREATE KEYSPACE IF NOT EXISTS "marts" WITH replication = '
            "{'class': 'NetworkTopologyStrategy', 'dc1': 3}",
        ],
        "altered": ["system_auth"],
        "errors": [],
    }


def test_nothing_to_do_when_replication_matches():
    rows = [keyspace("system_auth", dc1="3"), keyspace("marts", dc1="3")]
    plan = cassandra_plan.cassandra_keyspace_changes([AUTH, MARTS], rows, "dc1")
    assert plan == {"statements": [], "altered": [], "errors": []}


def test_refuses_to_change_a_data_keyspace_but_grows_system_auth():
    rows = [keyspace("system_auth", dc1="2"), keyspace("marts", dc1="2", dc2="1")]
    plan = cassandra_plan.cassandra_keyspace_changes([AUTH, MARTS], rows, "dc1")
    assert plan["altered"] == ["system_auth"]
    assert len(plan["errors"]) == 1
    assert "keyspace marts has replication" in plan["errors"][0]
    assert "nodetool repair --full marts" in plan["errors"][0]


ADMIN = {"name": "bdp_admin", "password": "s3cret", "superuser": True, "login": True}
WRITER = {
    "name": "etl_writer",
    "password": "o'brien",
    "grants": [{"keyspace": "marts", "permissions": ["SELECT", "MODIFY"]}],
}
ANALYST = {
    "name": "analyst",
    "password": "a",
    "grants": [{"keyspace": "marts", "permissions": ["SELECT"]}],
}


def role(name, login=True, superuser=False):
    return {"role": name, "can_login": login, "is_superuser": superuser}


def plan_roles(rows, accepted, permissions, declared=(ADMIN, WRITER, ANALYST)):
    return cassandra_plan.cassandra_role_statements(
        list(declared), rows, accepted, permissions, "cassandra", "random-pw"
    )


def test_first_deploy_creates_roles_grants_and_disables_the_built_in_superuser():
    rows = [role("cassandra", superuser=True), role("bdp_admin", superuser=True)]
    assert plan_roles(rows, ["bdp_admin"], []) == [
        "CREATE ROLE IF NOT EXISTS \"etl_writer\" WITH PASSWORD = 'o''brien' "
        "AND LOGIN = true AND SUPERUSER = false",
        'GRANT SELECT ON KEYSPACE "marts" TO "etl_writer"',
        'GRANT MODIFY ON KEYSPACE "marts" TO "etl_writer"',
        "CREATE ROLE IF NOT EXISTS \"analyst\" WITH PASSWORD = 'a' "
        "AND LOGIN = true AND SUPERUSER = false",
        'GRANT SELECT ON KEYSPACE "marts" TO "analyst"',
        "ALTER ROLE \"cassandra\" WITH PASSWORD = 'random-pw' "
        "AND SUPERUSER = false AND LOGIN = false",
    ]


SETTLED_ROLES = [
    role("cassandra", login=False),
    role("bdp_admin", superuser=True),
    role("etl_writer"),
    role("analyst"),
]
SETTLED_GRANTS = [
    {"role": "etl_writer", "resource": "data/marts", "permissions": ["MODIFY", "SELECT"]},
    {"role": "analyst", "resource": "data/marts", "permissions": ["SELECT"]},
]


def test_nothing_to_do_when_roles_passwords_and_grants_are_in_place():
    accepted = ["bdp_admin", "etl_writer", "analyst"]
    assert plan_roles(SETTLED_ROLES, accepted, SETTLED_GRANTS) == []


def test_a_refused_password_is_reset_and_a_missing_grant_added():
    grants = [SETTLED_GRANTS[0]]
    assert plan_roles(SETTLED_ROLES, ["bdp_admin", "etl_writer"], grants) == [
        "ALTER ROLE \"analyst\" WITH PASSWORD = 'a'",
        'GRANT SELECT ON KEYSPACE "marts" TO "analyst"',
    ]


def test_rights_that_differ_from_the_declaration_are_corrected():
    rows = [
        role("cassandra", login=False),
        role("bdp_admin", superuser=True),
        role("etl_writer", login=False, superuser=True),
        role("analyst"),
    ]
    statements = plan_roles(rows, ["bdp_admin", "analyst"], SETTLED_GRANTS)
    assert statements == [
        "ALTER ROLE \"etl_writer\" WITH PASSWORD = 'o''brien' "
        "AND LOGIN = true AND SUPERUSER = false"
    ]


def test_table_grants_use_the_table_resource():
    reader = {
        "name": "r",
        "password": "p",
        "grants": [
            {"keyspace": "marts", "table": "ads_viewer_profiles", "permissions": ["SELECT"]}
        ],
    }
    have = [{"role": "r", "resource": "data/marts/ads_viewer_profiles", "permissions": ["SELECT"]}]
    assert plan_roles([role("r")], ["r"], have, declared=[reader]) == []
    assert plan_roles([role("r")], ["r"], [], declared=[reader]) == [
        'GRANT SELECT ON TABLE "marts"."ads_viewer_profiles" TO "r"'
    ]
