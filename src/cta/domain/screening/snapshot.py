"""The screening index as bytes, so a node restarts warm: no name is transliterated again.

Layout: a magic line, one JSON header line (format version, byte order, and each section's
name, kind and length), then the sections' bytes back to back. Arrays are written raw
(``array.tobytes``); lists of text are UTF-8 lines. The index is compacted first, so the
snapshot has no overlay. What is derived (the id map, the deletion index, the document map,
the base's key map) is rebuilt on reading, which takes seconds, not a rebuild's minutes.
"""

from __future__ import annotations

import json
import sys
from array import array
from typing import Any

from cta.domain.errors import InvalidInputError
from cta.domain.screening.index import ScreeningIndex
from cta.domain.screening.normalise import ocr_class
from cta.domain.screening.vocabulary import Vocabulary

__all__ = ["read_snapshot", "write_snapshot"]

MAGIC = b"CTA-SCREENING-INDEX\n"
VERSION = 1
_ARRAYS = (
    "year", "valid_from", "valid_to", "nationality", "name_start", "name_tokens",
    "base_keys", "base_offsets", "base_postings",
)  # fmt: skip
_BYTES = ("alive", "category", "month", "day", "sex")


def _lines(items: list[str]) -> bytes:
    return "\n".join(items).encode("utf-8")


def write_snapshot(index: ScreeningIndex) -> bytes:
    """The index as bytes (compacting it first)."""
    index.compact()
    sections: list[tuple[str, str, bytes]] = []
    for name in _ARRAYS:
        column: array[int] = getattr(index, name)
        sections.append((name, column.typecode, column.tobytes()))
    for name in _BYTES:
        sections.append((name, "bytes", bytes(getattr(index, name))))
    vocabulary = index.vocabulary
    sections += [
        ("ids", "lines", _lines(index.ids)),
        ("documents", "lines", _lines([",".join(d) for d in index.documents])),
        ("nationality_sets", "lines", _lines([",".join(n) for n in index.nationality_sets])),
        ("tokens", "lines", _lines(vocabulary.tokens)),
        ("skeletons", "lines", _lines(vocabulary.skeletons)),
        ("token_skeleton", "I", vocabulary.token_skeleton.tobytes()),
    ]
    header = {
        "version": VERSION,
        "byteorder": sys.byteorder,
        "live": len(index),
        "sections": [[name, kind, len(data)] for name, kind, data in sections],
    }
    return b"".join(
        [MAGIC, json.dumps(header).encode("ascii"), b"\n", *(data for _, _, data in sections)]
    )


def _read_sections(data: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    if not data.startswith(MAGIC):
        raise InvalidInputError("not a screening index snapshot (bad magic)")
    end = data.index(b"\n", len(MAGIC))
    header = json.loads(data[len(MAGIC) : end])
    if header.get("version") != VERSION or header.get("byteorder") != sys.byteorder:
        raise InvalidInputError("screening index snapshot of another version or byte order")
    at = end + 1
    out: dict[str, Any] = {}
    for name, kind, length in header["sections"]:
        chunk = data[at : at + length]
        if len(chunk) != length:
            raise InvalidInputError(f"screening index snapshot cut short in section {name}")
        at += length
        if kind == "lines":
            out[name] = chunk.decode("utf-8").split("\n")
        elif kind == "bytes":
            out[name] = bytearray(chunk)
        else:
            column = array(kind)
            column.frombytes(chunk)
            out[name] = column
    return header, out


def read_snapshot(data: bytes) -> ScreeningIndex:
    """An index from ``write_snapshot``'s bytes; anything else is an InvalidInputError."""
    try:
        header, parts = _read_sections(data)
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInputError(f"unreadable screening index snapshot: {exc}") from None
    index = ScreeningIndex()
    for name in (*_ARRAYS, *_BYTES):
        setattr(index, name, parts[name])
    count = len(index.alive)
    index.ids = parts["ids"][:count]
    index.documents = [tuple(d.split(",")) if d else () for d in parts["documents"][:count]]
    index.nationality_sets = [tuple(n.split(",")) if n else () for n in parts["nationality_sets"]]
    if len(index.ids) != count or len(index.documents) != count:
        raise InvalidInputError("screening index snapshot: columns of different lengths")
    index.slot_of = {alert_id: slot for slot, alert_id in enumerate(index.ids) if alert_id}
    for slot, numbers in enumerate(index.documents):
        for number in numbers:
            index.by_document.setdefault(ocr_class(number), []).append(slot)
    index.base_slot = {key: i for i, key in enumerate(index.base_keys)}
    index.vocabulary = Vocabulary.restore(parts["tokens"], parts["token_skeleton"],
                                          parts["skeletons"])
    index.restore_counts(header["live"])
    return index
