"""Node credentials: every request between nodes is signed by the calling node's key.

The caller adds four headers; the server rebuilds the signed text and checks it against the
caller's key in the federation file::

    CTA-Node: GEO                      the calling node's state
    CTA-Timestamp: 1796025600          Unix seconds when the request was made
    CTA-Nonce: 3f2a...                 32 lowercase hex digits, fresh for every request
    CTA-Signature: <base64>            Ed25519 signature of the text below

    CTA-REQUEST-V1
    GET
    /v1/federation/records?after=120&limit=500
    ARM
    GEO
    1796025600
    3f2a...
    e3b0c442...                        SHA-256 of the body (hex; this one is empty)

(the signed text: these eight lines joined by line feeds, no final line feed)

``target`` is the request target exactly as sent (path and query, ``/v1/federation/records?
after=10&limit=500``); ``audience`` is the state of the node called, so a request made for one
peer is worthless at another. A request is refused when its time is more than ``MAX_SKEW`` from
the server's clock, or its nonce was seen within that window (a replay). This authenticates the
node, not the channel: run the exchange over HTTPS (or mutual TLS) so that records are not read
on the way. Pure functions, apart from ``NonceCache``, which keeps the nonces in memory.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cta.federation.errors import RequestAuthError
from cta.federation.members import Federation

__all__ = [
    "HEADER_NODE",
    "HEADER_NONCE",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "MAX_SKEW",
    "NonceCache",
    "request_target",
    "sign_request",
    "signing_text",
    "verify_request",
]

HEADER_NODE = "CTA-Node"
HEADER_TIMESTAMP = "CTA-Timestamp"
HEADER_NONCE = "CTA-Nonce"
HEADER_SIGNATURE = "CTA-Signature"
MAX_SKEW = timedelta(seconds=120)

# the headers of the credentials, by their names in lower case
_CREDENTIALS = {name.lower(): name for name in (HEADER_NODE, HEADER_TIMESTAMP, HEADER_NONCE,
                                                HEADER_SIGNATURE)}  # fmt: skip
_STATE = re.compile(r"[A-Z]{3}")
_NONCE = re.compile(r"[0-9a-f]{32}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def _header_items(headers: Mapping[str, str]) -> Iterable[tuple[str, str]]:
    """Every header as given, a repeated one as often as it came: Starlette's ``items()``
    gives them so; httpx's joins a repeated header's values, its ``multi_items()`` does not."""
    multi = getattr(headers, "multi_items", None)
    return multi() if callable(multi) else headers.items()


def request_target(raw_path: bytes | str, query_string: bytes | str = b"") -> str:
    """The request target as sent: path, then ``?`` and the query when there is one."""
    path = raw_path.decode("latin-1") if isinstance(raw_path, bytes) else raw_path
    query = query_string.decode("latin-1") if isinstance(query_string, bytes) else query_string
    return f"{path}?{query}" if query else path


def signing_text(
    method: str, target: str, audience: str, node: str, timestamp: int, nonce: str, body: bytes
) -> bytes:
    """The bytes a node signs for one request."""
    lines = ["CTA-REQUEST-V1", method.upper(), target, audience, node, str(timestamp), nonce,
             hashlib.sha256(body).hexdigest()]  # fmt: skip
    return "\n".join(lines).encode("utf-8")


def sign_request(
    key: Ed25519PrivateKey,
    node: str,
    audience: str,
    method: str,
    target: str,
    now: datetime,
    body: bytes = b"",
    nonce: str | None = None,
) -> dict[str, str]:
    """The headers that authenticate ``node``'s request to ``audience``."""
    nonce = os.urandom(16).hex() if nonce is None else nonce
    timestamp = int(now.timestamp())
    text = signing_text(method, target, audience, node, timestamp, nonce, body)
    return {
        HEADER_NODE: node,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: base64.b64encode(key.sign(text)).decode("ascii"),
    }


class NonceCache:
    """Nonces seen in the last ``2 × MAX_SKEW``, at most ``capacity`` of them (oldest dropped)."""

    def __init__(self, window: timedelta = 2 * MAX_SKEW, capacity: int = 100_000) -> None:
        self._window = window
        self._capacity = capacity
        self._seen: OrderedDict[tuple[str, str], datetime] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, node: str, nonce: str, now: datetime) -> bool:
        """Remember ``nonce``; ``False`` if ``node`` used it before within the window."""
        with self._lock:
            while self._seen:
                oldest_key, oldest = next(iter(self._seen.items()))
                if now - oldest <= self._window and len(self._seen) < self._capacity:
                    break
                del self._seen[oldest_key]
            if (node, nonce) in self._seen:
                return False
            self._seen[(node, nonce)] = now
            return True


def verify_request(
    federation: Federation,
    method: str,
    target: str,
    headers: Mapping[str, str],
    now: datetime,
    *,
    body: bytes = b"",
    nonces: NonceCache | None = None,
) -> str:
    """The calling member's state; ``RequestAuthError`` says why the request is refused.

    ``headers`` as the server got them: a credential header given twice is refused (which one
    counts would be a guess, and a proxy and the node could guess apart)."""
    lower: dict[str, str] = {}
    for name, value in _header_items(headers):
        if name.lower() in lower and name.lower() in _CREDENTIALS:
            raise RequestAuthError(f"the header {_CREDENTIALS[name.lower()]} is given twice: "
                                   "send it once")  # fmt: skip
        lower[name.lower()] = value
    node, stamp, nonce, signature = (lower.get(h.lower(), "") for h in
                                     (HEADER_NODE, HEADER_TIMESTAMP, HEADER_NONCE,
                                      HEADER_SIGNATURE))  # fmt: skip
    if not (node and stamp and nonce and signature):
        raise RequestAuthError("no node credentials (CTA-Node, CTA-Timestamp, CTA-Nonce, "
                               "CTA-Signature)")  # fmt: skip
    if not _STATE.fullmatch(node) or not federation.is_member(node) or node == federation.node:
        raise RequestAuthError(f"{node!r} is not a peer in this node's federation file")
    if not _TIMESTAMP.fullmatch(stamp) or not _NONCE.fullmatch(nonce):
        raise RequestAuthError("malformed CTA-Timestamp or CTA-Nonce")
    skew = abs(now.timestamp() - int(stamp))
    if skew > MAX_SKEW.total_seconds():
        raise RequestAuthError(f"the request's time is {skew:.0f} s from ours (at most "
                               f"{MAX_SKEW.total_seconds():.0f}); check the clocks")  # fmt: skip
    key = federation.key_for(node, now)
    if key is None:
        raise RequestAuthError(f"no key of {node} is valid now")
    try:
        raw = base64.b64decode(signature, validate=True)
        key.verify(raw, signing_text(method, target, federation.node, node, int(stamp), nonce,
                                     body))  # fmt: skip
    except (binascii.Error, ValueError, InvalidSignature):
        raise RequestAuthError(f"the signature is not {node}'s for this request") from None
    if nonces is not None and not nonces.first_time(node, nonce, now):
        raise RequestAuthError("this nonce was used before: a replayed request")
    return node
