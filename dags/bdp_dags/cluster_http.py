"""HTTP to the cluster's REST APIs (WebHDFS, the ResourceManager), as the ETL.

In simple mode a plain request names its user (`user.name`). In secure mode (the settings
carry `kerberos`) the request goes over HTTPS, verified with the platform CA, and
authenticates with SPNEGO as the ETL's principal, whose credentials come straight from its
keytab: no ticket cache to keep fresh.
"""

from __future__ import annotations

from typing import Any

import requests

from bdp_dags.settings import EtlError, Settings

TIMEOUT_S = 30


class HttpStatusError(EtlError):
    """The API answered with an error status."""

    def __init__(self, url: str, status: int, body: str) -> None:
        super().__init__(f"{url}: HTTP {status} {body[:300]}")
        self.status = status


def spnego_auth(principal: str, keytab: str) -> requests.auth.AuthBase:
    """SPNEGO as `principal`, with initiator credentials acquired from `keytab`."""
    import gssapi  # only secure mode needs GSSAPI (and a Kerberos library on the host)
    from requests_gssapi import OPTIONAL, HTTPSPNEGOAuth

    name = gssapi.Name(principal, gssapi.NameType.kerberos_principal)
    credentials = gssapi.Credentials(
        name=name,
        usage="initiate",
        store={"client_keytab": keytab, "ccache": f"MEMORY:bdp-etl-{principal}"},
    )
    return HTTPSPNEGOAuth(creds=credentials, mutual_authentication=OPTIONAL)


def session(settings: Settings) -> requests.Session:
    """A session that authenticates as the settings say. The cluster's APIs are on the
    private network and trust the platform CA: the environment's proxies and CA bundle do not
    apply (requests lets REQUESTS_CA_BUNDLE override a session's own CA file)."""
    http = requests.Session()
    http.trust_env = False
    kerberos = settings.raw.get("kerberos")
    if kerberos:
        http.auth = spnego_auth(kerberos["principal"], kerberos["keytab"])
        http.verify = settings["ca_file"]
    return http


def call(
    settings: Settings,
    method: str,
    url: str,
    params: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
) -> requests.Response:
    """One request; an error status raises HttpStatusError, an unreachable API EtlError."""
    query = {**(params or {}), "user.name": settings["hdfs_user"]}
    try:
        with session(settings) as http:
            response = http.request(
                method,
                url,
                params=query,
                json=body,
                timeout=TIMEOUT_S,
                headers={"Accept": "application/json"},
            )
    except requests.RequestException as exc:
        raise EtlError(f"{url}: {exc}") from exc
    if response.status_code >= 400:
        raise HttpStatusError(url, response.status_code, response.text)
    return response
