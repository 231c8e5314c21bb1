"""``MailSink``: a local SMTP server (aiosmtpd) that keeps every mail it receives as a file.

For the demo (``cta area --demo``) and for looking at what the nodes send: no mail leaves the
machine. Each message is written whole (the bytes the sender sent, with a ``Return-Path`` and
the envelope's recipients) to ``DIRECTORY/NNNNNN-RECIPIENT.eml``; any mail program opens them.
"""

from __future__ import annotations

import itertools
import re
import threading
from pathlib import Path
from typing import Any

__all__ = ["MailSink"]


class _Keep:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        existing = (int(p.name[:6]) for p in directory.glob("*.eml") if p.name[:6].isdigit())
        self._numbers = itertools.count(max(existing, default=0) + 1)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        header = (f"Return-Path: <{envelope.mail_from}>\r\n"
                  f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n").encode()  # fmt: skip
        first = re.sub(r"[^A-Za-z0-9@._-]", "_", (envelope.rcpt_tos or ["unknown"])[0])[:80]
        with self._lock:
            path = self.directory / f"{next(self._numbers):06d}-{first}.eml"
        path.write_bytes(header + content)
        return "250 Message accepted for delivery"


class MailSink:
    """``start()`` listens on ``host:port`` (0: a free port, see ``port`` after the start);
    ``stop()`` ends it."""

    def __init__(self, directory: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.directory = directory
        self.host = host
        self.port = port
        self._controller: Any = None

    def start(self) -> MailSink:
        from aiosmtpd.controller import Controller

        self.directory.mkdir(parents=True, exist_ok=True)
        port = self.port or _free_port(self.host)
        # SMTPUTF8: applicants' addresses may be internationalised (RFC 6531)
        self._controller = Controller(_Keep(self.directory), hostname=self.host, port=port,
                                      enable_SMTPUTF8=True)  # fmt: skip
        self._controller.start()
        self.port = port
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def received(self) -> list[Path]:
        """The mails kept so far, oldest first."""
        return sorted(self.directory.glob("*.eml"))


def _free_port(host: str) -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
