"""STARTTLS certificates: the server's TLS context, and its reload on SIGHUP.

Each SMTP session takes the context current when it connects, so a reload
(certbot renewing a Let's Encrypt certificate, then `systemctl reload`) never
touches sessions under way: they finish with the certificate they started with.
"""

from __future__ import annotations

import logging
import os
import ssl

log = logging.getLogger(__name__)


class TlsError(Exception):
    """The certificate or key cannot be used; the message says which and why."""


def server_context(cert_path: str, key_path: str) -> ssl.SSLContext:
    """A server-side context for STARTTLS: TLS 1.2 or newer, no client certificates."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION
    for path in (cert_path, key_path):
        if not os.path.isfile(path):
            raise TlsError(f"cannot read {path}: no such file")
    try:
        context.load_cert_chain(cert_path, key_path)
    except (OSError, ssl.SSLError) as exc:
        raise TlsError(f"cannot load TLS certificate {cert_path} with key {key_path}: {exc}") from None
    return context


class Certificates:
    """The configured certificate and key, loaded; None when STARTTLS is off."""

    def __init__(self, cert_path: str, key_path: str) -> None:
        self.cert_path = cert_path
        self.key_path = key_path
        self.context: ssl.SSLContext | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.cert_path and self.key_path)

    def load(self) -> None:
        """Load the files; raises TlsError (startup refuses to run with a broken certificate)."""
        if self.enabled:
            self.context = server_context(self.cert_path, self.key_path)

    def reload(self) -> bool:
        """Load the files again; on failure keep serving the previous certificate."""
        if not self.enabled:
            log.info("SIGHUP: no [smtp] tls_cert configured, nothing to reload")
            return False
        try:
            self.context = server_context(self.cert_path, self.key_path)
        except TlsError as exc:
            log.error("SIGHUP: TLS certificate not reloaded, still serving the previous one: %s", exc)
            return False
        log.info("SIGHUP: TLS certificate reloaded from %s", self.cert_path)
        return True
