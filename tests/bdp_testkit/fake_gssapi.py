"""A stand-in for the few python-gssapi names bdp_runtime.spnego uses, so unit tests see the
Negotiate tokens it would send (one per target) and its error when the login fails."""

import types


class FakeGssapi(types.ModuleType):
    """`fail` makes every login fail, as a keytab without keys or an empty ticket cache does."""

    def __init__(self, fail: bool) -> None:
        super().__init__("gssapi")
        self.fail = fail
        self.targets: list[str] = []
        self.logins: list[tuple[str, str] | None] = []
        fake = self

        class GSSError(Exception):
            pass

        class Name:
            def __init__(self, text: str, kind: str) -> None:
                self.text = text

        class SecurityContext:
            def __init__(self, name: Name, creds: object, usage: str) -> None:
                fake.targets.append(name.text)

            def step(self) -> bytes:
                return b"token-for-" + fake.targets[-1].encode()

        def credentials(
            usage: str, name: Name | None = None, store: dict | None = None
        ) -> tuple[str, str] | None:
            if fake.fail:
                raise GSSError("No Kerberos credentials available")
            login = (name.text, store["client_keytab"]) if name and store else None
            fake.logins.append(login)
            return login

        self.exceptions = types.SimpleNamespace(GSSError=GSSError)
        self.NameType = types.SimpleNamespace(kerberos_principal="krb", hostbased_service="svc")
        self.Name, self.SecurityContext, self.Credentials = Name, SecurityContext, credentials
