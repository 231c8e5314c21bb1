"""The exchange on the wire: ``GET /v1/federation/records?after=N&limit=M`` and its answer.

A node serves its own records, in order, to its peers (node credentials, ``auth``)::

    GET /v1/federation/records?after=120&limit=500
    200 {"origin": "GEO", "records": [<record>, ...], "last_seq": 9000}

``records`` are the origin's records with ``seq > after``, ascending, at most ``limit`` (1 to
``MAX_LIMIT``, default ``DEFAULT_LIMIT``), contiguous from ``after + 1`` (a deleted record is
served redacted, never left out); ``last_seq`` is the origin's highest seq when the page was
read, so the caller knows its lag. A record served without its payload (erased at its origin)
needs its origin's signed ``RetentionDeletion`` naming it: in the page, or, when that deletion
comes later in the chain, in ``erasures`` (present only when not empty), which the receiver
checks as it checks a record (``cta.federation.verify``, rule 6). A page is parsed strictly:
an unknown or missing key, a key given twice in any object, nesting too deep, more records
than the ``limit`` asked, or a malformed record is an error naming the place. A page's size
is bounded by the limit asked (``max_page_bytes``), so a puller reads no more than that.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cta.federation.canonical import MAX_INT
from cta.federation.errors import RecordFormatError
from cta.federation.records import MAX_PAYLOAD_BYTES, Record

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MAX_RECORD_BYTES",
    "MAX_WAIT",
    "RECORDS_PATH",
    "RecordsPage",
    "decode_page",
    "max_page_bytes",
    "parse_page_query",
    "parse_wait",
    "records_target",
]

RECORDS_PATH = "/v1/federation/records"
DEFAULT_LIMIT = 500
MAX_LIMIT = 1000
MAX_WAIT = 30  # seconds a long poll may be held (``wait``)
# a record on the wire at its longest: its payload (at most MAX_PAYLOAD_BYTES of canonical JSON,
# which a node serves as it is: compact UTF-8, the same escapes) and ten fields of bounded size
# (570 bytes at their longest: a 40-letter kind, 16-digit seqs, a supersedes); 1 KiB said
_RECORD_FIELDS_BYTES = 1024
MAX_RECORD_BYTES = MAX_PAYLOAD_BYTES + _RECORD_FIELDS_BYTES
# the page around its records: origin, last_seq, the keys and brackets (a few dozen bytes)
_PAGE_FRAME_BYTES = 64 * 1024
_PAGE_KEYS = frozenset({"origin", "records", "last_seq"})
_OPTIONAL_KEYS = frozenset({"erasures"})


def records_target(after: int, limit: int, wait: int = 0) -> str:
    """The request target of one page, spelled the one way clients send it (``wait`` only
    when it is a long poll)."""
    target = f"{RECORDS_PATH}?after={after}&limit={limit}"
    return f"{target}&wait={wait}" if wait > 0 else target


def max_page_bytes(limit: int) -> int:
    """The most bytes an honest answer to ``limit=limit`` takes: each of its records is whole
    (``MAX_RECORD_BYTES``) or erased (no payload, its fields only) with at most one proof in
    ``erasures`` (a deletion, at most ``MAX_RECORD_BYTES``): ``limit`` times a record and an
    erased one's fields, and the page's frame. 1,000 records: 67,649,536 bytes (64.5 MiB);
    honest pages are far smaller (a crossing's record is about 1 KB)."""
    return limit * (MAX_RECORD_BYTES + _RECORD_FIELDS_BYTES) + _PAGE_FRAME_BYTES


def parse_page_query(after: str | None, limit: str | None) -> tuple[int, int]:
    """``after`` (default 0) and ``limit`` (default ``DEFAULT_LIMIT``) from query text."""
    return (_integer("after", after, 0, 0, MAX_INT),
            _integer("limit", limit, DEFAULT_LIMIT, 1, MAX_LIMIT))  # fmt: skip


def parse_wait(wait: str | None) -> int:
    """``wait``: the seconds a long poll may be held (0, the default: answer at once)."""
    return _integer("wait", wait, 0, 0, MAX_WAIT)


def _integer(name: str, text: str | None, default: int, low: int, high: int) -> int:
    if text is None:
        return default
    if not text.isascii() or not text.isdigit() or len(text) > 16 or not low <= int(text) <= high:
        raise RecordFormatError(name, f"{text!r} is not an integer from {low} to {high}")
    return int(text)


@dataclass(frozen=True, slots=True)
class RecordsPage:
    """One answer: some of ``origin``'s records, its highest seq at the time, and the proofs
    of the page's erasures that come after it."""

    origin: str
    records: tuple[Record, ...]
    last_seq: int
    erasures: tuple[Record, ...] = ()

    def to_json(self) -> dict[str, Any]:
        page: dict[str, Any] = {
            "origin": self.origin,
            "records": [record.to_wire() for record in self.records],
            "last_seq": self.last_seq,
        }
        if self.erasures:
            page["erasures"] = [record.to_wire() for record in self.erasures]
        return page

    def encode(self) -> bytes:
        return json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: Any, limit: int | None = None) -> RecordsPage:
        """A page from parsed JSON; ``RecordFormatError`` names the first bad place. ``limit``:
        the most records the page may hold (the ``limit`` asked), and so the most proofs: an
        erased record of the page needs one at most."""
        if not isinstance(data, Mapping):
            raise RecordFormatError("page", "must be a JSON object")
        for key in sorted((set(data) - _OPTIONAL_KEYS) ^ _PAGE_KEYS):
            raise RecordFormatError(key, "unknown field" if key in data else "missing")
        origin, records, last_seq = data["origin"], data["records"], data["last_seq"]
        if not isinstance(origin, str) or len(origin) != 3 or not origin.isupper():
            raise RecordFormatError("origin", f"{origin!r} is not a three-letter state code")
        if not isinstance(records, Sequence) or isinstance(records, str):
            raise RecordFormatError("records", "must be a JSON array")
        if limit is not None and len(records) > limit:
            raise RecordFormatError("records", f"{len(records):,} records for limit={limit:,}")
        parsed = tuple(Record.from_wire(r, field=f"records[{i}]") for i, r in enumerate(records))
        if isinstance(last_seq, bool) or not isinstance(last_seq, int) or last_seq < 0:
            raise RecordFormatError("last_seq", f"{last_seq!r} is not an integer ≥ 0")
        if parsed and parsed[-1].seq > last_seq:
            raise RecordFormatError("last_seq", f"{last_seq} is below the page's last record")
        erasures = data.get("erasures", [])
        if not isinstance(erasures, Sequence) or isinstance(erasures, str):
            raise RecordFormatError("erasures", "must be a JSON array")
        if limit is not None and len(erasures) > len(records):
            raise RecordFormatError("erasures", f"{len(erasures):,} proofs for a page of "
                                    f"{len(records):,} records (one each at most)")  # fmt: skip
        proofs = tuple(Record.from_wire(r, field=f"erasures[{i}]")
                       for i, r in enumerate(erasures))  # fmt: skip
        return cls(origin, parsed, last_seq, proofs)


def decode_page(body: bytes, limit: int | None = None) -> RecordsPage:
    """Parse a page's bytes: UTF-8 JSON without repeated keys, then ``from_json`` (``limit``:
    the records asked for, the most the page may hold)."""
    try:
        data = json.loads(body.decode("utf-8"), object_pairs_hook=_unique_keys)
    except UnicodeDecodeError:
        raise RecordFormatError("page", "not UTF-8") from None
    except ValueError as exc:  # json.JSONDecodeError, and _unique_keys's
        raise RecordFormatError("page", f"not JSON: {exc}") from None
    except RecursionError:  # arrays or objects thousands deep: a record nests 16 at most
        raise RecordFormatError("page", "nested too deeply to be a page of records") from None
    return RecordsPage.from_json(data, limit)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Two parsers must not see two different records: a repeated key is refused."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"key {key!r} appears twice in one object")
        result[key] = value
    return result
