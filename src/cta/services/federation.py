"""The node in the federation: seal its own facts, serve them, ingest and apply its peers'.

What a node records goes first to its outbox, in the transaction of the fact itself. The
sealer (``seal_pending``) then turns outbox rows, in order, into this node's signed, chained
records (``cta.federation.records.seal``); sealing after the fact keeps signatures out of the
border check's transaction and lets a bulk import stay a bulk insert. Records are served by
``page``; a peer's batch is verified whole (``cta.federation.verify``) and stored and applied
in one transaction by ``ingest``: applying writes the peer's crossings, refusals and alerts into
this node's own tables, so that every view (stay, overstays, traveller file, alerts in checks)
is computed over all origins' records. A rejected batch stores nothing, is audited and logged
as an alarm, and blocks nothing but that peer. A record kept but not applied (a kind this node
does not know, a change another member may not make) says why in ``records.not_applied`` and
is counted per origin (``cta federation status``, a check's ``based_on``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from anyio import to_thread
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cta.domain.crossing_points import CrossingPoints
from cta.domain.errors import CTAError
from cta.domain.instants import rfc3339
from cta.federation.members import Federation
from cta.federation.protocol import RecordsPage
from cta.federation.records import GENESIS_HASH, Record, RecordRef, seal
from cta.federation.verify import (
    ChainHead,
    Checked,
    IngestResult,
    Reason,
    Rejection,
    check_records,
    erased_by,
    verify_batch,
)
from cta.services.federation_apply import PeerRecords, Prepared, redact_person_records
from cta.services.ports import AuditEntry, ChainHeadRow, Store, Transaction

__all__ = ["FederationDaemon", "FederationService", "federation_status",
           "redact_person_records"]

log = logging.getLogger("cta.federation")
SEAL_BATCH = 1000
# a long poll's look at the chain head when no sealing in this process woke it: the sealer may
# run in another process (``cta serve --workers N``: the API in the workers, the sealer in the
# main one), so this bounds how late that node's peers hear of a record
RECHECK_SECONDS = 0.25


class _Sealed:
    """Wakes this process's long polls when its sealer seals: each event loop's watch (below)
    listens while any of its polls waits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: set[Callable[[], None]] = set()

    def bump(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener()

    def listen(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` (in the sealer's thread) at each sealing until ``forget``."""
        with self._lock:
            self._listeners.add(listener)

    def forget(self, listener: Callable[[], None]) -> None:
        with self._lock:
            self._listeners.discard(listener)


_SEALED = _Sealed()  # one per process: the sealer and the API are separate service objects


class _RecordsWatch:
    """The long polls of one event loop waiting for this node's records, woken together.

    One look at the chain head (a read in the server's thread pool) every ``RECHECK_SECONDS``
    while any poll waits, or sooner when this process's sealer seals, answers all of them: a
    look of each poll's own would put a read per poll in the threads border checks run in."""

    def __init__(self, read_head: Callable[[], int]) -> None:
        self._read_head = read_head
        self._waiting = 0
        self._look: asyncio.Future[int] | None = None  # the head the next look reads
        self._watcher: asyncio.Task[None] | None = None

    async def wait(self, after: int, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        self._waiting += 1
        try:
            while (left := deadline - loop.time()) > 0:
                try:  # shielded: a poll whose time is up does not cancel the others' look
                    head = await asyncio.wait_for(asyncio.shield(self._next_look()), left)
                except TimeoutError:
                    return
                if head > after:
                    return
        finally:
            self._waiting -= 1

    def _next_look(self) -> asyncio.Future[int]:
        loop = asyncio.get_running_loop()
        if self._look is None:  # taken after the caller read the page: it sees what came since
            self._look = loop.create_future()
        if self._watcher is None:
            self._watcher = loop.create_task(self._watch())
        return self._look

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        sealed = asyncio.Event()

        def nudge() -> None:  # in the sealer's thread
            with contextlib.suppress(RuntimeError):  # the loop closed as it sealed
                loop.call_soon_threadsafe(sealed.set)

        _SEALED.listen(nudge)
        try:
            while self._waiting:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(sealed.wait(), RECHECK_SECONDS)
                sealed.clear()
                look, self._look = self._look, None
                if look is None or not self._waiting:  # the last poll's time ran out meanwhile
                    continue
                try:
                    # the API's thread pool (anyio's, which the app limits): a read as any other
                    look.set_result(await to_thread.run_sync(self._read_head))
                except Exception as exc:  # the waiting polls fail as their own read would
                    look.set_exception(exc)
                    look.exception()  # taken: no "never retrieved" warning if nobody waits
        finally:
            _SEALED.forget(nudge)
            self._watcher = None


@dataclass(frozen=True, slots=True)
class ServedPage:
    """A page's JSON body as the node serves it (``FederationService.served_page``)."""

    body: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return self.body


class FederationService(PeerRecords):
    """One node's side of the federation over its store."""

    def __init__(
        self,
        store: Store,
        federation: Federation,
        key: Ed25519PrivateKey,
        *,
        countries: Any,
        crossing_points: CrossingPoints,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.federation = federation
        self.state = federation.node
        self._key = key
        self._countries = countries
        self._points = crossing_points
        self.clock = clock
        # verifies a peer's page in as many threads as cores (``check_records``); its threads
        # start with the first page and stay for the next
        self._verifiers = ThreadPoolExecutor(os.cpu_count() or 1, "cta-verify")
        # the long polls waiting on each event loop (``await_records``): one per API worker
        self._watches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _RecordsWatch] = (
            weakref.WeakKeyDictionary())
        self._mrz_keys = {}

    @property
    def key(self) -> Ed25519PrivateKey:
        return self._key

    # -- this node's records ---------------------------------------------------------------

    def seal_pending(self, limit: int = SEAL_BATCH) -> int:
        """Seal the outbox rows not sealed yet (up to ``limit``), in order; how many."""
        if not self._outbox_waiting():  # the idle case: a read, no writer lock
            return 0
        sealed = self._seal(limit)
        if sealed:
            _SEALED.bump()
        return sealed

    def _outbox_waiting(self) -> bool:
        with self.store.transaction(read_only=True) as tx:
            head = tx.chain_head(self.state)
            return tx.outbox_waiting(head.outbox_seq if head else 0)

    def _seal(self, limit: int) -> int:
        with self.store.transaction() as tx:
            head = tx.chain_head(self.state, lock=True) or ChainHeadRow(
                self.state, 0, GENESIS_HASH, None, 0)
            rows = tx.outbox_after(head.outbox_seq, limit)
            if not rows:
                return 0
            sealed = []
            erasures: list[tuple[list[int], int]] = []  # a deletion's own records, its seq
            seq, last_hash, last_at = head.seq, head.hash, _utc(head.at)
            numbers: dict[int, int] = {}  # outbox seq -> record seq, for corrections below
            for row in rows:
                at = _utc(row.at)
                at = max(at, last_at) if last_at is not None else at
                seq += 1
                record = seal(self.state, seq, at, row.kind, row.payload, last_hash, self._key,
                              supersedes=self._superseded(tx, row.supersedes, numbers))
                numbers[row.seq] = seq
                if record.kind == "RetentionDeletion":
                    erasures.append((erased_by(record), seq))
                sealed.append({"origin": self.state, "seq": seq, "at": record.at,
                               "kind": record.kind, "wire": record.to_wire(),
                               "hash": record.hash, "person_id": row.person_id,
                               "received_at": self.clock(), "outbox_seq": row.seq})  # fmt: skip
                last_hash, last_at = record.hash, record.at
            tx.add_records(sealed)
            for erased, by_seq in erasures:  # the proof a page carries with those records
                tx.mark_erased(self.state, erased, by_seq)
            tx.set_chain_head(ChainHeadRow(self.state, seq, last_hash, last_at, rows[-1].seq))
        return len(sealed)

    def _superseded(
        self, tx: Transaction, outbox_seq: int | None, numbers: dict[int, int]
    ) -> RecordRef | None:
        """The record a correction's outbox row supersedes: sealed before it, in this batch or
        an earlier one (rows are sealed in order)."""
        if outbox_seq is None:
            return None
        seq = numbers.get(outbox_seq) or tx.record_seq_of_outbox(outbox_seq)
        if seq is None:  # cannot happen while rows are sealed in order; never seal a wrong ref
            raise CTAError(f"outbox row {outbox_seq} is superseded but was never sealed")
        return RecordRef(self.state, seq)

    def seal_all(self) -> int:
        total = 0
        while done := self.seal_pending():
            total += done
        return total

    def page(self, after: int, limit: int) -> RecordsPage:
        """This node's records after ``after``: the answer to a peer's pull.

        A record erased here goes without its payload, and the peer takes it only with the
        proof: the ``RetentionDeletion`` naming it, in the page or carried beside it
        (``erasures``). A record whose deletion is not sealed yet (the sealer follows the
        purge by a moment) ends the page before it: the next pull gets it with its proof."""
        wires, last_seq, proofs = self._page_wires(after, limit)
        return RecordsPage(self.state, tuple(Record.from_wire(w) for w in wires), last_seq,
                           tuple(Record.from_wire(w) for w in proofs))  # fmt: skip

    def served_page(self, after: int, limit: int) -> ServedPage:
        """``page`` as it goes on the wire, the stored records as they are: reading each into
        a ``Record`` and back cost the serving node about as much CPU as decoding the page
        costs its peer, and a catching-up peer shares the machine's cores with it."""
        wires, last_seq, proofs = self._page_wires(after, limit)
        body: dict[str, Any] = {"origin": self.state, "records": wires, "last_seq": last_seq}
        if proofs:
            body["erasures"] = proofs
        return ServedPage(body)

    def _page_wires(
        self, after: int, limit: int
    ) -> tuple[list[dict[str, Any]], int, list[dict[str, Any]]]:
        """The stored records of ``page``, this node's last seq, and the erasures' proofs."""
        with self.store.transaction(read_only=True) as tx:
            wires = tx.records_page(self.state, after, limit)
            head = tx.chain_head(self.state)
            erased = [w["seq"] for w in wires if w["payload"] is None]
            proofs: list[dict[str, Any]] = []
            if erased:
                known = tx.erasures_of(self.state, erased)
                unproven = [n for n, w in enumerate(wires)
                            if w["payload"] is None and w["seq"] not in known]  # fmt: skip
                if unproven:
                    wires = wires[: unproven[0]]
                end = wires[-1]["seq"] if wires else after
                beyond = sorted({known[w["seq"]] for w in wires
                                 if w["payload"] is None and known[w["seq"]] > end})  # fmt: skip
                proofs = tx.record_wires(self.state, beyond)
        return wires, head.seq if head else 0, proofs

    def position(self, origin: str) -> int:
        with self.store.transaction(read_only=True) as tx:
            head = tx.chain_head(origin)
        return head.seq if head else 0

    async def await_records(self, after: int, seconds: float) -> None:
        """Return once this node has sealed a record after ``after``, or ``seconds`` passed (a
        peer's long poll, ``answer_records_request_async``), holding no thread while it waits:
        woken by this process's sealer, or by a look at the chain head every
        ``RECHECK_SECONDS`` (a sealer in another process), one look for all of a loop's polls."""
        loop = asyncio.get_running_loop()
        watch = self._watches.get(loop)
        if watch is None:
            watch = self._watches[loop] = _RecordsWatch(
                functools.partial(self.position, self.state))
        await watch.wait(after, seconds)

    # -- peers' records --------------------------------------------------------------------

    def check(self, batch: Sequence[Record]) -> Checked:
        """Rule 2 over a batch (``check_records``) in this service's verifying threads, and
        what applying its intact records needs beforehand (``prepare``): the puller checks
        the page it fetched ahead with it (``Peer.check``) while the page before is applied."""
        return self.prepare(batch, check_records(batch, self.federation, self._verifiers))

    def ingest(
        self, origin: str, batch: Sequence[Record], proofs: Sequence[Record] = (),
        checked: Checked | None = None, *, alarm: bool = True,
    ) -> IngestResult:  # fmt: skip
        """Verify a peer's batch and store and apply it whole, or store nothing.

        ``proofs``: the deletions the page carried for its erased records (``RecordsPage``);
        ``checked``: rule 2's verdicts on ``batch`` (``check``), when the puller has them
        already. A rejection is audited and raised as an alarm here unless ``alarm`` is false
        (the puller's ``on_rejection`` does it then, for its own rejections too).
        """
        if origin == self.state:
            rejection = Rejection(origin, Reason.WRONG_ORIGIN, 0, None,
                                  "a peer sent this node's own records")  # fmt: skip
            if alarm:
                self.alarm(rejection)
            return IngestResult(0, 0, self.position(origin), rejection)
        # the signatures first, in threads and outside the transaction: they need nothing of
        # the store, and the writer lock is held only for the chain's checks and the writes
        if checked is None:
            checked = self.check(batch)
        # replayable: a page lost to a power cut is pulled again from the head that survived
        with self.store.transaction(replayable=True) as tx:
            tx.hold_against_purge(purge=False)  # its persons in record order, not by id
            row = tx.chain_head(origin, lock=True)
            head = ChainHead(row.seq, row.hash, _utc(row.at)) if row else ChainHead()
            # the hashes of the batch's records we hold, and of the seqs the page's proofs of
            # erasure claim (a proof must be the record we hold there: ``verify_batch``)
            held = tx.record_hashes(origin, [r.seq for r in batch if r.seq < head.seq]
                                    + [p.seq for p in proofs if p.seq <= head.seq])  # fmt: skip
            erased = tx.erasures_of(origin, [r.seq for r in batch if r.redacted])
            verdict = verify_batch(origin, head, batch, self.federation, held, erased, proofs,
                                   checked)  # fmt: skip
            if isinstance(verdict, Rejection):
                result = IngestResult(0, 0, head.seq, verdict)
            else:
                readings = checked.readings if isinstance(checked, Prepared) else None
                not_applied = self._apply_and_store(tx, verdict.records, self.clock(), readings)
                if verdict.records:
                    new = verdict.head
                    tx.set_chain_head(ChainHeadRow(origin, new.seq, new.hash, new.at, 0))
                    tx.count_not_applied(origin, not_applied)
                result = IngestResult(len(verdict.records), verdict.skipped, verdict.head.seq)
        if result.rejection is not None and alarm:
            self.alarm(result.rejection)
        return result

    def alarm(self, rejection: Rejection) -> None:
        """A refused batch: an audit entry always, and an alarm in the log when it points at
        forgery or a broken peer (a gap is only records yet to come)."""
        level = logging.ERROR if rejection.reason.is_tampering else logging.WARNING
        log.log(level, "federation alarm: rejected a batch of %s: %s", rejection.origin,
                rejection)  # fmt: skip
        entry = AuditEntry("federation", "node", "reject records", "federation", None,
                           {"origin": rejection.origin, "reason": rejection.reason.value,
                            "seq": rejection.seq, "message": rejection.message})  # fmt: skip
        self.store.audit([entry], self.clock())

# the long poll of each pull (``protocol``): a peer's record reaches this node moments after
# it is sealed, and an idle peer is asked once per this many seconds
LONG_POLL_SECONDS = 3


class FederationDaemon:
    """The node's federation work in the background: seal the outbox, pull every peer.

    One per node (``cta serve`` starts it in its main process, whatever the number of
    workers). Peers' statuses go to the ``peer_status`` table for ``cta federation status``.
    """

    def __init__(
        self, service: FederationService, *, poll_seconds: float = 1.0, seal_seconds: float = 0.1,
        wait_seconds: int = LONG_POLL_SECONDS,
    ) -> None:  # fmt: skip
        from cta.federation.sync import Peer, SyncLoop, peer_client

        self.service = service
        fed = service.federation
        self._clients = {peer: peer_client(peer, fed.endpoint(peer), fed.tls_pin(peer))
                         for peer in fed.peers}  # fmt: skip
        self._seal_seconds = seal_seconds
        self.loop = SyncLoop([
            Peer(state=peer, endpoint=service.federation.endpoint(peer), node=service.state,
                 key=service.key, client=self._clients[peer],
                 ingest=functools.partial(service.ingest, alarm=False),
                 position=service.position, poll_seconds=poll_seconds,
                 wait_seconds=wait_seconds, on_rejection=service.alarm,
                 check=service.check)
            for peer in service.federation.peers
        ])  # fmt: skip
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.loop.start()
        self._thread = threading.Thread(target=self._run, name="cta-sealer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.loop.stop()
        if self._thread is not None:
            self._thread.join(10.0)
        for client in self._clients.values():
            client.close()

    def _run(self) -> None:
        written = 0.0
        while not self._stop.is_set():
            try:
                sealed = self.service.seal_pending()
            except Exception:  # the database away for a moment: say so, try again
                log.exception("sealing failed; retrying")
                sealed = 0
            if time.monotonic() - written > 1.0:
                self._write_statuses()
                written = time.monotonic()
            if not sealed:
                self._stop.wait(self._seal_seconds)

    def _write_statuses(self) -> None:
        now = self.service.clock()
        try:
            with self.service.store.transaction() as tx:
                for status in self.loop.statuses():
                    tx.put_peer_status(
                        peer=status.state, endpoint=status.endpoint,
                        remote_last_seq=status.remote_last_seq,
                        last_success_at=status.last_success_at, last_error=status.last_error,
                        last_error_at=status.last_error_at, failures=status.failures,
                        rejections=status.rejections, updated_at=now,
                    )  # fmt: skip
        except Exception:
            log.exception("could not write the peers' statuses")


NOT_APPLIED_SHOWN = 5  # the last records kept but not applied that the status names


def federation_status(store: Store, state: str) -> list[dict[str, Any]]:
    """Per origin: the last record held, and for peers what the sync loop last saw; the
    records kept but not applied: how many, and the last few (seq, kind, time, why)."""
    with store.transaction(read_only=True) as tx:
        heads = {h.origin: h for h in tx.chain_heads()}
        statuses = {s["peer"]: s for s in tx.peer_statuses()}
        skipped = {o: tx.not_applied_records(o, NOT_APPLIED_SHOWN)
                   for o, h in heads.items() if h.not_applied}  # fmt: skip
    rows = []
    for origin in sorted(set(heads) | set(statuses) | {state}):
        head, status = heads.get(origin), statuses.get(origin, {})
        last = head.seq if head else 0
        remote = status.get("remote_last_seq")
        rows.append({
            "origin": origin, "self": origin == state, "last_seq": last,
            "last_record_at": _iso(head.at) if head else None,
            "remote_last_seq": remote,
            "lag": None if remote is None else max(0, remote - last),
            "last_success_at": _iso(status.get("last_success_at")),
            "last_error": status.get("last_error"),
            "last_error_at": _iso(status.get("last_error_at")),
            "failures": status.get("failures", 0), "rejections": status.get("rejections", 0),
            "outbox_sealed_to": head.outbox_seq if head and origin == state else None,
            "not_applied": head.not_applied if head else 0,
            "not_applied_last": [{**r, "at": _iso(r["at"])} for r in skipped.get(origin, [])],
        })  # fmt: skip
    return rows


def _utc(value: Any) -> Any:
    """A stored time in UTC: SQLite gives it back without its zone (it was stored in UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _iso(value: Any) -> str | None:
    return rfc3339(value) if value is not None else None
