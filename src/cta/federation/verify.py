"""Verify a batch of an origin's records before storing it: all of it, or none of it.

Pure functions: the caller says what it holds (the origin's chain head, and the hashes of any
records of the batch it already has) and gets back the records to store or the first bad one.

Rules, in the order a record is checked:

1. the origin is a member, and the record is the batch's origin's;
2. a key of the origin is valid at the record's time, and the record is intact: its payload
   (unless redacted) matches ``payload_hash``, its header matches ``hash``, and ``signature``
   is that key's over the header;
3. the batch runs in order without holes: each record's ``seq`` is the one before's + 1
   (``out_of_order`` when a record comes before one it should follow, also when the one
   missing is further on in the batch: reordered; a ``gap`` when it is not there at all);
4. a record at or below our head is one we hold: the same hash is a duplicate, skipped (a
   redelivered page, a retry after a crash); another hash is a **fork**, refused;
5. the first new record follows our head (``seq`` = head + 1, else a gap), every new record
   names the one before as ``prev_hash``, and time does not go back along the chain (so a
   retired key cannot sign records that would follow its successor's);
6. a new record without its payload (erased at its origin) comes with its origin's proof: a
   ``RetentionDeletion`` of the same origin that names it, one we hold (the caller's
   ``erased``), one of the batch, or one of the page's ``proofs`` (each checked as a record
   is, by rule 2; a deletion proves the erasure of records before it in the chain only, and a
   proof at a seq we hold under another hash proves nothing). Without it a relay could drop
   any record's payload, and the chain would move past a record never applied:
   ``unproven_erasure``, tampering.

One bad record refuses the whole batch: nothing of it is stored, and the next pull starts from
the same place. Nothing else is blocked: other origins' batches are verified on their own.

Rule 2 (``verify_record``) needs nothing but the record and the members' keys, and the Ed25519
verification in it, most of its cost, releases the GIL: ``check_records`` runs it over a batch
in threads (``Checked``), before the caller opens its transaction (the puller: on the page it
fetched ahead, while the page before is applied, ``sync.Peer.check``), and ``verify_batch``
takes those verdicts and reports the first bad record exactly as if it had checked them in turn.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cryptography.exceptions import InvalidSignature

from cta.federation.members import Federation
from cta.federation.records import GENESIS_HASH, Record, format_at

__all__ = [
    "Accepted",
    "ChainHead",
    "Checked",
    "IngestResult",
    "Reason",
    "Rejection",
    "check_records",
    "erased_by",
    "held_seqs_needed",
    "verify_batch",
    "verify_record",
]


class Reason(StrEnum):
    """Why a batch was refused."""

    UNKNOWN_ORIGIN = "unknown_origin"  # not a member of the federation
    WRONG_ORIGIN = "wrong_origin"  # another origin's record in this origin's batch
    NO_VALID_KEY = "no_valid_key"  # no key of the origin is valid at the record's time
    BAD_PAYLOAD_HASH = "bad_payload_hash"  # payload or salt changed
    BAD_HASH = "bad_hash"  # header changed
    BAD_SIGNATURE = "bad_signature"  # not signed by the origin's key
    OUT_OF_ORDER = "out_of_order"  # seq not increasing
    GAP = "gap"  # records missing before this one
    FORK = "fork"  # a different record under a seq we hold
    BROKEN_CHAIN = "broken_chain"  # prev_hash is not the previous record's hash
    TIME_WENT_BACK = "time_went_back"  # earlier than the previous record
    NOT_CHECKABLE = "not_checkable"  # a held seq whose hash the caller did not give
    UNPROVEN_ERASURE = "unproven_erasure"  # no payload, and no deletion of its origin names it

    @property
    def is_tampering(self) -> bool:
        """Whether this points at forgery or a broken peer, not merely at records yet to come."""
        return self not in {Reason.GAP, Reason.NOT_CHECKABLE}


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The last record we hold of an origin: (0, genesis hash, None) when we hold none."""

    seq: int = 0
    hash: str = GENESIS_HASH
    at: datetime | None = None

    @classmethod
    def of(cls, record: Record) -> ChainHead:
        return cls(record.seq, record.hash, record.at)


