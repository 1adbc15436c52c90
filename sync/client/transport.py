"""JSON over HTTP(S) to the central store: which addresses case data may travel to, the TLS
context, and the store's answers mapped to typed errors (``sync.errors``)."""

from __future__ import annotations

import ipaddress
import ssl
from typing import Any
from urllib.parse import urlsplit

import httpx

from sync import protocol as p
from sync.errors import (
    AuthFailed,
    BadCredentials,
    CaFileError,
    CertificateError,
    DeviceRevoked,
    InsecureUrl,
    ServerRefused,
    ServerUnreachable,
    TooManyAttempts,
    UpgradeRequired,
)


def check_url(url: str) -> str:
    """``url`` if case data may travel to it: HTTPS anywhere, plain HTTP only to this computer
    (a test store, or a TLS proxy on the same machine); raises ``InsecureUrl`` otherwise."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise InsecureUrl(url=url) from None
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and is_loopback(host):
        return url
    raise InsecureUrl(url=url)


def is_loopback(host: str) -> bool:
    """``localhost`` or an address in 127.0.0.0/8 or ::1: this computer."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tls_context(ca_file: str | None = None) -> ssl.SSLContext:
    """Certificates checked against the system's store, or against ``ca_file`` (PEM) when the
    municipality runs its own CA."""
    try:
        return ssl.create_default_context(cafile=ca_file or None)
    except (OSError, ssl.SSLError) as exc:
        raise CaFileError(path=ca_file or "", detail=type(exc).__name__) from exc


def _certificate_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return "CERTIFICATE_VERIFY_FAILED" in str(exc)


class Connection:
    """JSON over HTTP to the central store, with its errors mapped to typed ones."""

    def __init__(
        self,
        url: str,
        token: str = "",
        *,
        client: httpx.Client | None = None,
        timeout: float = 30.0,
        protocol: int = p.PROTOCOL_VERSION,
        ca_file: str | None = None,
    ) -> None:
        check_url(url)
        headers = {p.PROTOCOL_HEADER: str(protocol)}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if client is None:
            self.client = httpx.Client(
                base_url=url, timeout=timeout, headers=headers, verify=tls_context(ca_file)
            )
        else:
            self.client = client
            self.client.headers.update(headers)
        self.url = url

    def close(self) -> None:
        self.client.close()

    def request(self, method: str, path: str, body: Any = None) -> Any:
        try:
            response = self.client.request(method, path, json=body)
        except httpx.TransportError as exc:
            if _certificate_failure(exc):
                raise CertificateError(url=self.url) from exc
            raise ServerUnreachable(detail=type(exc).__name__) from exc
        if response.status_code < 400:
            try:
                return response.json()
            except ValueError as exc:
                raise ServerUnreachable(detail="bad_json") from exc
        try:
            answer = response.json()
            error = str(answer.get("error", ""))
            detail = answer.get("detail")
        except (ValueError, AttributeError):
            error, detail = "", None
        if response.status_code >= 500:
            raise ServerUnreachable(detail=f"http_{response.status_code}")
        if error == "auth.device_revoked":
            raise DeviceRevoked()
        if error == "auth.bad_credentials":
            raise BadCredentials()
        if response.status_code == 429:
            try:
                seconds = int(response.headers.get("Retry-After", "60"))
            except ValueError:
                seconds = 60
            raise TooManyAttempts(seconds=seconds)
        if response.status_code == 401:
            raise AuthFailed()
        if response.status_code == 426:
            raise UpgradeRequired()
        raise ServerRefused(status=response.status_code, error=error, detail=detail)
