"""Group commit: many threads' small writes made durable by one transaction and one fsync.

A border check writes one audit entry and must not answer before that entry is durable. One
commit per check costs an fsync each (SQLite ``synchronous=FULL``, PostgreSQL's WAL flush)
and, on SQLite, a turn at the one write lock. Here the first thread to arrive writes
everything waiting, its own entry and the others', in one transaction; threads that arrive
while it writes wait, and the next batch goes as soon as the writer is done. No thread
returns before the transaction holding its entries has committed, and a failed write is raised
in every thread whose entries it held.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["GroupCommit"]

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
