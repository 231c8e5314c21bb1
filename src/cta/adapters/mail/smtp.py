"""``SmtpTransport``: hands the outbox's messages to a mail server with smtplib.

One connection per batch (STARTTLS and login when set). A server that cannot be reached fails
the whole batch; a message the server refuses fails that message only; a connection lost half
way fails the rest of the batch. The sender retries each failed one later.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import Message

__all__ = ["SmtpTransport"]


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int = 25
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0

    def send(self, messages: Sequence[Message]) -> list[str | None]:
        results: list[str | None] = []
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as server:
                if self.starttls:
                    server.starttls(context=ssl.create_default_context())
                if self.user:
                    server.login(self.user, self.password or "")
                for message in messages:
                    results.append(self._one(server, message))
                    if results[-1] is not None and not _connected(server):
                        break
        except (OSError, smtplib.SMTPException) as exc:
            error = f"{self.host}:{self.port}: {_describe(exc)}"
            return results + [error] * (len(messages) - len(results))
        lost = f"{self.host}:{self.port}: the connection was lost"
        return results + [lost] * (len(messages) - len(results))

    @staticmethod
    def _one(server: smtplib.SMTP, message: Message) -> str | None:
        try:
            refused = server.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            return f"recipient refused: {_describe(exc)}"
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused,
                smtplib.SMTPNotSupportedError) as exc:  # fmt: skip
            return _describe(exc)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            return f"the connection was lost: {_describe(exc)}"
        return f"recipient refused: {refused}" if refused else None


def _connected(server: smtplib.SMTP) -> bool:
    return getattr(server, "sock", None) is not None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(
            exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {' '.join(text.split())}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{who}: {code} {msg.decode('utf-8', 'replace')}"
                         for who, (code, msg) in exc.recipients.items())  # fmt: skip
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    return " ".join(str(exc).split()) or type(exc).__name__
