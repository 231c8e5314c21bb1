"""Writes that share a commit, on the real databases: each is kept whole or not at all, one
that raises takes nothing of the others with it, and on SQLite many share one commit."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from cta.adapters.storage.store import SqlStore
from cta.bootstrap import build_node
from cta.settings import Settings

AT = datetime(2027, 6, 1, 8, 0, tzinfo=UTC)


class Refused(Exception):
    pass


def test_shared_writes_keep_each_others_work_and_not_a_failed_ones(database_url: str) -> None:
    store = build_node(Settings(database_url=database_url)).store
    assert isinstance(store, SqlStore)

    def write(n: int) -> bool:
        try:
            with store.transaction(shared=True) as tx:
                tx.add_user(f"user.{n}", "border_officer", f"hash-{n}", AT)
                tx.add_user(f"user.{n}.b", "border_officer", f"hash-{n}-b", AT)
                if n % 7 == 0:
                    raise Refused(n)
        except Refused:
            return False
        with store.transaction(read_only=True) as tx:  # durable: seen by a new transaction
            assert tx.user_by_token_hash(f"hash-{n}-b") is not None
        return True

    with ThreadPoolExecutor(12) as pool:
        kept = list(pool.map(write, range(240)))
    with store.transaction(read_only=True) as tx:
        for n in range(240):
            for suffix in ("", "-b"):
                assert (tx.user_by_token_hash(f"hash-{n}{suffix}") is not None) is kept[n]
    if store._shared is not None:  # SQLite: fewer commits than writes
        assert 0 < store._shared.commits < sum(kept)
    store.engine.dispose()


def test_a_duplicate_in_one_shared_write_leaves_the_others_whole(database_url: str) -> None:
    store = build_node(Settings(database_url=database_url)).store
    assert isinstance(store, SqlStore)

    def write(n: int) -> str:
        try:
            with store.transaction(shared=True) as tx:
                tx.add_user(f"same.{n}", "border_officer", f"same-{n}", AT)
                tx.add_user("twice", "border_officer", "twice", AT)  # one only may have it
        except Exception as exc:  # the user name or token is taken
            return type(exc).__name__
        return "kept"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(write, range(40)))
    assert outcomes.count("kept") == 1
    with store.transaction(read_only=True) as tx:
        held = [n for n in range(40) if tx.user_by_token_hash(f"same-{n}") is not None]
    assert [outcomes[n] for n in held] == ["kept"]
    store.engine.dispose()
