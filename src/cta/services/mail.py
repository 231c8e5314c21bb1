"""Mail to applicants: queued with the decision it tells of, sent later by ``MailSender``.

``enqueue_mail`` writes one row in the caller's transaction, so a decision and its mail are
stored together or not at all. The sender runs in the node's process (``cta serve``): it
claims due rows (a lease, so two senders never take the same row), renders them in the
applicant's language, hands them to the SMTP transport, and marks each sent, or failed with a
retry after 1 min, 2, 4, ... at most an hour apart, giving up two days after the mail was
queued (``cta.domain.mail``). Rows live in the database, so a restart loses nothing; a sender
that dies between the server's "250 OK" and the database's "sent" sends that one mail again
after the lease (a mail server cannot take part in our transaction): its Message-ID is the
same both times, so a mail client shows it once.
"""

from __future__ import annotations

import logging
import threading
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.message import Message
from email.mime.text import MIMEText
from email.utils import format_datetime
from functools import cache
from importlib import resources
from typing import Any, Protocol

from cta.domain.mail import (
    LANGUAGES,
    MailCatalog,
    MailError,
    is_mail_address,
    json_params,
    language_of,
    next_attempt,
)
from cta.services.ports import AuditEntry, Transaction

__all__ = [
    "SEND_ACTION",
    "MailOutbox",
    "MailSender",
    "MailStatus",
    "MailTransport",
    "QueuedMail",
    "SendFailure",
    "catalogs",
    "compose",
    "enqueue_mail",
]

SEND_ACTION = "send mail to applicant"
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class QueuedMail:
    """A row of the outbox as a sender claimed it (``attempts`` counts this one)."""

    id: int
    to: str
    language: str
    template: str
    params: dict[str, Any]
    created_at: datetime
    attempts: int


@dataclass(frozen=True, slots=True)
class MailStatus:
    """The outbox at a glance: ``cta mail status``."""

    queued: int  # not sent yet, still to be tried
    failing: int  # of those, the ones whose last try failed
    sent: int  # sent and not yet deleted by the retention
    given_up: int  # not delivered within two days; kept with their last error
    oldest_queued_at: datetime | None
    last_error: str | None  # of the latest failing or given-up row

    def to_json(self) -> dict[str, Any]:
        return {"queued": self.queued, "failing": self.failing, "sent": self.sent,
                "given_up": self.given_up, "last_error": self.last_error,
                "oldest_queued_at": self.oldest_queued_at.isoformat()
                if self.oldest_queued_at else None}  # fmt: skip


class MailOutbox(Protocol):
    """The outbox's rows (``cta.adapters.storage.mail_outbox.SqlMailOutbox``)."""

    def claim(self, now: datetime, lease: timedelta, limit: int) -> list[QueuedMail]: ...
    def mark_sent(self, mail_id: int, at: datetime, audit: AuditEntry) -> None: ...
    def mark_failed(self, mail_id: int, error: str, retry_at: datetime | None) -> None: ...
    def purge(self, sent_before: datetime) -> int: ...
    def status(self) -> MailStatus: ...


@dataclass(frozen=True, slots=True)
class SendFailure:
    """Why a message was not sent; ``permanent``: the server refused it for good (a 5xx
    answer: no such mailbox), so trying again cannot help."""

    reason: str
    permanent: bool = False


class MailTransport(Protocol):
    """Hands messages to a mail server (``cta.adapters.mail.smtp.SmtpTransport``)."""

    def send(self, messages: Sequence[Message]) -> list[SendFailure | None]:
        """Per message: None when the server took it, else why not."""
        ...


@cache
def catalogs() -> dict[str, MailCatalog]:
    """The shipped templates, one catalog per language (``mail_templates/*.toml``)."""
    folder = resources.files("cta.services") / "mail_templates"
    loaded = {}
    for language in LANGUAGES:
        data = tomllib.loads((folder / f"{language}.toml").read_text(encoding="utf-8"))
        loaded[language] = MailCatalog.from_data(language, data)
    return loaded


