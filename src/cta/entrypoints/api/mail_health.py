"""The mail outbox in ``/v1/health``: how many mails wait, how many of them are failing.

Cheap by construction: one indexed count, at most every ``every`` seconds per worker, in a
thread; a health request never waits for it longer than ``wait`` (it then shows the last
answer, or ``null`` before the first).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from cta.adapters.storage.mail_outbox import SqlMailOutbox
from cta.adapters.storage.store import SqlStore

__all__ = ["MailHealth"]


class MailHealth:
    def __init__(self, store: SqlStore, *, every: float = 10.0, wait: float = 0.2) -> None:
        self.outbox = SqlMailOutbox(store)
        self.every = every
        self.wait = wait
        self._last: dict[str, Any] | None = None
        self._read_at = float("-inf")
        self._reading: asyncio.Future[tuple[int, int]] | None = None

    async def summary(self) -> dict[str, Any] | None:
        """``{"queued": n, "failing": m}``; None when it could not be read yet."""
        if self._reading is None and time.monotonic() - self._read_at >= self.every:
            self._read_at = time.monotonic()
            self._reading = asyncio.ensure_future(asyncio.to_thread(self.outbox.waiting))
        if self._reading is not None:
            try:
                queued, failing = await asyncio.wait_for(asyncio.shield(self._reading), self.wait)
                self._last = {"queued": queued, "failing": failing}
            except TimeoutError:
                return self._last
            except Exception:  # the database's trouble is the health's "database" already
                pass
            self._reading = None
        return self._last
