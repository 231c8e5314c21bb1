"""Threads' write transactions sharing one commit (``SharedCommit``): each one's work is
committed before it returns, or not at all; one that raises undoes only its own work."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest

from cta.adapters.storage.group_commit import SharedCommit


class Database:
    """A transaction as lists: work goes to ``pending``, a commit moves it to ``committed``."""

    def __init__(self, *, fail_commit: bool = False, fail_begin: bool = False) -> None:
        self.committed: list[str] = []
        self.pending: list[str] | None = None
        self.fail_commit, self.fail_begin = fail_commit, fail_begin
        self.commits = 0
        self.lock = threading.Lock()  # who holds the transaction: never two threads at once

    def begin(self) -> Database:
        if self.fail_begin:
            raise OSError("the disk is gone")
        assert self.pending is None, "a transaction began while another was open"
        self.pending = []
        return self

    @contextmanager
    def savepoint(self, _opened: object) -> Iterator[list[str]]:
        assert self.lock.acquire(blocking=False), "two threads in the transaction at once"
        assert self.pending is not None
        mark = len(self.pending)
        try:
            yield self.pending
        except BaseException:
            del self.pending[mark:]
            raise
        finally:
            self.lock.release()

    def end(self, _opened: object, commit: bool) -> None:
        assert self.pending is not None
        work, self.pending = self.pending, None
        time.sleep(0.005)  # an fsync: others arrive meanwhile
        if self.fail_commit:
            raise OSError("fsync failed")
        if commit:
            self.committed += work
            self.commits += 1


def shared(db: Database) -> SharedCommit[list[str]]:
    return SharedCommit(db.begin, db.savepoint, db.end)


def write(commit: SharedCommit[list[str]], db: Database, name: str, *, fail: bool = False) -> str:
    with commit.unit() as work:
        work.append(name)
        time.sleep(0.001)
        if fail:
            raise ValueError(name)
    assert name in db.committed, "returned before its work was committed"
    return name


def test_every_write_is_committed_before_it_returns_and_many_share_a_commit() -> None:
    db = Database()
    commit = shared(db)
    with ThreadPoolExecutor(16) as pool:
        done = list(pool.map(lambda n: write(commit, db, f"w{n}"), range(400)))
    assert sorted(done) == sorted(db.committed) == sorted(f"w{n}" for n in range(400))
    assert db.commits == commit.commits < 400  # fewer commits than writes


def test_a_write_that_raises_undoes_only_its_own_work() -> None:
    db = Database()
    commit = shared(db)

    def one(n: int) -> str | None:
        try:
            return write(commit, db, f"w{n}", fail=n % 5 == 0)
        except ValueError:
            return None

    with ThreadPoolExecutor(16) as pool:
        done = [d for d in pool.map(one, range(200)) if d is not None]
    assert sorted(db.committed) == sorted(done) == sorted(f"w{n}" for n in range(200) if n % 5)


def test_a_failed_commit_is_raised_in_every_write_it_held_and_none_returns() -> None:
    db = Database(fail_commit=True)
    commit = shared(db)
    errors: list[BaseException] = []

    def one(n: int) -> None:
        try:
            write(commit, db, f"w{n}")
        except OSError as exc:
            errors.append(exc)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(50)))
    assert len(errors) == 50 and db.committed == []


def test_a_transaction_that_cannot_begin_is_an_error_of_each_write() -> None:
    db = Database(fail_begin=True)
    commit = shared(db)
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(write, commit, db, f"w{n}") for n in range(20)]
    for future in futures:
        with pytest.raises(OSError, match="the disk is gone"):
            future.result()
    db.fail_begin = False
    assert write(commit, db, "after") == "after"  # the next write begins anew
