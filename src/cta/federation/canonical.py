"""The canonical byte encoding of JSON values that record hashes and signatures cover.

Deterministic JSON, a strict subset of RFC 8785 (JCS), so that any implementation that can
write JSON can verify a record: UTF-8, object keys sorted, no whitespace, the shortest escapes
(``\\"``, ``\\\\``, ``\\b``, ``\\f``, ``\\n``, ``\\r``, ``\\t``, other controls as ``\\u00xx``,
everything else as itself). What would make two honest encoders disagree is refused:

- floats: their shortest decimal form differs between languages and libraries (and JCS needs
  ECMAScript's algorithm); a record carries amounts as integers and dates as text;
- integers beyond ±(2**53 − 1): JavaScript and many JSON parsers lose their last digits;
- object keys outside printable ASCII: JCS sorts by UTF-16 code units, Python by code points;
  for ASCII both are byte order, so the question never arises;
- text with unpaired surrogates, which is not Unicode and has no UTF-8 form;
- dates and times as objects: a record says how each is written (``records.format_at``);
- nesting deeper than 16, and anything that is not null, true, false, int, str, list or dict.

Text is not normalised (NFC or otherwise): the bytes hashed are those of the text as given.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from cta.federation.errors import RecordFormatError

__all__ = ["MAX_DEPTH", "MAX_INT", "MAX_PAYLOAD_BYTES", "canonical_json", "check_json_value",
           "encode_checked"]

MAX_INT = 2**53 - 1
MAX_PAYLOAD_BYTES = 64 * 1024  # a record's payload, canonical (``records.seal`` holds it)
MAX_DEPTH = 16


def canonical_json(value: Any, *, field: str = "value") -> bytes:
    """The canonical bytes of ``value``; ``RecordFormatError`` names the first bad place."""
    check_json_value(value, field)
    return encode_checked(value)


def encode_checked(value: Any) -> bytes:
    """The canonical bytes of a value already checked (``check_json_value``): no second walk."""
    text = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def check_json_value(value: Any, path: str, depth: int = 0) -> None:
    """Raise ``RecordFormatError(path, why)`` unless ``value`` has a canonical encoding."""
    if depth > MAX_DEPTH:
        raise RecordFormatError(path, f"nested deeper than {MAX_DEPTH} levels")
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if abs(value) > MAX_INT:
            raise RecordFormatError(path, f"integer {value} is beyond ±(2**53 - 1)")
        return
    if isinstance(value, str):
        _check_text(value, path)
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_json_value(item, f"{path}[{index}]", depth + 1)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_key(key, path)
            check_json_value(item, f"{path}.{key}", depth + 1)
        return
    raise RecordFormatError(path, _why_not(value))


def _why_not(value: Any) -> str:
    if isinstance(value, float):
        return f"a number with a fraction or exponent ({value!r}): use an integer or text"
    if isinstance(value, datetime | date):
        return "a date or time object: write it as ISO 8601 text first"
    return f"{type(value).__name__} is not a JSON value"


def _check_key(key: Any, path: str) -> None:
    if not isinstance(key, str):
        raise RecordFormatError(path, f"object key {key!r} is not text")
    if not key or not (key.isascii() and key.isprintable()):  # U+0020 to U+007E
        raise RecordFormatError(path, f"object key {key!r} is not printable ASCII")


def _check_text(text: str, path: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise RecordFormatError(
            path, f"text has an unpaired surrogate at character {exc.start}"
        ) from None
