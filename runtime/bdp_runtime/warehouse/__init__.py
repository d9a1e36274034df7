"""The MySQL warehouse's schema migrations and daily partitions.

The mariadb role copies this package to the warehouse host, where it runs with the
standard library and PyMySQL only: keep imports relative and third-party free, except
for `host`, which alone talks to the server.
"""


class WarehouseError(Exception):
    """A problem the operator has to fix; the message names the cause."""
