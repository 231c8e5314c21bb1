"""The mail outbox's rows for ``cta.services.mail.MailSender``: claim, mark, purge, count.

A claim is a compare-and-set on ``next_attempt_at``: a sender reads the due rows, then takes
each with ``UPDATE ... WHERE id = :id AND sent_at IS NULL AND next_attempt_at = :seen``,
moving ``next_attempt_at`` to the end of its lease. Of two senders that saw the same row, one
update matches and the other matches nothing: on SQLite because writers take turns, on
PostgreSQL because the second update waits for the first's row lock and then re-reads the row
(READ COMMITTED), whose ``next_attempt_at`` has moved. A sender that dies with a row leaves it
to be claimed again when the lease ends.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update

from cta.adapters.storage import tables as t
from cta.adapters.storage.store import SqlStore, _instant
from cta.services.mail import MailStatus, QueuedMail
from cta.services.ports import AuditEntry

__all__ = ["SqlMailOutbox"]

m = t.mail_outbox.c
ERROR_CHARS = 1000  # of a server's answer, kept in last_error


SERVER = "mail_server"  # node_meta: what the node sends mail through, noted as it starts
OFF = "off"  # no CTA_SMTP_HOST: mail waits in the outbox

class SqlMailOutbox:
    """``MailOutbox`` on the node's database."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def claim(self, now: datetime, lease: timedelta, limit: int) -> list[QueuedMail]:
        with self.store.transaction(read_only=True) as tx:
            due = tx.c.execute(
                select(m.id, m.next_attempt_at)
                .where(m.sent_at.is_(None), m.next_attempt_at <= now)
                .order_by(m.next_attempt_at, m.id).limit(limit)
            ).all()  # fmt: skip
        if not due:
            return []
        claimed: list[QueuedMail] = []
        with self.store.transaction() as tx:
            for mail_id, seen in due:
                taken = tx.c.execute(
                    update(t.mail_outbox)
                    .where(m.id == mail_id, m.sent_at.is_(None), m.next_attempt_at == seen)
                    .values(next_attempt_at=now + lease, attempts=m.attempts + 1)
                    .returning(m.id, m.to, m.language, m.template, m.params, m.created_at,
                               m.attempts)
                ).first()  # fmt: skip
                if taken is not None:
                    claimed.append(QueuedMail(
                        id=int(taken.id), to=taken.to, language=taken.language,
                        template=taken.template, params=dict(taken.params),
                        created_at=_utc(taken.created_at), attempts=int(taken.attempts)))
        return claimed

    def mark_sent(self, mail_id: int, at: datetime, audit: AuditEntry) -> None:
        with self.store.transaction() as tx:
            tx.c.execute(update(t.mail_outbox).where(m.id == mail_id)
                         .values(sent_at=at, next_attempt_at=None))  # fmt: skip
            tx.audit(audit, at)

    def mark_failed(self, mail_id: int, error: str, retry_at: datetime | None) -> None:
        with self.store.transaction() as tx:
            tx.c.execute(update(t.mail_outbox).where(m.id == mail_id, m.sent_at.is_(None))
                         .values(next_attempt_at=retry_at,
                                 last_error=error[:ERROR_CHARS]))  # fmt: skip

    def purge(self, sent_before: datetime) -> int:
        given_up = and_(m.sent_at.is_(None), m.next_attempt_at.is_(None),
                        m.created_at < sent_before)  # fmt: skip
        with self.store.transaction() as tx:
            result = tx.c.execute(delete(t.mail_outbox)
                                  .where(or_(m.sent_at < sent_before, given_up)))  # fmt: skip
            return int(result.rowcount or 0)

    def note_server(self, server: str | None) -> None:
        """What the node sends its mail through (``host:port``, or None: no server, mail
        waits), as ``cta serve`` starts: for ``cta mail status``, which runs in another shell
        with other settings. No credentials are kept."""
        value = server or OFF
        with self.store.transaction() as tx:
            updated = tx.c.execute(update(t.node_meta).where(t.node_meta.c.key == SERVER)
                                   .values(value=value[:200]))  # fmt: skip
            if not updated.rowcount:
                tx.c.execute(t.node_meta.insert().values(key=SERVER, value=value[:200]))

    def server(self) -> str | None:
        """The server noted by the node's last start (``note_server``): ``host:port``, ``OFF``,
        or None when no node has started on this database since it was noted."""
        with self.store.transaction(read_only=True) as tx:
            found = tx.c.execute(select(t.node_meta.c.value)
                                 .where(t.node_meta.c.key == SERVER)).scalar()  # fmt: skip
        return None if found is None else str(found)

    def waiting(self) -> tuple[int, int]:
        """(queued, failing), from the index on ``next_attempt_at``: for ``/v1/health``."""
        with self.store.transaction(read_only=True) as tx:
            row = tx.c.execute(select(func.count(), func.count(m.last_error))
                               .where(m.next_attempt_at.is_not(None))).one()  # fmt: skip
        return int(row[0]), int(row[1])

    def status(self) -> MailStatus:
        # a sent or given-up row has no next attempt: queued rows are the ones that have one
        queued = m.next_attempt_at.is_not(None)
        failing = queued & m.last_error.is_not(None)
        given_up = m.sent_at.is_(None) & m.next_attempt_at.is_(None)
        with self.store.transaction(read_only=True) as tx:
            row = tx.c.execute(select(
                func.count().filter(queued), func.count().filter(failing),
                func.count().filter(m.sent_at.is_not(None)), func.count().filter(given_up),
                func.min(m.created_at).filter(queued),
            )).one()  # fmt: skip
            last_error = tx.c.execute(
                select(m.last_error).where(m.sent_at.is_(None), m.last_error.is_not(None))
                .order_by(m.id.desc()).limit(1)).scalar()  # fmt: skip
        oldest = _utc(row[4]) if row[4] is not None else None
        return MailStatus(queued=int(row[0]), failing=int(row[1]), sent=int(row[2]),
                          given_up=int(row[3]), oldest_queued_at=oldest,
                          last_error=last_error)  # fmt: skip


def _utc(value: object) -> datetime:
    """A timestamp as the driver gives it (SQLite: without its zone, which is UTC), in UTC."""
    instant = _instant(value)
    assert instant is not None
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)
