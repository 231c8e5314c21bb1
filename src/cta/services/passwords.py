"""Staff passwords for the web pages, hashed with scrypt (``hashlib.scrypt``, RFC 7914).

scrypt is memory-hard: each guess costs 128 * n * r bytes of memory (32 MiB here) as well as
time, so guessing on graphics cards is dear. It is in Python's standard library (OpenSSL), so
no compiled dependency is added; argon2id would be the other choice (argon2-cffi). The stored
form names its parameters, so they can be raised later and old hashes still verify:
``scrypt$n$r$p$salt$hash`` (salt and hash in unpadded base64).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata

__all__ = ["MAX_LENGTH", "MIN_LENGTH", "PasswordError", "hash_password", "verify_password"]

MIN_LENGTH = 12
MAX_LENGTH = 200
N, R, P = 2**15, 8, 1  # 32 MiB, about 0.1 s on one core (OWASP's minimum is n=2**17 r=8 p=1
# at 128 MiB; 2**15 keeps a small border-post server responsive while many sign in at once)
_MAXMEM = 256 * 1024 * 1024


class PasswordError(ValueError):
    """A password that may not be set (too short, too long, a control character)."""


def hash_password(password: str, *, n: int = N, r: int = R, p: int = P) -> str:
    """The stored form of a new password (a fresh random salt each time)."""
    if len(password) < MIN_LENGTH:
        raise PasswordError(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise PasswordError(f"a password has at most {MAX_LENGTH} characters")
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in password):
        raise PasswordError("a password may not hold control characters (a tab, an escape, "
                            "a NUL...): the sign-in form cannot type them")  # fmt: skip
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, n, r, p)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str | None) -> bool:
    """Whether the password is the one hashed in ``stored``; with none stored, the same work
    is done against a dummy hash, so the time taken does not tell whether a user exists."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        scheme, n, r, p, salt, digest = (stored or _DUMMY).split("$")
        params = int(n), int(r), int(p)
        expected = _unb64(digest)
        found = _scrypt(password, _unb64(salt), *params)
    except ValueError:
        return False
    return scheme == "scrypt" and stored is not None and hmac.compare_digest(found, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=32)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


_DUMMY = f"scrypt${N}${R}${P}${_b64(bytes(16))}${_b64(bytes(32))}"
