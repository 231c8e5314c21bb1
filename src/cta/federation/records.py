"""Records: the immutable, signed facts a node creates and its peers store.

A record is origin node, sequence number, time, kind and payload, chained to the origin's
previous record by its hash and signed with the origin's Ed25519 key. What the hash and the
signature cover is the record's *header* in canonical JSON (``cta.federation.canonical``)::

    {"at":"2027-06-01T08:00:00.000000Z","kind":"CrossingRecorded","origin":"GEO",
     "payload_hash":"<64 hex>","prev_hash":"<64 hex>","seq":1,"supersedes":null,"v":1}

``payload_hash`` is the SHA-256 of the canonical ``{"payload": {...}, "salt": "<32 hex>"}``, so
the payload is covered too, once removed: a retention deletion drops a record's payload and salt
(``Record.redact``) and leaves header, hash and signature, which still verify, so the chain
holds after personal data is gone. The random salt keeps a guessed payload from being confirmed
against the hash of a deleted one. ``hash`` is the SHA-256 of the header bytes (lowercase hex);
``signature`` the Ed25519 signature of the same bytes (RFC 8032, standard base64). See
docs/federation.md for the whole format.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cta.federation.canonical import MAX_INT, MAX_PAYLOAD_BYTES, check_json_value, encode_checked
from cta.federation.errors import RecordFormatError

__all__ = [
    "FORMAT_VERSION",
    "GENESIS_HASH",
    "Record",
    "RecordRef",
    "format_at",
    "new_salt",
    "parse_at",
    "payload_hash",
    "seal",
]

FORMAT_VERSION = 1
GENESIS_HASH = "0" * 64  # the prev_hash of an origin's first record (seq 1)

_STATE = re.compile(r"[A-Z]{3}")
_KIND = re.compile(r"[A-Z][A-Za-z0-9]{0,39}")  # past tense, PascalCase: CrossingRecorded
_HEX64 = re.compile(r"[0-9a-f]{64}")
_SALT = re.compile(r"[0-9a-f]{32}")
_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_WIRE_KEYS = frozenset(
    {"origin", "seq", "at", "kind", "payload", "salt", "payload_hash", "supersedes",
     "prev_hash", "hash", "signature"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RecordRef:
    """Which record: its origin and sequence number (what a correction supersedes)."""

    origin: str
    seq: int

    def to_wire(self) -> dict[str, Any]:
        return {"origin": self.origin, "seq": self.seq}


class StoredWire(dict[str, Any]):
    """A record's wire object with its JSON text (``json.dumps``, as a JSON column stores
    it) in ``json_text``: the storage writes that text as it is instead of encoding the
    object again (``adapters.storage.bulk._sqlite``). Never changed after it is made."""

    __slots__ = ("json_text",)

    def __init__(self, wire: dict[str, Any]) -> None:
        super().__init__(wire)
        self.json_text = json.dumps(wire)


@dataclass(frozen=True, slots=True)
class Record:
    """One sealed record. ``payload`` and ``salt`` are ``None`` once redacted; never mutate."""

    origin: str
    seq: int
    at: datetime  # UTC, microseconds
    kind: str
    payload: dict[str, Any] | None
    salt: str | None
    payload_hash: str
    prev_hash: str
    hash: str
    signature: str  # base64 of the 64-byte Ed25519 signature
    supersedes: RecordRef | None = None
    # the hash of payload and salt as read (``from_wire`` encodes the payload to check it
    # anyway; verifying would encode it again): not one of the record's fields, and ``replace``
    # leaves it out, so a record changed that way is hashed anew
    _read_digest: str | None = field(default=None, init=False, repr=False, compare=False)
    # the stored form, encoded once (``stored_wire``)
    _stored: StoredWire | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def redacted(self) -> bool:
        return self.payload is None

    @property
    def ref(self) -> RecordRef:
        return RecordRef(self.origin, self.seq)

    def header_bytes(self) -> bytes:
        """The canonical bytes that ``hash`` and ``signature`` cover."""
        return header_bytes(self.origin, self.seq, self.at, self.kind, self.payload_hash,
                            self.prev_hash, self.supersedes)  # fmt: skip

    def payload_digest(self) -> str | None:
        """The hash of the payload and salt as they are (``payload_hash``): what
        ``payload_hash`` must be; None when redacted."""
        if self.payload is None or self.salt is None:
            return None
        if self._read_digest is not None:
            return self._read_digest
        return payload_hash(self.payload, self.salt)

    def signature_bytes(self) -> bytes:
        return base64.b64decode(self.signature)

    def redact(self) -> Record:
        """The record without its payload and salt: header, hash and signature still verify."""
        return replace(self, payload=None, salt=None)

    def to_wire(self) -> dict[str, Any]:
        """The record as a JSON object for the exchange (see ``from_wire``)."""
        return {
            "origin": self.origin,
            "seq": self.seq,
            "at": format_at(self.at),
            "kind": self.kind,
            "payload": self.payload,
            "salt": self.salt,
            "payload_hash": self.payload_hash,
            "supersedes": None if self.supersedes is None else self.supersedes.to_wire(),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "signature": self.signature,
        }

    def stored_wire(self) -> StoredWire:
        """``to_wire`` with its JSON text, as a node stores the record: made on the first call
        (the puller makes it in the thread that fetched the page, ahead of the apply)."""
        stored = self._stored
        if stored is None:
            stored = StoredWire(self.to_wire())
            object.__setattr__(self, "_stored", stored)
        return stored

    @classmethod
    def from_wire(cls, data: Any, *, field: str = "record") -> Record:
        """A record from its JSON object; ``RecordFormatError`` names the first bad field.

        Only the form is checked here; whether hash, chain and signature hold is
        ``cta.federation.verify``'s question.
        """
        return _from_wire(data, field)


def format_at(at: datetime) -> str:
    """``at`` in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (always six fraction digits)."""
    if at.tzinfo is UTC:  # the usual case: the same text, a third of the time
        return at.isoformat(timespec="microseconds")[:-6] + "Z"  # drop "+00:00"
    if at.tzinfo is None or at.utcoffset() is None:
        raise RecordFormatError("at", "a time without a UTC offset is ambiguous")
    u = at.astimezone(UTC)
    return (f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:"
            f"{u.second:02d}.{u.microsecond:06d}Z")  # fmt: skip


def parse_at(text: Any, field: str = "at") -> datetime:
    """The inverse of ``format_at``; any other spelling is refused (the hash covers it)."""
    if not isinstance(text, str) or not _AT.fullmatch(text):
        raise RecordFormatError(field, f"{text!r} is not a UTC time YYYY-MM-DDTHH:MM:SS.ffffffZ")
    try:  # the digits are where the pattern says: read them directly (strptime is 10x slower)
        return datetime(int(text[0:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]),
                        int(text[14:16]), int(text[17:19]), int(text[20:26]), UTC)  # fmt: skip
    except ValueError:
        raise RecordFormatError(field, f"{text!r} is not a real date and time") from None


def new_salt() -> str:
    """16 random bytes as 32 hex digits."""
    return os.urandom(16).hex()


def payload_hash(payload: Mapping[str, Any], salt: str) -> str:
    """SHA-256 (hex) of the canonical ``{"payload": payload, "salt": salt}``.

    The payload must have been checked (``seal`` and ``Record.from_wire`` do it).
    """
    return _payload_digest(encode_checked(payload), salt)


def _payload_digest(encoded_payload: bytes, salt: str) -> str:
    # "payload" sorts before "salt": these are the canonical bytes of the two-key object
    body = b'{"payload":' + encoded_payload + b',"salt":"' + salt.encode("ascii") + b'"}'
    return hashlib.sha256(body).hexdigest()


def header_bytes(
    origin: str,
    seq: int,
    at: datetime,
    kind: str,
    payload_digest: str,
    prev_hash: str,
    supersedes: RecordRef | None,
) -> bytes:
    """The canonical header: what a record's hash and signature cover (fields already checked).

    Written out directly when no value needs escaping (every record read or sealed: their
    fields are checked to be letters, digits and integers), which is the canonical encoding
    of the object below at a third of the cost (a tenth of verifying a record was this)."""
    if _plain(origin, kind, payload_digest, prev_hash) and type(seq) is int and (
        supersedes is None
        or (_plain(supersedes.origin) and type(supersedes.seq) is int)
    ):  # fmt: skip
        ref = ("null" if supersedes is None
               else f'{{"origin":"{supersedes.origin}","seq":{supersedes.seq}}}')  # fmt: skip
        return (f'{{"at":"{format_at(at)}","kind":"{kind}","origin":"{origin}",'
                f'"payload_hash":"{payload_digest}","prev_hash":"{prev_hash}","seq":{seq},'
                f'"supersedes":{ref},"v":{FORMAT_VERSION}}}').encode("ascii")  # fmt: skip
    header = {
        "at": format_at(at),
        "kind": kind,
        "origin": origin,
        "payload_hash": payload_digest,
        "prev_hash": prev_hash,
        "seq": seq,
        "supersedes": None if supersedes is None else supersedes.to_wire(),
        "v": FORMAT_VERSION,
    }
    return encode_checked(header)


def _plain(*texts: object) -> bool:
    """Whether each is text of ASCII letters and digits only: written into JSON as it is."""
    return all(type(t) is str and t.isascii() and t.isalnum() for t in texts)


def seal(
    origin: str,
    seq: int,
    at: datetime,
    kind: str,
    payload: Mapping[str, Any],
    prev_hash: str,
    private_key: Ed25519PrivateKey,
    *,
    supersedes: RecordRef | None = None,
    salt: str | None = None,
) -> Record:
    """Make, hash and sign a record; the arguments are checked as ``from_wire`` checks them."""
    salt = new_salt() if salt is None else salt
    body = dict(payload)
    _check_fields(origin, seq, kind, prev_hash, supersedes)
    encoded = _check_payload(body, salt)
    at = at.astimezone(UTC) if at.tzinfo is not None else at
    digest = _payload_digest(encoded, salt)
    header = header_bytes(origin, seq, at, kind, digest, prev_hash, supersedes)
    signature = base64.b64encode(private_key.sign(header)).decode("ascii")
    return Record(origin, seq, at, kind, body, salt, digest, prev_hash,
                  hashlib.sha256(header).hexdigest(), signature, supersedes)  # fmt: skip


def _check_fields(
    origin: Any, seq: Any, kind: Any, prev_hash: Any, supersedes: RecordRef | None
) -> None:
    _check_state(origin, "origin")
    _check_seq(seq, "seq")
    if not isinstance(kind, str) or not _KIND.fullmatch(kind):
        raise RecordFormatError("kind", f"{kind!r} is not a record kind (PascalCase, 1-40 "
                                "letters and digits, e.g. CrossingRecorded)")  # fmt: skip
    _check_hex64(prev_hash, "prev_hash")
    if supersedes is not None:
        _check_state(supersedes.origin, "supersedes.origin")
        _check_seq(supersedes.seq, "supersedes.seq")
        if supersedes.origin == origin and supersedes.seq >= seq:
            raise RecordFormatError(
                "supersedes", f"record {seq} cannot supersede its own origin's later record "
                f"{supersedes.seq}"
            )


def _check_payload(payload: Any, salt: Any) -> bytes:
    """The payload's canonical bytes, once it is known to have them and not to be too large."""
    if not isinstance(payload, Mapping):
        raise RecordFormatError("payload", "must be a JSON object")
    check_json_value(payload, "payload")
    if not isinstance(salt, str) or not _SALT.fullmatch(salt):
        raise RecordFormatError("salt", "must be 32 lowercase hex digits")
    encoded = encode_checked(payload)
    if len(encoded) > MAX_PAYLOAD_BYTES:
        raise RecordFormatError(
            "payload", f"{len(encoded)} bytes is more than {MAX_PAYLOAD_BYTES}"
        )
    return encoded