@dataclass(frozen=True, slots=True)
class Accepted:
    """A batch that holds: the new records to store, in order, and the head after them."""

    origin: str
    records: tuple[Record, ...]
    skipped: int  # records we already held (same hash)
    head: ChainHead


@dataclass(frozen=True, slots=True)
class Rejection:
    """A batch refused: the first bad record (its place in the batch, its seq) and why."""

    origin: str
    reason: Reason
    index: int
    seq: int | None
    message: str

    def __str__(self) -> str:
        if self.seq is None or self.reason is Reason.WRONG_ORIGIN:
            # another origin's record: its seq is not one of ``origin``'s (the message has it)
            where = f"{self.origin}'s batch, item {self.index}"
        else:
            where = f"{self.origin} record {self.seq} (item {self.index})"
        return f"{where}: {self.reason.value}: {self.message}"


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What ``ingest`` did with a batch: stored and skipped counts, our head after, or why not."""

    stored: int
    skipped: int
    head_seq: int
    rejection: Rejection | None = None


def verify_record(record: Record, federation: Federation) -> tuple[Reason, str] | None:
    """Why ``record`` is not what its origin signed, or ``None`` if it is."""
    key = federation.key_for(record.origin, record.at)
    if key is None:
        return Reason.NO_VALID_KEY, f"no key of {record.origin} is valid at {format_at(record.at)}"
    digest = record.payload_digest()
    if digest is not None and digest != record.payload_hash:
        return Reason.BAD_PAYLOAD_HASH, "the payload does not match payload_hash"
    header = record.header_bytes()
    if hashlib.sha256(header).hexdigest() != record.hash:
        return Reason.BAD_HASH, "the header does not match hash"
    try:
        key.verify(record.signature_bytes(), header)
    except InvalidSignature:
        return Reason.BAD_SIGNATURE, f"the signature is not {record.origin}'s"
    return None


# the verdicts of rule 2 over a batch, in its order (None: intact and signed)
Checked = Sequence[tuple[Reason, str] | None]
CHUNK = 64  # records per task: enough to hide a task's cost, few enough to share a page


def check_records(
    batch: Sequence[Record], federation: Federation, pool: Executor | None = None
) -> Checked:
    """Rule 2 for every record of ``batch``, in ``pool``'s threads when given (a page's worth
    of Ed25519 verifications run side by side: they release the GIL), else here."""
    if pool is None or len(batch) <= CHUNK:
        return [verify_record(record, federation) for record in batch]
    chunks = [batch[i : i + CHUNK] for i in range(0, len(batch), CHUNK)]
    verdicts: list[tuple[Reason, str] | None] = []
    for part in pool.map(lambda chunk: [verify_record(r, federation) for r in chunk], chunks):
        verdicts.extend(part)
    return verdicts


def erased_by(record: Record) -> list[int]:
    """The seqs of its own origin's records that ``record`` erases: a ``RetentionDeletion``
    names them (``[[origin, seq], ...]``); any other record, or an unreadable one, none."""
    if record.kind != "RetentionDeletion" or record.payload is None:
        return []
    named = record.payload.get("records")
    if not isinstance(named, list):
        return []
    return [ref[1] for ref in named
            if isinstance(ref, list) and len(ref) == 2 and ref[0] == record.origin
            and isinstance(ref[1], int) and not isinstance(ref[1], bool)]  # fmt: skip


def held_seqs_needed(head: ChainHead, batch: Sequence[Record]) -> list[int]:
    """The seqs of ``batch`` below our head whose hashes ``verify_batch`` needs in ``held``."""
    return [r.seq for r in batch if r.seq < head.seq]


def verify_batch(
    origin: str,
    head: ChainHead,
    batch: Sequence[Record],
    federation: Federation,
    held: Mapping[int, str] | None = None,
    erased: Collection[int] = (),
    proofs: Sequence[Record] = (),
    checked: Checked | None = None,
) -> Accepted | Rejection:
    """Check ``batch`` from ``origin`` against what we hold; see the module's rules.

    ``erased``: the seqs of ``origin`` we know its erasure of (a deletion of its we hold);
    ``proofs``: the deletions the page carries for its erased records (rule 6); ``checked``:
    rule 2's verdicts on ``batch`` from ``check_records``, when the caller ran it already.
    """
    held = held or {}
    if checked is not None and len(checked) != len(batch):
        raise ValueError(f"{len(checked)} verdicts for a batch of {len(batch)} records")
    if not federation.is_member(origin):
        return Rejection(origin, Reason.UNKNOWN_ORIGIN, 0, batch[0].seq if batch else None,
                         f"{origin} is not a member of the federation")  # fmt: skip
    proven = set(erased)
    if any(record.redacted for record in batch):
        # a deletion of the batch is checked in its place: if it is forged, the batch fails;
        # a deletion erases records before it only, and a proof the page carries must be the
        # origin's record at its seq (not one of another hash where we hold that seq: a fork)
        proven |= {seq for r in batch if r.origin == origin for seq in erased_by(r)
                   if seq < r.seq}  # fmt: skip
        proven |= {seq for proof in proofs if proof.origin == origin
                   and verify_record(proof, federation) is None
                   and held.get(proof.seq, proof.hash) == proof.hash
                   for seq in erased_by(proof) if seq < proof.seq}  # fmt: skip
    fresh: list[Record] = []
    last = head
    for index, record in enumerate(batch):
        before = batch[index - 1] if index else None
        broken = checked[index] if checked is not None else verify_record(record, federation)
        problem = _problem(origin, batch, record, before, head, last, held, broken)
        unproven = record.redacted and record.seq > head.seq and record.seq not in proven
        if problem is None and unproven:
            problem = (Reason.UNPROVEN_ERASURE, "the record comes without its payload, and no "
                       f"deletion of {origin}'s names it")  # fmt: skip
        if problem is not None:
            return Rejection(origin, problem[0], index, record.seq, problem[1])
        if record.seq > head.seq:
            fresh.append(record)
            last = ChainHead.of(record)
    return Accepted(origin, tuple(fresh), len(batch) - len(fresh), last)


def _gap(batch: Sequence[Record], first: int, record_seq: int) -> tuple[Reason, str]:
    """Records ``first`` to ``record_seq - 1`` are not here: missing, or later in the batch."""
    later = sorted(r.seq for r in batch if first <= r.seq < record_seq)
    if later:  # a peer that reorders its page is broken or tampering; records to come are not
        return Reason.OUT_OF_ORDER, f"record {record_seq} comes before record {later[0]}"
    return Reason.GAP, f"records {first} to {record_seq - 1} are missing"


def _problem(
    origin: str,
    batch: Sequence[Record],
    record: Record,
    before: Record | None,
    head: ChainHead,
    last: ChainHead,
    held: Mapping[int, str],
    broken: tuple[Reason, str] | None,
) -> tuple[Reason, str] | None:
    if record.origin != origin:
        return (Reason.WRONG_ORIGIN,
                f"a record of {record.origin} ({record.origin}'s seq {record.seq}) in a batch "
                f"of {origin}")  # fmt: skip
    if broken is not None:
        return broken
    if before is not None and record.seq != before.seq + 1:
        if record.seq <= before.seq:
            return Reason.OUT_OF_ORDER, f"record {record.seq} comes after record {before.seq}"
        return _gap(batch, before.seq + 1, record.seq)
    if record.seq <= head.seq:
        ours = head.hash if record.seq == head.seq else held.get(record.seq)
        if ours is None:
            return Reason.NOT_CHECKABLE, f"we hold record {record.seq} but were not given its hash"
        if ours != record.hash:
            return Reason.FORK, f"we hold a different record {record.seq} (hash {ours[:12]}…)"
        return None
    if record.seq != last.seq + 1:
        return _gap(batch, last.seq + 1, record.seq)
    if record.prev_hash != last.hash:
        return Reason.BROKEN_CHAIN, f"prev_hash is not the hash of record {last.seq}"
    if last.at is not None and record.at < last.at:
        return Reason.TIME_WENT_BACK, f"earlier than record {last.seq} ({format_at(last.at)})"
    return None
