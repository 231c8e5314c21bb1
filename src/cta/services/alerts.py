"""The node's alerts in memory: a screening index kept current from the numbered changes.

Every process serving the node holds one ``AlertBook``. It opens from a snapshot file when one
of this database is there (warm restart: no name is transliterated again) or else builds the
index from the ``alerts`` table, then replays the changes numbered after what it holds
(``alert_changes``). Each border check asks the database for the latest change number, in the
check's own read transaction, and applies what is new before screening: an alert created,
changed or withdrawn through any process is seen by the next check in every process.

A node with several workers keeps one index for all of them in a screening process
(``cta.entrypoints.screening``): each worker then holds a ``ScreeningClient``
(``cta.adapters.screening``) in place of an ``AlertBook``. Both are a ``Screener``: the use
cases call ``current(tx)`` and then ``screen`` (or ``screen_all``) the same way, and the
client sends the change number its transaction read, so the freshness rule above holds there
too.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import gc
import itertools
import json
import multiprocessing
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from cta.domain.alerts import AlertCategory
from cta.domain.checks import AlertHit
from cta.domain.documents import TravelDocument
from cta.domain.errors import CTAError
from cta.domain.instants import rfc3339
from cta.domain.screening import (
    THRESHOLD,
    AlertRecord,
    Hit,
    ScreeningIndex,
    ScreeningQuery,
    alert_from_json,
)
from cta.domain.screening.normalise import alert_name_tokens
from cta.services.ports import Store, Transaction

__all__ = [
    "AlertBook",
    "Screener",
    "ScreeningUnavailableError",
    "decisions_elsewhere",
    "hit_json",
    "query_of_document",
    "settle_hits",
]

_MAGIC = b"CTA-ALERT-INDEX 1"
BATCH = 10_000  # alerts read per query when building, changes per query when replaying
SAVE_AFTER = 10_000  # replayed changes after which the snapshot is written again


class ScreeningUnavailableError(CTAError):
    """The node's screening process cannot answer now (not started yet, ended, or too slow):
    nothing can be screened, so no check is decided (503 with this message, never a wait)."""


class Screener(Protocol):
    """What the use cases screen with: an ``AlertBook`` in the process, or a client of the
    node's screening process; ``current(tx)`` before ``screen`` keeps the freshness rule."""

    opened_from: str

    def open(self, store: Store) -> None: ...

    def current(self, tx: Transaction) -> None: ...

    def screen(self, query: ScreeningQuery, on: date | None, *, limit: int = 10,
               min_score: float = THRESHOLD) -> list[Hit]: ...  # fmt: skip

    def screen_all(self, queries: Sequence[ScreeningQuery], on: date | None, *, limit: int = 10,
                   min_score: float = THRESHOLD) -> list[list[Hit]]: ...  # fmt: skip

    def probe(self) -> concurrent.futures.Future[str | None]: ...

    def save_if_changed(self) -> None: ...


