"""The Hadoop web endpoints of an inventory (WebHDFS, the ResourceManager's REST API) as the
bdp commands reach them from the control machine.

A cluster in simple mode answers plain HTTP, and WebHDFS takes the user from `user.name`. In
secure mode (`bdp_hadoop_secure_mode` of the inventory) every endpoint is HTTPS, verified with
the platform CA, and the command authenticates with SPNEGO from the person's own Kerberos
ticket (kinit): `user.name` is then left out, since the NameNode refuses one that differs from
the authenticated principal. The ports come from the inventory's `bdp_hadoop_web_ports`.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bdp.errors import BdpError
from bdp.inventory import listing, platform_ca_file
from bdp_runtime.spnego import Negotiator, SpnegoError

TIMEOUT_S = 10
# Which inventory group runs each kind of endpoint (the keys of bdp_hadoop_web_ports).
GROUPS = {
    "namenode": "hdfs_namenode",
    "resourcemanager": "yarn_resourcemanager",
    "spark_history": "spark_history",
}


@dataclass(frozen=True)
class HadoopEndpoint:
    """One daemon's web endpoint: `url` ends with the port; `host` is the inventory name,
    the one its HTTP/<host> principal carries."""

    url: str
    host: str
    secure: bool
    ca_file: Path | None = None

    def get_json(self, path: str, params: dict[str, str], user: str) -> Any | None:
        """The JSON answer to GET url+path, or None for 404. `user` is the simple-mode user."""
        query = dict(params) if self.secure else {**params, "user.name": user}
        request = urllib.request.Request(f"{self.url}{path}?{urllib.parse.urlencode(query)}")
        if self.secure:
            try:
                request.add_header("Authorization", Negotiator().header(self.host))
            except SpnegoError as exc:
                raise BdpError(f"{self.url}: {exc}") from None
        context = ssl.create_default_context(cafile=str(self.ca_file)) if self.ca_file else None
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S, context=context) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            hint = " (is the ticket's principal allowed?)" if exc.code in (401, 403) else ""
            raise BdpError(f"{self.url}{path} refused the request: HTTP {exc.code}{hint}") from None
        except (OSError, ValueError) as exc:
            raise BdpError(f"{self.url} did not answer: {exc}") from None


def endpoint(inventory: Path, daemon: str) -> HadoopEndpoint:
    """The web endpoint of the first host of `daemon`'s group, as the inventory configures it."""
    resolved = listing(inventory)
    group = GROUPS[daemon]
    hosts = resolved.get(group, {}).get("hosts", [])
    if not hosts:
        raise BdpError(f"inventory {inventory} has no host in group {group}")
    host = hosts[0]
    hostvars = resolved.get("_meta", {}).get("hostvars", {}).get(host, {})
    secure = bool(hostvars.get("bdp_hadoop_secure_mode", False))
    scheme = "https" if secure else "http"
    try:
        port = int(hostvars["bdp_hadoop_web_ports"][daemon][scheme])
    except (KeyError, TypeError, ValueError):
        raise BdpError(
            f"inventory {inventory}: no bdp_hadoop_web_ports.{daemon}.{scheme} for {host}"
        ) from None
    address = hostvars.get("ansible_host", host)
    return HadoopEndpoint(
        url=f"{scheme}://{address}:{port}",
        host=host.lower(),
        secure=secure,
        ca_file=platform_ca_file(inventory) if secure else None,
    )
