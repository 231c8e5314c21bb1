"""The in-memory twin of a node's record store: its own chain and its copies of its peers'.

What the SQL store must do, in a few lines: seal its own records in order, serve them by
``after``, and ingest a peer's batch atomically (verify, then store all of it or none), keeping
the rejections for the audit. Used by the unit tests and the sync client's tests.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cta.federation.members import Federation
from cta.federation.protocol import RecordsPage
from cta.federation.records import GENESIS_HASH, Record, RecordRef, seal
from cta.federation.verify import (
    ChainHead,
    Checked,
    IngestResult,
    Rejection,
    held_seqs_needed,
    verify_batch,
)

__all__ = ["MemoryLedger"]


class MemoryLedger:
    """Every origin's records this node holds, by origin and seq."""

    def __init__(self, federation: Federation, key: Ed25519PrivateKey | None = None) -> None:
        self.federation = federation
        self._key = key
        self._chains: dict[str, list[Record]] = {}
        self.rejections: list[Rejection] = []
        self._lock = threading.Lock()

    @property
    def node(self) -> str:
        return self.federation.node

    def append(
        self,
        kind: str,
        payload: Mapping[str, Any],
        at: datetime,
        supersedes: RecordRef | None = None,
    ) -> Record:
        """Seal the node's next record (its time never before the last one's)."""
        if self._key is None:
            raise RuntimeError("this ledger has no private key to seal with")
        with self._lock:
            chain = self._chains.setdefault(self.node, [])
            last = chain[-1] if chain else None
            at = max(at, last.at) if last else at
            record = seal(self.node, len(chain) + 1, at, kind, payload,
                          last.hash if last else GENESIS_HASH, self._key,
                          supersedes=supersedes)  # fmt: skip
            chain.append(record)
            return record

    def head(self, origin: str) -> ChainHead:
        with self._lock:
            chain = self._chains.get(origin)
            return ChainHead.of(chain[-1]) if chain else ChainHead()

    def last_seq(self, origin: str) -> int:
        return self.head(origin).seq

    def records(self, origin: str) -> list[Record]:
        with self._lock:
            return list(self._chains.get(origin, []))

    def page(self, after: int, limit: int) -> RecordsPage:
        """The answer to ``GET /v1/federation/records?after=&limit=`` for this node."""
        with self._lock:
            chain = self._chains.get(self.node, [])
            return RecordsPage(self.node, tuple(chain[after : after + limit]), len(chain))

    def ingest(
        self, origin: str, batch: Sequence[Record], proofs: Sequence[Record] = (),
        checked: Checked | None = None,
    ) -> IngestResult:  # fmt: skip
        """Verify ``batch`` and store its new records, all or none (``checked``: rule 2's
        verdicts on it, when the caller ran ``check_records`` already)."""
        with self._lock:
            chain = self._chains.setdefault(origin, [])
            head = ChainHead.of(chain[-1]) if chain else ChainHead()
            held = {seq: chain[seq - 1].hash for seq in held_seqs_needed(head, batch)
                    if 1 <= seq <= len(chain)}  # fmt: skip
            verdict = verify_batch(origin, head, batch, self.federation, held, proofs=proofs,
                                   checked=checked)  # fmt: skip
            if isinstance(verdict, Rejection):
                self.rejections.append(verdict)
                return IngestResult(0, 0, head.seq, verdict)
            chain.extend(verdict.records)
            return IngestResult(len(verdict.records), verdict.skipped, verdict.head.seq)

    def hold(self, records: Sequence[Record]) -> None:
        """Take records as they are, unverified: for fixtures and benchmarks."""
        with self._lock:
            for record in records:
                chain = self._chains.setdefault(record.origin, [])
                if record.seq != len(chain) + 1:
                    raise ValueError(f"record {record.seq} does not follow {len(chain)}")
                chain.append(record)

    def redact(self, ref: RecordRef) -> None:
        """Drop a record's payload (a retention deletion); its hash and signature remain."""
        with self._lock:
            chain = self._chains[ref.origin]
            chain[ref.seq - 1] = chain[ref.seq - 1].redact()
