"""The end of an application file's retention across the area (ETIAS Art. 54(1): 5 years from
the last refusal, annulment or revocation; a grant's file once its permit has ended).

The application's own node, when its purge deletes the file (``Applications.purge``), also
erases what the file sent to the peers: its ``ApplicationDecided`` records and the
``ConsultationRequested`` records of its consultations (payloads dropped here, hash and
signature kept), their outbox rows, its consultations' rows and its own
``application_decisions`` rows of them; one signed
``RetentionDeletion`` names those records, so that each peer drops its copies' payloads and the
rows they filed (``application_decisions``, the consulted member's ``consultations`` row). The
consulted member erases its own ``ConsultationAnswered`` to such a request in turn and
announces it in a ``RetentionDeletion`` of its own: a record is erased only by its origin.

Finding the records reads this node's records of those kinds (one indexed query each, the
payloads matched here): a purge runs daily at most, and a record already erased is not read.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Protocol

from cta.federation.records import Record

__all__ = ["APPLICATION_KINDS", "DELETION_REFS", "announce_erasure", "erase_application_records",
           "erase_filed_from"]

# this node's records about an application, by the payload key naming it
APPLICATION_KINDS = {"ApplicationDecided": "number", "ConsultationRequested": "application"}


# the references one RetentionDeletion names at most: about 15 bytes each, so that a record
# stays well under its 64 KiB however many are erased at once (a commuter's years of
# crossings, a day's purge of thousands of application files)
DELETION_REFS = 2000


class _Emits(Protocol):
    def emit(self, kind: str, payload: dict[str, Any], at: datetime,
             person_id: int | None = None, *, supersedes: int | None = None) -> int: ...


def announce_erasure(tx: _Emits, refs: Sequence[Any], at: datetime) -> None:
    """Tell the peers which of this node's records are erased: one ``RetentionDeletion`` for
    every ``DELETION_REFS`` of them (``refs``: ``[origin, seq]`` each, this node's own)."""
    for start in range(0, len(refs), DELETION_REFS):
        tx.emit("RetentionDeletion", {"records": list(refs[start:start + DELETION_REFS])}, at)


class ErasureTransaction(Protocol):
    def own_records_of(self, origin: str,
                       kinds: Sequence[str]) -> list[tuple[int, dict[str, Any]]]: ...  # fmt: skip
    def outbox_rows_of(self, kinds: Sequence[str]) -> list[tuple[int, dict[str, Any]]]: ...
    def delete_outbox_rows(self, seqs: Sequence[int]) -> None: ...
    def delete_consultations_of(self, asking_state: str, numbers: Sequence[str]) -> int: ...
    def delete_decisions_of(self, origin: str, numbers: Sequence[str]) -> None: ...
    def delete_filed_from(self, refs: Sequence[tuple[str, int]]) -> list[str]: ...
    def record_wires(self, origin: str, seqs: Sequence[int]) -> list[dict[str, Any]]: ...
    def replace_record_wire(self, origin: str, seq: int, wire: dict[str, Any]) -> None: ...


def _names(kind: str, payload: dict[str, Any] | None, wanted: Collection[str],
           keys: dict[str, str]) -> bool:  # fmt: skip
    return payload is not None and kind in keys and str(payload.get(keys[kind])) in wanted


def _erase_own(tx: ErasureTransaction, state: str, keys: dict[str, str],
               wanted: Collection[str]) -> list[list[Any]]:  # fmt: skip
    """Redact this node's records of ``keys``' kinds whose payload names one of ``wanted``,
    delete their outbox rows (sealed or not); the records' references."""
    refs: list[list[Any]] = []
    for seq, wire in tx.own_records_of(state, list(keys)):
        if _names(str(wire.get("kind")), wire.get("payload"), wanted, keys):
            tx.replace_record_wire(state, seq, Record.from_wire(wire).redact().to_wire())
            refs.append([state, seq])
    rows = [seq for seq, payload in tx.outbox_rows_of(list(keys))
            if any(_names(kind, payload, wanted, {kind: key}) for kind, key in keys.items())]
    tx.delete_outbox_rows(rows)
    return refs


def erase_application_records(tx: ErasureTransaction, state: str,
                              numbers: Sequence[str]) -> list[list[Any]]:  # fmt: skip
    """The purged applications ``numbers`` of this node: their records and consultations
    erased here; the references a ``RetentionDeletion`` names (none: nothing to announce)."""
    if not numbers:
        return []
    tx.delete_consultations_of(state, numbers)
    tx.delete_decisions_of(state, numbers)  # this node's own rows, whatever their age
    return _erase_own(tx, state, APPLICATION_KINDS, set(numbers))


def erase_filed_from(tx: ErasureTransaction, state: str, origin: str,
                     refs: Sequence[tuple[str, int]]) -> list[list[Any]]:  # fmt: skip
    """A peer's ``RetentionDeletion`` naming ``refs``: drop the payloads of its own records
    named that are still held here (the deletion, signed by ``origin``, is the proof), the
    rows they filed, and this node's answers to the consultations they asked; the references
    of this node's own records so erased, for a ``RetentionDeletion`` of its own."""
    mine = [seq for o, seq in refs if o == origin]
    for wire in tx.record_wires(origin, mine):
        if wire.get("payload") is not None:
            tx.replace_record_wire(origin, int(wire["seq"]),
                                   Record.from_wire(wire).redact().to_wire())  # fmt: skip
    asked = tx.delete_filed_from([(origin, seq) for seq in mine])
    if not asked:
        return []
    return _erase_own(tx, state, {"ConsultationAnswered": "ref"}, set(asked))
