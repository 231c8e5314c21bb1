"""Group commit: many threads' small writes made durable by one transaction and one fsync.

A border check writes one audit entry and must not answer before that entry is durable. One
commit per check costs an fsync each (SQLite ``synchronous=FULL``, PostgreSQL's WAL flush)
and, on SQLite, a turn at the one write lock. Here the first thread to arrive writes
everything waiting, its own entry and the others', in one transaction; threads that arrive
while it writes wait, and the next batch goes as soon as the writer is done. No thread
returns before the transaction holding its entries has committed, and a failed write is raised
in every thread whose entries it held.

``SharedCommit`` does the same for whole write transactions (an entry: reads, rows, audit),
each thread running its own work in the shared transaction, in turn, inside a savepoint.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Generic, TypeVar

__all__ = ["GroupCommit", "SharedCommit"]

T = TypeVar("T")


class _Slot(Generic[T]):
    __slots__ = ("done", "error", "items")

    def __init__(self, items: Sequence[T]) -> None:
        self.items = items
        self.done = False
        self.error: BaseException | None = None


class GroupCommit(Generic[T]):
    """Batches items from many threads into calls of ``write`` (one transaction each)."""

    def __init__(self, write: Callable[[list[T]], None], *, max_batch: int = 500) -> None:
        self._write = write
        self._max_batch = max_batch
        self._changed = threading.Condition()
        self._waiting: list[_Slot[T]] = []
        self._writing = False
        self.batches = 0  # how many transactions were written (for tests and benchmarks)
        self.items = 0

    def submit(self, items: Sequence[T]) -> None:
        """Return once ``items`` are committed; raise what the write raised if it failed."""
        slot = _Slot(items)
        with self._changed:
            self._waiting.append(slot)
            while not slot.done:
                if self._writing:
                    self._changed.wait()
                    continue
                batch = self._take()
                self._writing = True
                self._changed.release()
                error: BaseException | None = None
                try:
                    self._write([item for s in batch for item in s.items])
                except BaseException as exc:  # handed to every waiter of the batch
                    error = exc
                finally:
                    self._changed.acquire()
                    self._writing = False
                    self.batches += 1
                    for s in batch:
                        s.done, s.error = True, error
                        self.items += len(s.items)
                    self._changed.notify_all()
        if slot.error is not None:
            raise slot.error

    def _take(self) -> list[_Slot[T]]:
        batch, count = [], 0
        while self._waiting and (not batch or count + len(self._waiting[0].items)
                                 <= self._max_batch):  # fmt: skip
            slot = self._waiting.pop(0)
            batch.append(slot)
            count += len(slot.items)
        return batch


class _Batch:
    """One open transaction that threads take turns in, each in its own savepoint."""

    __slots__ = ("busy", "committing", "done", "error", "members", "opened", "waiting")

    def __init__(self) -> None:
        self.opened: Any = None  # what ``begin`` gave: handed to each member, then to ``end``
        self.members = 0  # threads admitted to this batch (at most ``max_members``)
        self.waiting = 0  # admitted threads waiting for their turn
        self.busy = True  # a member (at first the one that opens it) holds the turn
        self.committing = False
        self.done = False
        self.error: BaseException | None = None


class SharedCommit(Generic[T]):
    """Write transactions of many threads made durable by one commit: the first thread
    begins a transaction, each thread runs its own work in it in turn, inside a savepoint,
    and the last one to leave while no other waits commits. A thread whose work raised is
    rolled back to its savepoint and gets its error at once (nothing of it is committed);
    the others return only once the commit is done, and each gets the commit's error if it
    failed. So what a caller sees is what a transaction of its own gives: its work is
    durable when the block ends without an error, and gone if it raises; between threads
    the work is serial, as the one SQLite writer made it anyway, and one fsync serves them
    all instead of one each.

    ``begin()`` opens the transaction and returns it; ``savepoint(opened)`` is a context
    manager that yields a unit of work and rolls back to its start if the block raises;
    ``end(opened, commit)`` commits (or rolls back) and closes it, in whichever thread
    leaves last.
    """

    def __init__(
        self,
        begin: Callable[[], Any],
        savepoint: Callable[[Any], AbstractContextManager[T]],
        end: Callable[[Any, bool], None],
        *,
        max_members: int = 64,
    ) -> None:
        self._begin, self._savepoint, self._end = begin, savepoint, end
        self._max = max_members
        self._changed = threading.Condition()
        self._batch: _Batch | None = None
        self.commits = 0  # how many transactions were committed (tests, benchmarks)

    @contextmanager
    def unit(self) -> Iterator[T]:
        """A unit of work in the shared transaction; durable when the block ends."""
        batch = self._take_turn()
        try:
            with self._savepoint(batch.opened) as work:
                yield work
        except BaseException:
            self._leave(batch, wait=False)  # rolled back: nothing to wait for
            raise
        self._leave(batch, wait=True)
        if batch.error is not None:
            raise batch.error

    def _take_turn(self) -> _Batch:
        with self._changed:
            while True:
                batch = self._batch
                if batch is None:  # this thread opens the next batch
                    batch = self._batch = _Batch()
                    batch.members = 1
                    break
                if batch.committing or batch.members >= self._max:
                    self._changed.wait()
                    continue
                batch.members += 1
                batch.waiting += 1
                while batch.busy:
                    self._changed.wait()
                batch.waiting -= 1
                batch.busy = True
                if batch.error is not None:  # it failed to open: none of it is usable
                    self._leave_locked(batch)
                    raise batch.error
                return batch
        try:
            batch.opened = self._begin()
        except BaseException as exc:
            with self._changed:
                batch.error = exc
                self._leave_locked(batch)
            raise
        return batch

    def _leave(self, batch: _Batch, *, wait: bool) -> None:
        with self._changed:
            if not self._leave_locked(batch):
                while wait and not batch.done:  # another member commits: wait for it
                    self._changed.wait()
                return
        # the last member out: commit (or roll back what nobody keeps) and close
        error: BaseException | None = None
        try:
            self._end(batch.opened, batch.error is None)
        except BaseException as exc:
            error = exc
        with self._changed:
            if error is not None and batch.error is None:
                batch.error = error
            if batch.error is None:
                self.commits += 1
            batch.done = True
            self._changed.notify_all()

    def _leave_locked(self, batch: _Batch) -> bool:
        """Give up the turn; True if this thread must end the batch (no one waits for a
        turn), which no later thread joins any more."""
        batch.busy = False
        if batch.waiting == 0:
            batch.committing = True
            if self._batch is batch:
                self._batch = None
            if batch.opened is None:  # never opened: nothing to end
                batch.done = True
                self._changed.notify_all()
                return False
            self._changed.notify_all()
            return True
        self._changed.notify_all()
        return False