class AlertBook:
    """The screening index of one process, and how far into the change log it is."""

    def __init__(self, snapshot: Path | None = None) -> None:
        self.snapshot_path = snapshot
        self._index = ScreeningIndex()
        self._seen = 0  # the last change applied
        self._epoch: str | None = None
        self._opened = False
        self._lock = threading.RLock()
        self._replayed_since_save = 0
        self.opened_from = "nothing"  # "snapshot" or "database", once open
        self.unreadable: list[str] = []  # ids of stored alerts the index could not read

    def __len__(self) -> int:
        return len(self._index)

    @property
    def index(self) -> ScreeningIndex:
        """The index itself, for a process that only screens (``cta screen``)."""
        return self._index

    @property
    def seen(self) -> int:
        return self._seen

    # -- opening ---------------------------------------------------------------------------

    def open(self, store: Store) -> None:
        """Load the snapshot or build from the database, then catch up (idempotent)."""
        with self._lock:
            if self._opened:
                return
            with store.transaction(read_only=True) as tx:
                self._epoch = tx.meta("alerts_epoch")
                watermark = tx.alert_watermark()
                if not self._load(watermark):
                    self._build(tx, watermark)
                self._opened = True
                self._catch_up(tx, watermark)
            if self.opened_from == "database" or self._replayed_since_save >= SAVE_AFTER:
                self.save()
            gc.freeze()  # the index's objects live as long as the process: never scan them

    def _load(self, watermark: int) -> bool:
        path = self.snapshot_path
        if path is None or not path.is_file():
            return False
        try:
            data = path.read_bytes()
            head, _, body = data.partition(b"\n")
            magic, epoch, seen = head.rsplit(b" ", 2)
            if magic != _MAGIC or epoch.decode() != self._epoch or int(seen) > watermark:
                return False  # another database's, or newer than this one: not ours
            self._index = ScreeningIndex.from_snapshot(body)
            self._seen = int(seen)
        except (OSError, ValueError, CTAError):
            return False  # unreadable or truncated: build instead
        self.opened_from = "snapshot"
        return True

    def _build(self, tx: Transaction, watermark: int) -> None:
        words: dict[str, tuple[str, ...]] = {}  # the worker's reading of name words
        self._index = ScreeningIndex.build(self._stored(tx, words), words)
        self._seen = watermark
        self.opened_from = "database"

    def _stored(self, tx: Transaction, words: dict[str, tuple[str, ...]]
                ) -> Iterator[AlertRecord]:  # fmt: skip
        """The alerts in force, by id, page by page as the index files them (never all
        records in memory at once; the index's build keeps the collector off meanwhile).

        Reading an alert (JSON, then ``alert_from_json``: every field checked, every name read
        in its script) is half the work of a build and needs nothing of the index, so from the
        second page on it is done in a worker process, two pages ahead of the filing here: two
        cores build the index of a node that has no snapshot. The worker also sends the MRZ
        tokens of each name word it reads first (``words``, for the index: a word read in its
        script costs about 100 µs, and 2 M alerts have hundreds of thousands). The worker is
        forked, as the import's reader is (``imports._read_ahead``): it touches nothing it
        inherits but the pages it is sent. Where there is no fork, or the alerts fit one page,
        all is read here.
        """
        pages = _pages(tx)
        first = next(pages, None)
        second = next(pages, None) if first is not None else None
        if second is None or "fork" not in multiprocessing.get_all_start_methods():
            for page in itertools.chain((first, second), pages):
                if page is not None:
                    yield from self._unpacked(*_read_page(page, share=False), words)
            return
        context = multiprocessing.get_context("fork")
        pool = ProcessPoolExecutor(1, mp_context=context)
        try:
            ahead = collections.deque([pool.submit(_read_page, first),
                                       pool.submit(_read_page, second)])  # fmt: skip
            for page in pages:
                ahead.append(pool.submit(_read_page, page))
                yield from self._unpacked(*ahead.popleft().result(), words)
            while ahead:
                yield from self._unpacked(*ahead.popleft().result(), words)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _unpacked(self, packed: list[tuple[Any, ...]], unreadable: list[str],
                  read: dict[str, tuple[str, ...]], words: dict[str, tuple[str, ...]]
                  ) -> Iterator[AlertRecord]:  # fmt: skip
        self.unreadable += unreadable
        words.update(read)
        category = _CATEGORIES.__getitem__
        for fields in packed:
            yield AlertRecord(fields[0], category(fields[1]), *fields[2:])

    def save(self) -> None:
        """Write the snapshot (atomically: a crash leaves the old one or the new one)."""
        path = self.snapshot_path
        if path is None or self._epoch is None:
            return
        with self._lock:
            head = b" ".join((_MAGIC, self._epoch.encode(), str(self._seen).encode()))
            body = self._index.snapshot()
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(head + b"\n" + body)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self._replayed_since_save = 0

    def save_if_changed(self) -> None:
        """Write the snapshot when changes were replayed since it was written (at shutdown)."""
        if self._opened and self._replayed_since_save:
            self.save()

    # -- keeping current -------------------------------------------------------------------

    def current(self, tx: Transaction) -> None:
        """Apply the changes the database holds and this index has not seen (one cheap query
        when there are none)."""
        watermark = tx.alert_watermark()
        if self._opened and watermark == self._seen:
            return
        with self._lock:
            if not self._opened:
                raise CTAError("the alert index is not open (AlertBook.open at start)")
            self._catch_up(tx, watermark)

    def _catch_up(self, tx: Transaction, watermark: int) -> None:
        while self._seen < watermark:
            changes = tx.alert_changes_after(self._seen, BATCH)
            if not changes:
                break
            ids = list(dict.fromkeys(alert_id for _, alert_id in changes))
            rows = {row.id: row for row in tx.alerts_by_id(ids)}
            for alert_id in ids:
                if alert_id in self._index:
                    self._index.remove(alert_id)
                row = rows.get(alert_id)
                if row is None or row.withdrawn_at is not None:
                    continue
                try:
                    self._index.add(alert_from_json(row.record))
                except CTAError:
                    self.unreadable.append(alert_id)
            self._seen = changes[-1][0]
            self._replayed_since_save += len(changes)

    # -- screening -------------------------------------------------------------------------

    def screen(self, query: ScreeningQuery, on: date | None, *, limit: int = 10,
               min_score: float = THRESHOLD) -> list[Hit]:  # fmt: skip
        with self._lock:
            return self._index.screen(query, on=on, limit=limit, min_score=min_score)

    def screen_all(self, queries: Sequence[ScreeningQuery], on: date | None, *,
                   limit: int = 10, min_score: float = THRESHOLD) -> list[list[Hit]]:  # fmt: skip
        """The hits of each query, in order (a carrier's manifest, say)."""
        with self._lock:
            return [self._index.screen(q, on=on, limit=limit, min_score=min_score)
                    for q in queries]  # fmt: skip

    def probe(self) -> concurrent.futures.Future[str | None]:
        """Why this book cannot screen: never, it is in this process."""
        done: concurrent.futures.Future[str | None] = concurrent.futures.Future()
        done.set_result(None)
        return done


_CATEGORIES = {category.value: category for category in AlertCategory}


