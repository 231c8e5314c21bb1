"""Text a person typed that the node files and sends to its peers: one rule for both ends.

A peer's record is held to what this node's own API takes (``cta.domain.peer_records``): text
without control or invisible characters, so that no NUL reaches PostgreSQL and no right-to-left
override or zero-width space changes what another state's officer reads. Text that this node's
own officers type (a consultation's question, an answer's reasons, a reintroduction's ground,
an annulment's reasons, a hit decision's reason) is held to the same rule when it is typed: a
soft hyphen or a zero-width space pasted with a reason used to be taken here and then refused
by every peer, so that the other states never saw the consultation, the decision or the
checks (the sweep of session 16).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable

from cta.domain.errors import InvalidInputError

__all__ = ["INVISIBLE", "RECORD_TEXT_BYTES", "check_typed", "text_bytes", "typed_problem",
           "with_escapes"]

# control, format (ZWSP, RLO, soft hyphen), private use, surrogate, unassigned, line and
# paragraph separators
INVISIBLE = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
_LINES = frozenset("\t\n\r")  # what a text area sends besides the words
# typed text one record may carry, as its JSON spells it in UTF-8: a record's payload is at
# most 64 KiB (``cta.federation.records.MAX_PAYLOAD_BYTES``) and the rest of a payload (names,
# numbers, keys) is far under the 16 KiB left. Over it, the node's sealer fails on the record
# at every round and none of the node's later records is sealed or sent (the sweep of session
# 17: an annulment's 20 reasons of 2,000 Georgian letters, 120 KB).
RECORD_TEXT_BYTES = 48 * 1024


def typed_problem(value: str, field: str, *, lines: bool = True) -> str | None:
    """Why ``value`` cannot be filed and shared (its first control or invisible character,
    line breaks and tabs allowed where ``lines``), or None."""
    if value.isascii() and value.isprintable():  # the common case, at a fraction of the cost
        return None
    for position, char in enumerate(value, start=1):
        if lines and char in _LINES:
            continue
        if unicodedata.category(char) in INVISIBLE:
            return f"{field}: {char!r} at position {position} is a control or invisible character"
    return None


def check_typed(value: str, field: str, *, lines: bool = True) -> str:
    """``value``, or ``InvalidInputError`` naming the character the other members' nodes
    would refuse (``typed_problem``)."""
    problem = typed_problem(value, field, lines=lines)
    if problem is not None:
        raise InvalidInputError(f"{problem}, which the other member states' nodes do not take: "
                                "remove it")  # fmt: skip
    return value


def with_escapes(value: str, *, lines: bool = False) -> str:
    """``value`` with each control or invisible character written as its escape (``\\x00``;
    line breaks and tabs kept where ``lines``): text from a peer's record quoted in a message
    that is stored, logged and shown, or data quoted in a record."""
    if value.isascii() and value.isprintable():
        return value
    return "".join(repr(char)[1:-1] if unicodedata.category(char) in INVISIBLE
                   and not (lines and char in _LINES) else char for char in value)  # fmt: skip


def text_bytes(texts: Iterable[str]) -> int:
    """The bytes ``texts`` take in a record's JSON (UTF-8, quotes and escapes counted): a
    Georgian or Armenian letter takes three, a line break two."""
    return sum(len(json.dumps(text, ensure_ascii=False).encode()) for text in texts)
