"""``SmtpTransport``: hands the outbox's messages to a mail server with smtplib.

One connection per batch (STARTTLS and login when set). A server that cannot be reached fails
the whole batch; a message the server refuses fails that message only (for good when the
answer is 5xx, e.g. no such mailbox); a connection lost half way fails the rest of the batch.
The sender tries each failure that is not for good again later.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import Message

from cta.services.mail import SendFailure

__all__ = ["SmtpTransport"]


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int = 25
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0

    def send(self, messages: Sequence[Message]) -> list[SendFailure | None]:
        results: list[SendFailure | None] = []
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as server:
                if self.starttls:
                    server.starttls(context=ssl.create_default_context())
                if self.user:
                    server.login(self.user, self.password or "")
                for message in messages:
                    results.append(self._one(server, message))
                    if results[-1] is not None and getattr(server, "sock", None) is None:
                        break  # the server hung up: the rest wait for the next try
        except (OSError, smtplib.SMTPException) as exc:
            failure = SendFailure(f"{self.host}:{self.port}: {_describe(exc)}")
            return results + [failure] * (len(messages) - len(results))
        lost = SendFailure(f"{self.host}:{self.port}: the connection was lost")
        return results + [lost] * (len(messages) - len(results))

    @staticmethod
    def _one(server: smtplib.SMTP, message: Message) -> SendFailure | None:
        try:
            refused = server.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            permanent = all(code >= 500 for code, _ in exc.recipients.values())
            return SendFailure(f"recipient refused: {_describe(exc)}", permanent)
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
            return SendFailure(_describe(exc), exc.smtp_code >= 500)
        except smtplib.SMTPNotSupportedError as exc:  # an address this server cannot take
            return SendFailure(_describe(exc), permanent=True)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            return SendFailure(f"the connection was lost: {_describe(exc)}")
        if refused:  # more than one recipient, some refused: never so for our mails
            return SendFailure(f"recipient refused: {refused}")
        return None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(
            exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {' '.join(text.split())}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{who}: {code} {' '.join(msg.decode('utf-8', 'replace').split())}"
                         for who, (code, msg) in exc.recipients.items())  # fmt: skip
    if isinstance(exc, TimeoutError):
        return "timed out"
    return " ".join(str(exc).split()) or type(exc).__name__
