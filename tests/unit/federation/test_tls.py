"""TLS certificate pinning against a real TLS server on loopback (a socket, Python's ssl)."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from cta.federation.tls import (
    certificate_fingerprint,
    default_hosts,
    load_certificate_fingerprint,
    make_certificate,
    normalise_fingerprint,
    pinned_context,
    tls_files,
    write_tls_files,
)


@contextmanager
def tls_server(directory: Path) -> Iterator[tuple[int, str, list[bytes]]]:
    """A server answering one HTTP 200 per connection over TLS; what it received."""
    key, cert = make_certificate("ARM", default_hosts("127.0.0.1"))
    files = tls_files(directory, "ARM")
    pin = write_tls_files(key, cert, files)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(files.certificate, files.key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    received: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                raw, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            raw.settimeout(5)
            try:
                with context.wrap_socket(raw, server_side=True) as conn:
                    received.append(conn.recv(65536))
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                                 b"Connection: close\r\n\r\nok")  # fmt: skip
            except OSError:
                raw.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], pin, received
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def test_the_pinned_certificate_is_accepted(tmp_path: Path) -> None:
    with tls_server(tmp_path) as (port, pin, received):  # noqa: SIM117 (pin comes from the first)
        with httpx.Client(verify=pinned_context(pin, "ARM")) as client:
            assert client.get(f"https://127.0.0.1:{port}/x").text == "ok"
    assert received and received[0].startswith(b"GET /x")


def test_another_certificate_fails_the_handshake_before_the_request(tmp_path: Path) -> None:
    wrong = "00" * 32
    with (
        tls_server(tmp_path) as (port, pin, received),
        httpx.Client(verify=pinned_context(wrong, "ARM at x")) as client,
        pytest.raises(httpx.ConnectError) as caught,
    ):
        client.get(f"https://127.0.0.1:{port}/x", headers={"CTA-Signature": "secret"})
    message = str(caught.value)
    assert message.startswith("TLS certificate mismatch: ARM at x presented a certificate")
    assert pin in message and wrong in message
    assert not any(b"secret" in data for data in received)


def test_fingerprints_are_of_the_der_bytes_and_read_back_from_the_file(tmp_path: Path) -> None:
    key, cert = make_certificate("GEO", default_hosts("cta.geo.example", ("10.0.0.5",)))
    files = tls_files(tmp_path, "GEO")
    pin = write_tls_files(key, cert, files)
    assert pin == certificate_fingerprint(cert.public_bytes(Encoding.DER))
    assert load_certificate_fingerprint(files.certificate) == pin
    assert files.key.stat().st_mode & 0o777 == 0o600
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["cta.geo.example", "localhost"]
    assert [str(a) for a in names.get_values_for_type(x509.IPAddress)] == ["10.0.0.5",
                                                                          "127.0.0.1"]  # fmt: skip


def test_fingerprint_text_is_normalised_or_refused() -> None:
    assert normalise_fingerprint(" " + "AB:" * 31 + "AB ") == "ab" * 32
    assert normalise_fingerprint("ab" * 31) is None
    with pytest.raises(ValueError, match="not a SHA-256 fingerprint"):
        pinned_context("xyz")