def _pages(tx: Transaction) -> Iterator[list[tuple[str, str]]]:
    after = ""
    while rows := tx.alert_texts(after, BATCH):
        yield rows
        after = rows[-1][0]


_SENT: set[str] = set()  # in the worker: the name words whose tokens it has sent


def _read_page(rows: list[tuple[str, str]], share: bool = True) -> tuple[
    list[tuple[Any, ...]], list[str], dict[str, tuple[str, ...]]
]:  # fmt: skip
    """A page of stored alerts read (``alert_from_json``), each as a plain tuple of its fields
    for the trip from the worker (the category by its value: pickle would call the enum for
    each); the ids of the alerts that cannot be read; and (``share``) the tokens of the name
    words not sent before (a word that does not read alone is left to the index)."""
    packed: list[tuple[Any, ...]] = []
    unreadable: list[str] = []
    read: dict[str, tuple[str, ...]] = {}
    for alert_id, text in rows:
        try:
            a = alert_from_json(json.loads(text))
        except CTAError:
            unreadable.append(alert_id)
            continue
        if share:
            for name in a.names:
                for word in name.replace("<", " ").split():
                    if word not in _SENT:
                        _SENT.add(word)
                        with contextlib.suppress(CTAError):  # the index says why
                            read[word] = tuple(alert_name_tokens(word))
        packed.append((a.id, a.category.value, a.names, a.issuing_state, a.action, a.birth_year,
                       a.birth_month, a.birth_day, a.nationalities, a.sex, a.document_numbers,
                       a.valid_from, a.valid_to))  # fmt: skip
    return packed, unreadable, read


def query_of_document(document: TravelDocument) -> ScreeningQuery:
    """The traveller a document gives, as screening reads them (unknown parts left out)."""
    raw = document.birth_date_raw
    born = document.birth_date
    if born is not None:
        year, month, day = born.year, born.month, born.day
    else:
        year = document.birth_year
        month = int(raw[2:4]) if raw[2:4].isdigit() and 1 <= int(raw[2:4]) <= 12 else None
        day = int(raw[4:6]) if raw[4:6].isdigit() and 1 <= int(raw[4:6]) <= 31 else None
    return ScreeningQuery(
        surname=document.surname, given_names=document.given_names, birth_year=year,
        birth_month=month, birth_day=day, nationality=document.nationality or None,
        sex=document.sex if document.sex in ("M", "F") else None,
        document_number=document.document_number or None,
    )  # fmt: skip


def settle_hits(
    hits: Sequence[Hit], decisions: Sequence[dict[str, Any]], versions: dict[str, int],
    actions: dict[str, str | None],
) -> tuple[list[AlertHit], list[dict[str, Any]]]:  # fmt: skip
    """The hits a check must weigh, with officers' earlier decisions on this document applied.

    A decision holds for the alert's version it was taken on: a changed alert is looked at
    again. Dismissed hits are left out of the decision and returned beside it, for the record.
    Only this node's officers' decisions count (``origin`` None): another state's is shown
    beside the hit (``decisions_elsewhere``), and holds there only.
    """
    latest: dict[str, dict[str, Any]] = {}
    for decision in decisions:  # in the order they were taken: the last one stands
        if decision.get("origin") is not None:
            continue
        if decision["alert_version"] == versions.get(decision["alert_id"]):
            latest[decision["alert_id"]] = decision
    weighed: list[AlertHit] = []
    dismissed: list[dict[str, Any]] = []
    for hit in hits:
        said = latest.get(hit.alert_id)
        if said is not None and said["decision"] == "dismissed":
            dismissed.append({"alert_id": hit.alert_id, "by": said["officer"],
                              "at": rfc3339(said["at"]), "reason": said["reason"]})  # fmt: skip
            continue
        weighed.append(AlertHit(
            hit.alert_id, AlertCategory(hit.category), hit.score, tuple(hit.reasons),
            confirmed=said is not None, action=actions.get(hit.alert_id),
        ))  # fmt: skip
    return weighed, dismissed


def decisions_elsewhere(
    decisions: Sequence[dict[str, Any]], versions: dict[str, int]
) -> dict[str, list[dict[str, Any]]]:
    """Other states' officers' decisions on the hits (``versions``: the alerts that hit, at
    their current version), by alert, in the order they were taken: who, which state, when,
    what and why, and whether the alert has changed since (``current``)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for d in decisions:
        if d.get("origin") is None or d["alert_id"] not in versions:
            continue
        found.setdefault(d["alert_id"], []).append({
            "state": d["origin"], "officer": d["officer"], "decision": d["decision"],
            "reason": d["reason"], "at": _utc(d["at"]).isoformat(),
            "alert_version": d["alert_version"],
            "current": d["alert_version"] == versions[d["alert_id"]],
        })  # fmt: skip
    return found


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def hit_json(hit: AlertHit) -> dict[str, Any]:
    return {"alert_id": hit.alert_id, "category": hit.category.value,
            "score": round(hit.score, 4), "reasons": list(hit.reasons),
            "status": "confirmed" if hit.confirmed else "open",
            "action": hit.action}  # fmt: skip
