"""SPNEGO for HTTP requests to Hadoop's secure web endpoints: one Negotiate token per request,
from a keytab's credentials (services: the platform exporter) or from the ticket cache a
person filled with kinit (the bdp commands).

The GSSAPI binding is imported only when a token is needed, so code that talks to clusters
in simple mode runs without it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass


class SpnegoError(Exception):
    """No Negotiate token: the keytab, the ticket cache, the principal or the KDC failed."""


@dataclass(frozen=True)
class KerberosLogin:
    principal: str
    keytab: str


class Negotiator:
    """Authorization header values for HTTP/<host>: as `login`'s principal from its keytab, or,
    without a login, with whatever ticket the default ticket cache (KRB5CCNAME) holds."""

    def __init__(self, login: KerberosLogin | None = None) -> None:
        self.login = login

    def header(self, host: str) -> str:
        try:
            import gssapi
        except ImportError as exc:
            raise SpnegoError(
                "Kerberos (SPNEGO) needs the Python package gssapi, which is not installed"
            ) from exc
        login = self.login
        try:
            if login is None:
                credentials = gssapi.Credentials(usage="initiate")
            else:
                credentials = gssapi.Credentials(
                    name=gssapi.Name(login.principal, gssapi.NameType.kerberos_principal),
                    usage="initiate",
                    store={"client_keytab": login.keytab, "ccache": f"MEMORY:{login.principal}"},
                )
            service = gssapi.Name(f"HTTP@{host}", gssapi.NameType.hostbased_service)
            context = gssapi.SecurityContext(name=service, creds=credentials, usage="initiate")
            token = context.step()
        except gssapi.exceptions.GSSError as exc:
            who = (
                "with the ticket cache (no ticket? run kinit <principal> first)"
                if login is None
                else f"as {login.principal} (keytab {login.keytab})"
            )
            raise SpnegoError(f"Kerberos login {who} for HTTP/{host} failed: {exc}") from exc
        return "Negotiate " + base64.b64encode(token).decode("ascii")
