"""Filters that derive the OpenSearch cluster's shape from the inventory groups.

Pure functions of the groups, so the role's configuration and its health gate agree on
what each node is, and tests can check them without a cluster.
"""

CLUSTER_MANAGER_GROUP = "opensearch_cluster_manager"
DATA_GROUP = "opensearch_data"


def opensearch_node_roles(groups: dict[str, list[str]]) -> dict[str, list[str]]:
    """Node name -> its sorted node.roles; a node in neither group is coordinating-only ([])."""
    managers = set(groups.get(CLUSTER_MANAGER_GROUP, []))
    data = set(groups.get(DATA_GROUP, []))
    return {
        node: sorted(
            (["cluster_manager"] if node in managers else [])
            + (["data", "ingest"] if node in data else [])
        )
        for node in groups.get("opensearch", [])
    }


def opensearch_joined_roles(nodes_response: dict) -> dict[str, list[str]]:
    """Node name -> sorted roles, from a GET _nodes?filter_path=nodes.*.name,nodes.*.roles."""
    nodes = (nodes_response or {}).get("nodes", {})
    return {node["name"]: sorted(node.get("roles", [])) for node in nodes.values()}


class FilterModule:
    def filters(self) -> dict:
        return {
            "opensearch_node_roles": opensearch_node_roles,
            "opensearch_joined_roles": opensearch_joined_roles,
        }
