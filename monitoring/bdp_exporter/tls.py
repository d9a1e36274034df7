"""TLS endpoints: read the certificate a server presents and its notAfter.

The certificate is read in DER form, which `ssl` hands out whether or not it verified the
peer, and its validity is read with a few lines of DER parsing (the standard library decodes
certificates only after verifying them).
"""

from __future__ import annotations

import socket
import ssl
from datetime import UTC, datetime

from bdp_exporter.metrics import TLS_EXPIRY, NamedSample, sample

_SEQUENCE, _UTC_TIME, _GENERALIZED_TIME, _VERSION = 0x30, 0x17, 0x18, 0xA0


class CertificateError(ValueError):
    pass


def _element(der: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the DER element at `at`."""
    if at + 2 > len(der):
        raise CertificateError("truncated certificate")
    tag, length = der[at], der[at + 1]
    start = at + 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or start + count > len(der):
            raise CertificateError("bad length in certificate")
        length = int.from_bytes(der[start : start + count], "big")
        start += count
    if start + length > len(der):
        raise CertificateError("truncated certificate")
    return tag, start, start + length


def _children(der: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    found, at = [], start
    while at < end:
        tag, content, after = _element(der, at)
        found.append((tag, content, after))
        at = after
    return found


def _time(tag: int, text: str) -> datetime:
    if tag == _UTC_TIME and len(text) == 13 and text.endswith("Z"):
        year = int(text[:2])
        text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
    elif not (tag == _GENERALIZED_TIME and len(text) == 15 and text.endswith("Z")):
        raise CertificateError(f"unsupported time in certificate: {text!r}")
    return datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(tzinfo=UTC)


def not_after(der: bytes) -> datetime:
    """The end of the validity of the X.509 certificate `der` (pure)."""
    tag, start, end = _element(der, 0)
    if tag != _SEQUENCE:
        raise CertificateError("not a certificate")
    tag, start, end = _element(der, start)
    if tag != _SEQUENCE:
        raise CertificateError("not a certificate")
    fields = _children(der, start, end)
    if fields and fields[0][0] == _VERSION:
        fields = fields[1:]
    # serialNumber, signature, issuer, validity, ...
    if len(fields) < 4 or fields[3][0] != _SEQUENCE:
        raise CertificateError("certificate without validity")
    validity = _children(der, fields[3][1], fields[3][2])
    if len(validity) != 2:
        raise CertificateError("certificate validity is not two times")
    tag, start, end = validity[1]
    return _time(tag, der[start:end].decode("ascii"))


def parse_endpoint(endpoint: str) -> tuple[str, int]:
    """'host:port' or '[v6]:port' as (host, port); ValueError if it is neither."""
    host, sep, port = endpoint.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"not host:port: {endpoint!r}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host, int(port)


def context(ca_file: str | None) -> ssl.SSLContext:
    """Verify against `ca_file` (certificate chain and host name), or, without one, accept
    any certificate: the probe only reads the expiry then."""
    if ca_file:
        return ssl.create_default_context(cafile=ca_file)
    unverified = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    return unverified


def peer_certificate(endpoint: str, tls: ssl.SSLContext, timeout: float) -> bytes:
    host, port = parse_endpoint(endpoint)
    with (
        socket.create_connection((host, port), timeout=timeout) as raw,
        tls.wrap_socket(raw, server_hostname=host) as wrapped,
    ):
        der = wrapped.getpeercert(binary_form=True)
    if not der:
        raise CertificateError("the endpoint presented no certificate")
    return der


def expiry_samples(endpoint: str, der: bytes) -> list[NamedSample]:
    return [sample(TLS_EXPIRY, not_after(der).timestamp(), endpoint=endpoint)]
