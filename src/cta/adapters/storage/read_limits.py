"""Each user's allowance of personal-data reads, in the database, so that it holds across the
node's worker processes (``cta.services.read_limits``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cta.adapters.storage import tables as t
from cta.adapters.storage.store import SqlStore
from cta.domain.personal_data import ReadRate
from cta.services.ports import AuditEntry

__all__ = ["SqlReadAllowances"]

ALARM_EVERY_US = 60_000_000  # at most one alarm a minute for one user


class SqlReadAllowances:
    """``take``: one read of one user, in one short write transaction."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        postgresql = store.engine.dialect.name == "postgresql"
        self._insert = (pg_insert if postgresql else sqlite_insert)(t.personal_reads)

    def take(
        self, user: str, at: datetime, rate: ReadRate, alarm: AuditEntry
    ) -> tuple[int, bool]:
        """(0, False) when the read is allowed, else (the microseconds to wait, whether this
        refusal raised the alarm): the first read refused in a minute writes ``alarm`` to the
        audit log in the same transaction."""
        now_us = int(at.timestamp() * 1_000_000)
        r = t.personal_reads.c
        with self.store.transaction() as tx:
            # a write transaction: SQLite's write lock is held from its start, and the row
            # lock (FOR UPDATE) serialises one user's reads on PostgreSQL
            row = tx.c.execute(select(r.due_us, r.alarmed_until_us).where(r.user_name == user)
                               .with_for_update()).first()  # fmt: skip
            if row is None:
                due, _ = rate.take(None, now_us)
                # two workers may both see no row: the second insert does nothing, and its
                # read goes uncounted (once per user, at the first read: never a bulk read)
                tx.c.execute(self._insert.values(user_name=user, due_us=due)
                             .on_conflict_do_nothing())  # fmt: skip
                return 0, False
            due, wait = rate.take(row.due_us, now_us)
            if due is not None:
                tx.c.execute(update(t.personal_reads).where(r.user_name == user)
                             .values(due_us=due))  # fmt: skip
                return 0, False
            if row.alarmed_until_us is None or row.alarmed_until_us <= now_us:
                tx.c.execute(update(t.personal_reads).where(r.user_name == user)
                             .values(alarmed_until_us=now_us + ALARM_EVERY_US))  # fmt: skip
                tx.audit(alarm, at)
                return wait, True
            return wait, False