def enqueue_mail(
    tx: Transaction, *, to: str, language: str, template: str, params: dict[str, Any],
    now: datetime,
) -> None:  # fmt: skip
    """Queue one mail to an applicant in the transaction ``tx`` (the decision's). ``MailError``
    (nothing written) for a bad address, an unknown template or a parameter it lacks."""
    address = to.strip()
    if not is_mail_address(address):
        raise MailError(f"to: {to!r} is not an e-mail address")
    if now.tzinfo is None:
        raise MailError("now: a time without a zone")
    now = now.astimezone(UTC)  # stored in UTC, as every timestamp of the node
    kept = json_params(params)
    chosen = language_of(language)
    catalogs()[chosen].render(template, kept)  # fails now, in the decision, not at sending
    tx.add_mail(to=address, language=chosen, template=template, params=kept, created_at=now,
                attempts=0, next_attempt_at=now, sent_at=None, last_error=None)  # fmt: skip


def compose(mail: QueuedMail, *, sender: str, node: str, at: datetime) -> Message:
    """The message of a queued mail, in its language (English when it has none)."""
    rendered = catalogs()[language_of(mail.language)].render(mail.template, mail.params)
    # compat32's Header folds a long subject into encoded words that keep the spaces between
    # words (EmailMessage's default policy, in 3.11, drops a space at a fold)
    message = MIMEText(rendered.body, "plain", "utf-8")
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = Header(rendered.subject, "utf-8")  # type: ignore[assignment]
    message["Date"] = format_datetime(at)
    domain = sender.rpartition("@")[2] or "cta.invalid"
    # the same on every try of this row: a mail client shows a repeated send once
    message["Message-ID"] = (f"<mail-{mail.id}.{int(mail.created_at.timestamp())}."
                             f"{node.lower()}@{domain}>")  # fmt: skip
    message["Content-Language"] = language_of(mail.language)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
    return message


class MailSender:
    """Sends the outbox's due mails: ``send_due()`` once, or ``start()`` a thread that does
    it every ``poll_seconds`` (and deletes sent mails older than ``retention``)."""

    def __init__(
        self, outbox: MailOutbox, transport: MailTransport, *, sender: str, node: str,
        clock: Callable[[], datetime], retention: timedelta,
        lease: timedelta = timedelta(minutes=5), batch: int = 20, poll_seconds: float = 1.0,
    ) -> None:  # fmt: skip
        self.outbox = outbox
        self.transport = transport
        self.sender = sender
        self.node = node
        self.clock = clock
        self.retention = retention
        self.lease = lease
        self.batch = batch
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._purged_at: datetime | None = None

    def send_due(self) -> int:
        """Claim the mails due now, send them; the number the server took."""
        now = self.clock()
        claimed = self.outbox.claim(now, self.lease, self.batch)
        ready: list[tuple[QueuedMail, Message]] = []
        for mail in claimed:
            try:
                ready.append((mail, compose(mail, sender=self.sender, node=self.node, at=now)))
            except (MailError, ValueError) as exc:  # cannot be sent ever: no retries
                self.outbox.mark_failed(mail.id, f"cannot be composed: {exc}", None)
        if not ready:
            return 0
        results = self.transport.send([message for _, message in ready])
        sent = 0
        for (mail, _), failure in zip(ready, results, strict=True):
            if failure is None:
                self.outbox.mark_sent(mail.id, self.clock(), self._audit(mail))
                sent += 1
                continue
            retry_at = (None if failure.permanent
                        else next_attempt(mail.created_at, mail.attempts, now))  # fmt: skip
            self.outbox.mark_failed(mail.id, failure.reason, retry_at)
            log.warning("mail %s (try %d) failed: %s; %s", mail.id, mail.attempts, failure.reason,
                        f"next try at {retry_at:%Y-%m-%d %H:%M:%S}Z" if retry_at
                        else "given up")  # fmt: skip
        return sent

    def purge(self) -> int:
        """Delete the mails sent (or given up) longer ago than the retention; how many."""
        return self.outbox.purge(self.clock() - self.retention)

    def _audit(self, mail: QueuedMail) -> AuditEntry:
        return AuditEntry("mail", "node", SEND_ACTION, "informing the applicant", None,
                          {"mail_id": mail.id, "template": mail.template,
                           "number": mail.params.get("number")})  # fmt: skip

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="cta-mail", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30.0)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                sent = self.send_due()
                self._purge_hourly()
            except Exception:  # the database away for a moment: say so, try again
                log.exception("sending mail failed; retrying")
                sent = 0
            if sent < self.batch:
                self._stop.wait(self.poll_seconds)

    def _purge_hourly(self) -> None:
        now = self.clock()
        if self._purged_at is None or now - self._purged_at >= timedelta(hours=1):
            self._purged_at = now
            if deleted := self.purge():
                log.info("mail retention: deleted %d sent mails", deleted)
