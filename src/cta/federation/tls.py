"""The nodes' transport: TLS, each peer's certificate pinned by its SHA-256 fingerprint.

Records carry names, birth dates and document numbers, so nodes talk to each other over HTTPS.
Every node has its own TLS key and self-signed certificate, made by ``cta keys init`` beside
its signing key (``DIR/STATE.tls.key``, mode 0600, and ``DIR/STATE.tls.crt``). The federation
file pins each member's certificate by the SHA-256 of its DER bytes
(``tls_certificate_sha256``, 64 hex digits); a node accepts a peer only if the certificate it
presents has exactly that fingerprint. No certificate authority is involved and the host name
is not checked: the pin is stronger than both (one certificate, not any a CA would sign).

The check runs during the TLS handshake, before a byte of the request is sent, so an impostor
never sees a signed request (which it could replay to the real peer). A mismatch is a connection
error (``httpx.ConnectError``) whose message names both fingerprints.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from cta.federation.errors import KeyFileError

__all__ = [
    "VALID_DAYS",
    "CertificatePinError",
    "TlsFiles",
    "certificate_context",
    "certificate_fingerprint",
    "check_private_key_file",
    "default_hosts",
    "load_certificate_fingerprint",
    "make_certificate",
    "normalise_fingerprint",
    "pinned_context",
    "tls_files",
    "write_tls_files",
]

VALID_DAYS = 730  # two years; a new certificate means a new pin in every federation file
# what a node serving TLS itself offers in TLS 1.2 (1.3 has only AEAD suites): ECDHE with
# AES-GCM or ChaCha20-Poly1305, as Mozilla's "intermediate" profile; the CBC suites OpenSSL
# would add are refused (the sweep of session 17)
SERVER_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20"
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """Where a node's TLS key and certificate live: ``DIR/STATE.tls.key`` (0600) and
    ``DIR/STATE.tls.crt`` (PEM), beside its signing key ``DIR/STATE.key``."""

    key: Path
    certificate: Path


def tls_files(directory: Path, state: str) -> TlsFiles:
    return TlsFiles(directory / f"{state}.tls.key", directory / f"{state}.tls.crt")


def certificate_fingerprint(der: bytes) -> str:
    """The SHA-256 of a certificate's DER bytes, 64 lowercase hex digits (what is pinned)."""
    return hashlib.sha256(der).hexdigest()


def normalise_fingerprint(text: str) -> str | None:
    """A fingerprint as 64 lowercase hex digits, also from ``openssl x509 -fingerprint
    -sha256``'s ``AB:CD:...`` form; ``None`` if it is not one."""
    value = text.strip().lower().replace(":", "")
    return value if _HEX64.fullmatch(value) else None


def default_hosts(endpoint_host: str | None, extra: tuple[str, ...] = ()) -> list[str]:
    """The names a node's certificate is made for: its endpoint's host, ``localhost``,
    ``127.0.0.1`` and any others asked for, each once."""
    hosts = [h for h in (endpoint_host, *extra, "localhost", "127.0.0.1") if h]
    return list(dict.fromkeys(hosts))


def make_certificate(
    state: str, hosts: list[str], *, now: datetime | None = None, days: int = VALID_DAYS
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A new ECDSA P-256 key and a self-signed certificate for ``hosts`` (DNS names or IP
    addresses, in its subjectAltName), valid for ``days`` from ``now``."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = now or datetime.now(UTC)
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    subject = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, f"CTA node {state}"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CTA federation"),
    ])  # fmt: skip
    usage = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                   ExtendedKeyUsageOID.CLIENT_AUTH])  # fmt: skip
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))  # a peer's clock a little behind
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def write_tls_files(
    key: ec.EllipticCurvePrivateKey, certificate: x509.Certificate, files: TlsFiles,
    *, force: bool = False,
) -> str:  # fmt: skip
    """Write the key (0600) and the certificate; an existing one is kept (``KeyFileError``)
    unless ``force``. Returns the certificate's fingerprint."""
    from cta.federation.keys import _write_atomically as write_file

    if not force:
        for path in (files.key, files.certificate):
            if path.exists():
                raise KeyFileError(f"{path} exists; keep it, or replace it with --force")
    files.key.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())  # fmt: skip
    write_file(files.key, pem, 0o600)
    write_file(files.certificate, certificate.public_bytes(serialization.Encoding.PEM), 0o644)
    return certificate_fingerprint(certificate.public_bytes(serialization.Encoding.DER))


def load_certificate_fingerprint(path: Path) -> str:
    """The fingerprint of a PEM certificate file; ``KeyFileError`` says what is wrong."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise KeyFileError(f"{path}: no such certificate file; make one with "
                           "`cta keys init`") from None  # fmt: skip
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read the certificate ({exc.strerror})") from None
    try:
        certificate = x509.load_pem_x509_certificate(data)
    except ValueError:
        raise KeyFileError(f"{path}: not a PEM certificate") from None
    return certificate_fingerprint(certificate.public_bytes(serialization.Encoding.DER))


def check_private_key_file(path: Path) -> None:
    """The TLS key exists and only its owner can read it (as the signing key)."""
    import stat

    try:
        info = path.stat()
    except FileNotFoundError:
        raise KeyFileError(f"{path}: no such TLS key file; make one with `cta keys init`") from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(f"{path}: the TLS key is open to others (mode "
                           f"{stat.S_IMODE(info.st_mode):04o}); chmod 600 it")  # fmt: skip


class CertificatePinError(ssl.SSLCertVerificationError):
    """The peer's certificate is not the one its federation entry pins."""

    def __str__(self) -> str:  # ssl.SSLError shows its args' tuple
        return str(self.args[0]) if self.args else "TLS certificate mismatch"


def _check_pin(context: Any, der: bytes | None) -> None:
    pin = getattr(context, "pin", None)
    if pin is None:
        return
    got = certificate_fingerprint(der) if der else None
    if got != pin:
        presented = f"a certificate with SHA-256 {got}" if got else "no certificate"
        raise CertificatePinError(f"TLS certificate mismatch: {context.peer} presented "
                                  f"{presented}, but its tls_certificate_sha256 in the "
                                  f"federation file is {pin}")  # fmt: skip


class _PinnedSocket(ssl.SSLSocket):
    def do_handshake(self, block: bool = False) -> None:
        super().do_handshake(block)
        _check_pin(self.context, self.getpeercert(binary_form=True))


class _PinnedObject(ssl.SSLObject):
    def do_handshake(self) -> None:
        super().do_handshake()
        _check_pin(self.context, self.getpeercert(binary_form=True))


class _PinnedContext(ssl.SSLContext):
    pin: str | None = None
    peer: str = "the peer"
    sslsocket_class = _PinnedSocket
    sslobject_class = _PinnedObject


def pinned_context(fingerprint: str, peer: str = "the peer") -> ssl.SSLContext:
    """A client TLS context that accepts only the certificate of ``fingerprint`` (64 hex
    digits): checked during the handshake, whatever the host name or issuer."""
    pin = normalise_fingerprint(fingerprint)
    if pin is None:
        raise ValueError(f"{fingerprint!r} is not a SHA-256 fingerprint (64 hex digits)")
    context = _PinnedContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the pin is checked instead, see _check_pin
    context.pin, context.peer = pin, peer
    return context


def certificate_context(path: Path, peer: str = "the node") -> ssl.SSLContext:
    """A client context that accepts the certificate in the PEM file ``path`` only."""
    return pinned_context(load_certificate_fingerprint(path), peer)
