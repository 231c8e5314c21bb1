"""A real node for the integration tests: ``cta serve`` in a subprocess on a free loopback port.

``NodeServer(database_url, workdir).start()`` runs ``cta serve --init`` (``init=False``: without
``--init``, on a database that must exist) with ``CTA_DATABASE_URL`` (and
``CTA_WORKERS``, ``CTA_STATE``) in its own process group, waits until ``/v1/health`` answers and
gives its ``base_url``; ``stop()`` ends it (SIGTERM, then SIGKILL), ``kill()`` SIGKILLs the whole
group at once (the server and its workers), as a crash would. ``add_user`` gives a bearer token
for a role, made by the node's own code (``cta users add`` does the same, see ``cli_add_user``).
With ``tls`` (the node's certificate, which its federation file pins) it serves HTTPS, and the
test's clients accept that certificate only.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from zoneinfo import ZoneInfo

import httpx
import pytest

from cta.bootstrap import build_node
from cta.domain.documents import DocumentFields, DocumentType, generate_mrz
from cta.domain.roles import Role
from cta.federation.tls import certificate_context
from cta.settings import Settings
from tests.ports import free_port

__all__ = [
    "BOTH_DATABASES",
    "NodeServer",
    "add_user",
    "cli_add_user",
    "free_port",
    "module_database",
    "node_today",
    "passport",
    "unique_number",
]

HOST = "127.0.0.1"
CTA = Path(sys.executable).with_name("cta")


_ZONES = {"GEO": "Asia/Tbilisi", "ARM": "Asia/Yerevan", "AZE": "Asia/Baku"}


def node_today(state: str = "GEO") -> date:
    """Today at ``state``'s crossing points, when called: the day a node counts stays, visas and
    statistics in. All three zones are UTC+4, so from 20:00 to 24:00 UTC ``date.today()`` on a
    UTC machine is a day behind the node (CI failed on that at 20:04). Call it where the day is
    used, never at import: a run that passes 20:00 UTC would keep yesterday."""
    return datetime.now(UTC).astimezone(ZoneInfo(_ZONES[state])).date()


def _environment(database_url: str, workers: int, state: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTA_")}
    env |= {
        "CTA_DATABASE_URL": database_url,
        "CTA_WORKERS": str(workers),
        "CTA_STATE": state,
        "CTA_HOST": HOST,
    }
    return env


@dataclass
class NodeServer:
    """One ``cta serve`` process (and its workers) on ``database_url``."""

    database_url: str
    workdir: Path
    workers: int = 1
    state: str = "GEO"
    port: int = 0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    starts: int = 0
    env: dict[str, str] = field(default_factory=dict)  # more CTA_* settings
    fixed_port: bool = False  # keep ``port`` across restarts (a federation member's endpoint)
    tls: Path | None = None  # the certificate it serves HTTPS with (None: plain http)
    init: bool = True  # ``cta serve --init``: a missing database is created, not an error

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{HOST}:{self.port}"

    def verify(self) -> ssl.SSLContext | bool:
        """What a client of this node verifies: its certificate, pinned (True: plain http)."""
        return certificate_context(self.tls, f"node {self.state}") if self.tls else True

    @property
    def log_file(self) -> Path:
        return self.workdir / f"serve-{self.port}-{self.starts}.log"

    def start(self, timeout: float = 60.0) -> NodeServer:
        """Start the server (a new port each time) and wait for ``/v1/health``."""
        for attempt in range(3):
            if not (self.fixed_port and self.port):
                self.port = free_port()
            self.starts += 1
            if self._start_once(timeout):
                return self
            if attempt == 2:
                break
        raise RuntimeError(f"cta serve did not start; its log:\n{self._log_tail()}")

    def _start_once(self, timeout: float) -> bool:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("wb") as log:
            self.process = subprocess.Popen(
                [str(CTA), "serve", *(["--init"] if self.init else []), "--port", str(self.port)],
                env=_environment(self.database_url, self.workers, self.state) | self.env,
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill() reaches the workers
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._reap()
                return False
            try:
                answer = httpx.get(f"{self.base_url}/v1/health", timeout=1.0,
                                   verify=self.verify())  # fmt: skip
                if answer.status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.kill()
        return False

    def stop(self) -> None:
        """End the server gracefully (SIGTERM), by force after 15 s."""
        if self.process is None:
            return
        self._signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
        self._reap()

    def kill(self) -> None:
        """SIGKILL the server and its workers at once: a crash, with no chance to clean up."""
        if self.process is None:
            return
        self._signal(signal.SIGKILL)
        self._reap()

    def _signal(self, signum: int) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def _reap(self) -> None:
        assert self.process is not None
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            self.process.wait(timeout=15)
        # workers of a killed group may outlive the parent for a moment
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.02)
        self.process = None

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-30:])
        except OSError as error:
            return f"(no log: {error})"

    def client(
        self, token: str | None = None, purpose: str | None = "integration test"
    ) -> httpx.Client:
        """A client with the token and the ``X-Purpose`` every personal-data call needs
        (``purpose=None``: no such header)."""
        headers = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if purpose is not None:
            headers["X-Purpose"] = purpose
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30.0,
                            verify=self.verify())  # fmt: skip

    def __enter__(self) -> NodeServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# the params of a module's node fixture that runs its tests on SQLite and on PostgreSQL
BOTH_DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
]


@contextlib.contextmanager
def module_database(request: pytest.FixtureRequest, workdir: Path) -> Iterator[str]:
    """The URL of a fresh database of the kind ``request.param`` names (``BOTH_DATABASES``):
    a SQLite file in ``workdir`` (made by the node's ``--init``), or a PostgreSQL database on the
    session's server, dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{workdir / 'node.sqlite'}"
        return
    server = request.getfixturevalue("postgres_server")
    name = f"t_{uuid.uuid4().hex}"
    try:
        yield str(server.create_database(name))
    finally:
        server.drop_database(name)


def add_user(database_url: str, name: str, role: Role) -> str:
    """A user of ``role`` on the node of ``database_url``, made as ``cta users add`` makes it."""
    node = build_node(Settings(database_url=database_url))
    try:
        return node.add_user(name, role)
    finally:
        node.store.engine.dispose()  # type: ignore[attr-defined]


def cli_add_user(database_url: str, name: str, role: Role) -> str:
    """A user made by the real command ``cta users add NAME --role ROLE --json``."""
    done = subprocess.run(
        [str(CTA), "users", "add", name, "--role", role.value, "--json"],
        env=_environment(database_url, 1, "GEO"),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return str(json.loads(done.stdout)["token"])


def unique_number() -> str:
    """A passport number no other test uses (9 characters, A-Z and 0-9)."""
    return uuid.uuid4().hex[:9].upper()


def passport(
    nationality: str = "GEO",
    *,
    surname: str = "TESTER",
    given_names: str = "ANNA",
    number: str | None = None,
    birth_date: date = date(1990, 5, 17),
    expiry_date: date | None = None,
) -> list[str]:
    """The MRZ of a valid passport (TD3) of ``nationality``, issued by that state."""
    fields = DocumentFields(
        type=DocumentType.TD3,
        document_code="P",
        issuing_state=nationality,
        surname=surname,
        given_names=given_names,
        document_number=number or unique_number(),
        nationality=nationality,
        birth_date=birth_date,
        sex="F",
        expiry_date=expiry_date or node_today() + timedelta(days=5 * 365),
    )
    return list(generate_mrz(fields))
