"""SPNEGO for the exporter's WebHDFS reads when Hadoop runs in secure mode: one Negotiate
token per request, from initiator credentials acquired from the exporter's keytab.

The GSSAPI binding (Debian's python3-gssapi) is imported only in secure mode, so the
exporter keeps running on the standard library alone everywhere else.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass


class SpnegoError(Exception):
    """No Negotiate token: the keytab, the principal or the KDC failed."""


@dataclass(frozen=True)
class KerberosLogin:
    principal: str
    keytab: str


class Negotiator:
    """Authorization header values for HTTP/<host>, as `login`'s principal."""

    def __init__(self, login: KerberosLogin) -> None:
        self.login = login

    def header(self, host: str) -> str:
        import gssapi

        login = self.login
        try:
            credentials = gssapi.Credentials(
                name=gssapi.Name(login.principal, gssapi.NameType.kerberos_principal),
                usage="initiate",
                store={"client_keytab": login.keytab, "ccache": f"MEMORY:{login.principal}"},
            )
            service = gssapi.Name(f"HTTP@{host}", gssapi.NameType.hostbased_service)
            context = gssapi.SecurityContext(name=service, creds=credentials, usage="initiate")
            token = context.step()
        except gssapi.exceptions.GSSError as exc:
            raise SpnegoError(
                f"Kerberos login as {login.principal} (keytab {login.keytab}) for HTTP/{host}"
                f" failed: {exc}"
            ) from exc
        return "Negotiate " + base64.b64encode(token).decode("ascii")