def _check_state(value: Any, field: str) -> None:
    if not isinstance(value, str) or not _STATE.fullmatch(value):
        raise RecordFormatError(field, f"{value!r} is not a three-letter state code")


def _check_seq(value: Any, field: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_INT:
        raise RecordFormatError(field, f"{value!r} is not a sequence number (an integer ≥ 1)")


def _check_hex64(value: Any, field: str) -> None:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise RecordFormatError(field, "must be 64 lowercase hex digits (a SHA-256)")


def _from_wire(data: Any, field: str) -> Record:
    if not isinstance(data, Mapping):
        raise RecordFormatError(field, "must be a JSON object")
    unknown = sorted(set(data) - _WIRE_KEYS)
    if unknown:
        raise RecordFormatError(f"{field}.{unknown[0]}", "unknown field")
    missing = sorted(_WIRE_KEYS - set(data))
    if missing:
        raise RecordFormatError(f"{field}.{missing[0]}", "missing")
    try:
        supersedes = _ref_from_wire(data["supersedes"])
        _check_fields(data["origin"], data["seq"], data["kind"], data["prev_hash"], supersedes)
        at = parse_at(data["at"])
        payload, salt, digest = data["payload"], data["salt"], None
        if payload is None or salt is None:
            if payload is not None or salt is not None:
                raise RecordFormatError("salt", "payload and salt are both present or both null")
        else:
            digest = _payload_digest(_check_payload(payload, salt), salt)
        _check_hex64(data["payload_hash"], "payload_hash")
        _check_hex64(data["hash"], "hash")
        _check_signature(data["signature"])
    except RecordFormatError as exc:
        raise RecordFormatError(f"{field}.{exc.field}", exc.problem) from None
    record = Record(data["origin"], data["seq"], at, data["kind"],
                    None if payload is None else dict(payload), salt, data["payload_hash"],
                    data["prev_hash"], data["hash"], data["signature"], supersedes)  # fmt: skip
    object.__setattr__(record, "_read_digest", digest)
    return record


def _ref_from_wire(value: Any) -> RecordRef | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or set(value) != {"origin", "seq"}:
        raise RecordFormatError("supersedes", 'must be null or {"origin": ..., "seq": ...}')
    _check_state(value["origin"], "supersedes.origin")
    _check_seq(value["seq"], "supersedes.seq")
    return RecordRef(value["origin"], value["seq"])


def _check_signature(value: Any) -> None:
    try:
        raw = base64.b64decode(value, validate=True) if isinstance(value, str) else b""
    except binascii.Error:
        raw = b""
    if len(raw) != 64 or base64.b64encode(raw).decode("ascii") != value:
        raise RecordFormatError("signature", "must be 64 bytes in standard base64 (88 characters)")
