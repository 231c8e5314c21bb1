"""MailSender's decisions on in-memory twins of the outbox and the mail server (the real ones:
tests/integration/test_mail_outbox.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.message import Message

from cta.services.mail import MailSender, MailStatus, QueuedMail, SendFailure
from cta.services.ports import AuditEntry

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


@dataclass
class Row:
    mail: QueuedMail
    next_attempt_at: datetime | None
    sent_at: datetime | None = None
    last_error: str | None = None


@dataclass
class MemoryOutbox:
    rows: dict[int, Row] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)

    def add(self, template: str = "received", to: str = "nino@example.ge") -> int:
        mail_id = len(self.rows) + 1
        mail = QueuedMail(mail_id, to, "ka", template, {"number": f"N{mail_id}", "kind": "visa"},
                          NOW, 0)  # fmt: skip
        self.rows[mail_id] = Row(mail, NOW)
        return mail_id

    def claim(self, now: datetime, lease: timedelta, limit: int) -> list[QueuedMail]:
        due = [r for r in self.rows.values() if r.sent_at is None and r.next_attempt_at
               and r.next_attempt_at <= now][:limit]  # fmt: skip
        for row in due:
            row.next_attempt_at = now + lease
            row.mail = replace(row.mail, attempts=row.mail.attempts + 1)
        return [row.mail for row in due]

    def mark_sent(self, mail_id: int, at: datetime, audit: AuditEntry) -> None:
        self.rows[mail_id].sent_at, self.rows[mail_id].next_attempt_at = at, None
        self.audit.append(audit)

    def mark_failed(self, mail_id: int, error: str, retry_at: datetime | None) -> None:
        self.rows[mail_id].last_error, self.rows[mail_id].next_attempt_at = error, retry_at

    def purge(self, sent_before: datetime) -> int:
        old = [i for i, r in self.rows.items() if r.sent_at and r.sent_at < sent_before]
        for mail_id in old:
            del self.rows[mail_id]
        return len(old)

    def status(self) -> MailStatus:
        queued = [r for r in self.rows.values() if r.next_attempt_at is not None]
        given_up = [r for r in self.rows.values() if r.sent_at is r.next_attempt_at is None]
        failed = [r for r in self.rows.values() if r.last_error and r.sent_at is None]
        return MailStatus(
            queued=len(queued), failing=sum(1 for r in queued if r.last_error),
            sent=sum(1 for r in self.rows.values() if r.sent_at), given_up=len(given_up),
            oldest_queued_at=min((r.mail.created_at for r in queued), default=None),
            last_error=failed[-1].last_error if failed else None)


@dataclass
class MemoryServer:
    """Takes every message, except those to addresses it refuses (for good or for now)."""

    refuse: dict[str, SendFailure] = field(default_factory=dict)
    taken: list[Message] = field(default_factory=list)

    def send(self, messages: Sequence[Message]) -> list[SendFailure | None]:
        results: list[SendFailure | None] = []
        for message in messages:
            failure = self.refuse.get(str(message["To"]))
            if failure is None:
                self.taken.append(message)
            results.append(failure)
        return results


def sender(outbox: MemoryOutbox, server: MemoryServer) -> MailSender:
    return MailSender(outbox, server, sender="cta@geo.example", node="GEO", clock=lambda: NOW,
                      retention=timedelta(days=30))  # fmt: skip


def test_a_sent_mail_is_marked_and_audited_without_its_address() -> None:
    outbox, server = MemoryOutbox(), MemoryServer()
    mail_id = outbox.add()
    assert sender(outbox, server).send_due() == 1
    assert outbox.rows[mail_id].sent_at == NOW
    [entry] = outbox.audit
    assert entry.detail == {"mail_id": mail_id, "template": "received", "number": "N1"}
    assert "nino@example.ge" not in repr(entry)


def test_a_refusal_for_good_is_given_up_and_one_for_now_tried_again_in_a_minute() -> None:
    outbox = MemoryOutbox()
    gone, busy = outbox.add(to="gone@example.org"), outbox.add(to="busy@example.org")
    server = MemoryServer({"gone@example.org": SendFailure("550 no such mailbox", True),
                           "busy@example.org": SendFailure("451 try later")})  # fmt: skip
    assert sender(outbox, server).send_due() == 0
    assert outbox.rows[gone].next_attempt_at is None
    assert outbox.rows[gone].last_error == "550 no such mailbox"
    assert outbox.rows[busy].next_attempt_at == NOW + timedelta(minutes=1)
    status = outbox.status()
    assert (status.queued, status.failing, status.given_up) == (1, 1, 1)


def test_a_mail_that_cannot_be_composed_is_given_up_without_a_send() -> None:
    outbox, server = MemoryOutbox(), MemoryServer()
    broken = outbox.add(template="withdrawn")  # e.g. a template a later version dropped
    assert sender(outbox, server).send_due() == 0
    assert server.taken == []
    assert outbox.rows[broken].next_attempt_at is None
    assert "cannot be composed" in (outbox.rows[broken].last_error or "")
