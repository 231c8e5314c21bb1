"""Mail to applicants queued in the transaction of the decision it tells of (``mail_outbox``;
the sender's own statements are ``cta.adapters.storage.mail_outbox``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from cta.adapters.storage import tables as t
from cta.adapters.storage.transaction.base import TransactionBase

__all__ = ["MailRows"]

_INSERT_MAIL = insert(t.mail_outbox)


class MailRows(TransactionBase):
    """The mail outbox, as a decision writes it."""

    def add_mail(self, **fields: Any) -> None:
        """Queue one mail (``cta.services.mail.enqueue_mail``), in this transaction."""
        self.c.execute(_INSERT_MAIL, fields)
