"""Node keys: Ed25519 key pairs, the private key in a file only its owner can read.

The private key is a PEM file (PKCS#8, ``-----BEGIN PRIVATE KEY-----``) written with mode 0600
and **not encrypted**: a node must start unattended, so a passphrase would have to sit beside
the key anyway. Protect it as the node's database is protected (file permissions, disk
encryption, or a secrets manager that writes the file at start). The public key is the raw
32 bytes in standard base64 (44 characters), one line: what the federation file lists.

Signatures are made with ``cryptography`` (OpenSSL) and checked with libsodium (PyNaCl,
``VerifyingKey``): the same RFC 8032 Ed25519, a check in 64 µs against OpenSSL's 132–141 µs on
the benchmark machine, and a catch-up checks one signature a record (docs/benchmarks.md,
"Federation catch-up, session 12"). libsodium is the stricter of the two: it also refuses a
signature whose R or key is a point of small order or not canonically encoded, which no honest
signer makes; every node checks with the same library, so all three refuse the same records.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from nacl.bindings import crypto_sign_open
from nacl.exceptions import BadSignatureError

from cta.federation.errors import KeyFileError

__all__ = [
    "KeyFiles",
    "VerifyingKey",
    "generate_private_key",
    "key_files",
    "load_private_key",
    "load_public_key",
    "parse_public_key",
    "public_key_text",
    "write_key_pair",
]


@dataclass(frozen=True, slots=True)
class KeyFiles:
    """Where a node's keys live: ``DIR/STATE.key`` (private, 0600) and ``DIR/STATE.pub``."""

    private: Path
    public: Path


def key_files(directory: Path, state: str) -> KeyFiles:
    return KeyFiles(directory / f"{state}.key", directory / f"{state}.pub")


class VerifyingKey:
    """A member's Ed25519 public key, as the federation file gives it: ``verify`` raises
    ``InvalidSignature`` unless ``signature`` is this key's over ``message``."""

    __slots__ = ("raw",)

    def __init__(self, raw: bytes) -> None:
        if len(raw) != 32:
            raise KeyFileError(f"public key is {len(raw)} bytes; an Ed25519 key is 32")
        self.raw = bytes(raw)

    def verify(self, signature: bytes, message: bytes) -> None:
        if len(signature) != 64:  # else libsodium would read part of the message as one
            raise InvalidSignature
        try:
            crypto_sign_open(signature + message, self.raw)
        except BadSignatureError:
            raise InvalidSignature from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VerifyingKey) and other.raw == self.raw

    def __hash__(self) -> int:
        return hash(self.raw)

    def __repr__(self) -> str:
        return f"VerifyingKey({base64.b64encode(self.raw).decode('ascii')!r})"


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey | VerifyingKey) -> str:
    """The public key as standard base64 of its 32 raw bytes."""
    if isinstance(key, VerifyingKey):
        raw = key.raw
    else:
        public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def parse_public_key(text: str) -> VerifyingKey:
    """A public key from its base64 text; ``KeyFileError`` says what is wrong with it."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeyFileError("public key is not base64 text") from None
    return VerifyingKey(raw)


def write_key_pair(key: Ed25519PrivateKey, files: KeyFiles, *, force: bool = False) -> None:
    """Write both files; an existing one is kept (``KeyFileError``) unless ``force``."""
    if not force:
        for path in (files.private, files.public):
            if path.exists():
                raise KeyFileError(f"{path} exists; keep it, or replace it with --force")
    files.private.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_atomically(files.private, pem, 0o600)
    _write_atomically(files.public, (public_key_text(key) + "\n").encode("ascii"), 0o644)


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    """Write a sibling file created with ``mode`` (never wider), then rename it over ``path``."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)  # os.open's mode is narrowed by the umask, never widened
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The node's private key; refused when missing, not Ed25519, or readable by others."""
    try:
        info = path.stat()
        data = path.read_bytes()
    except FileNotFoundError:
        raise KeyFileError(f"{path}: no such key file; make one with `cta keys init`") from None
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read the key file ({exc.strerror})") from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(f"{path}: the private key is open to others (mode "
                           f"{stat.S_IMODE(info.st_mode):04o}); chmod 600 it")  # fmt: skip
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise KeyFileError(f"{path}: the key is encrypted; CTA reads unencrypted keys") from None
    except (ValueError, UnsupportedAlgorithm):
        raise KeyFileError(f"{path}: not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path}: not an Ed25519 key (it is {type(key).__name__})")
    return key


def load_public_key(path: Path) -> VerifyingKey:
    """A public key file as ``write_key_pair`` writes it (one line of base64)."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise KeyFileError(f"{path}: no such public key file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"{path}: cannot read the public key file ({exc})") from None
    try:
        return parse_public_key(text)
    except KeyFileError as exc:
        raise KeyFileError(f"{path}: {exc}") from None
