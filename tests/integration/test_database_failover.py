"""A node survives the loss of its PostgreSQL primary: a hot standby takes over.

Real processes: two PostgreSQL servers (a primary and a hot standby streaming its WAL, the
primary waiting for the standby before a commit returns: ``tests.pg.PRIMARY_SETTINGS``), a
``cta serve`` whose ``CTA_DATABASE_URL`` names both with ``target_session_attrs=read-write``
(libpq tries them in turn and keeps the one that takes writes), and border posts writing
entries without pause, each retried with its idempotency key until it is acknowledged. The
primary is SIGKILLed with its processes, as when its machine dies, and the standby is promoted
with the documented command (``pg_ctl promote``; docs/availability.md).

Asserted: every acknowledged crossing is there exactly once afterwards, writes resume on the
promoted server, the time without writes is under 30 s, and while no server takes writes the
node answers at once (503 with the reason, never a hang) and ``/v1/health`` says ``degraded``
within a second.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from cta.domain.roles import Role
from tests.integration.node_server import HOST, NodeServer, add_user, node_today, passport
from tests.integration.test_node_durability import Write, crossings_by_person, post, writes
from tests.integration.test_officer_console_http import _at_post, _check, _signed_in
from tests.pg import (
    PRIMARY_SETTINGS,
    PostgresServer,
    StandbyServer,
    kill_server,
    make_synchronous,
)

pytestmark = pytest.mark.postgresql

WRITES = 400
THREADS = 4
KILL_AFTER = 100  # acknowledged writes before the primary dies
MAX_WITHOUT_WRITES = 30.0  # seconds: the target with a documented command


@pytest.fixture
def servers(postgres_server: PostgresServer) -> Iterator[tuple[PostgresServer, StandbyServer]]:
    """A primary and its synchronous hot standby (the session's server gives the binaries)."""
    with (
        PostgresServer(bindir=postgres_server.bindir, settings=PRIMARY_SETTINGS) as primary,
        StandbyServer(primary) as standby,
    ):
        make_synchronous(primary, standby)
        yield primary, standby


def both_servers_url(primary: PostgresServer, standby: PostgresServer) -> str:
    """The URL an operator gives a node with a standby: both hosts, writes on the primary."""
    return (f"postgresql+psycopg://cta@/cta?host={HOST}:{primary.port}"
            f"&host={HOST}:{standby.port}&target_session_attrs=read-write"
            "&connect_timeout=2")  # fmt: skip


@dataclass
class Log:
    """What the border posts and the health probe saw, with monotonic times."""

    acknowledged: dict[str, tuple[float, dict[str, object]]] = field(default_factory=dict)
    refused: list[tuple[float, int, float, str]] = field(default_factory=list)  # at, status, took
    health: list[tuple[float, int, float, str]] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self) -> int:
        with self.lock:
            return len(self.acknowledged)


def _post_until_acknowledged(client: httpx.Client, write: Write, log: Log,
                             deadline: float) -> None:  # fmt: skip
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            response = post(client, write)
        except httpx.TransportError as exc:
            with log.lock:
                log.refused.append((started, 0, time.monotonic() - started, repr(exc)))
            time.sleep(0.1)
            continue
        took = time.monotonic() - started
        if response.status_code == 201:
            with log.lock:
                log.acknowledged[write.key] = (time.monotonic(), response.json())
            return
        with log.lock:
            if response.status_code == 503:
                log.refused.append((started, 503, took, response.json()["detail"]))
            else:
                log.unexpected.append(f"{response.status_code}: {response.text}")
                return
        time.sleep(0.1)


def _probe_health(server: NodeServer, log: Log, stop: threading.Event) -> None:
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        while not stop.wait(0.2):
            started = time.monotonic()
            try:
                response = client.get("/v1/health")
            except httpx.HTTPError as exc:
                log.unexpected.append(f"health: {exc!r}")
                continue
            with log.lock:
                log.health.append((started, response.status_code, time.monotonic() - started,
                                   response.json().get("database", "")))  # fmt: skip


def start_border_posts(
    server: NodeServer, token: str, count: int, log: Log, stop: threading.Event, deadline: float
) -> tuple[list[threading.Thread], threading.Thread]:
    """``THREADS`` border posts writing ``count`` entries between them, each retried with its
    key until acknowledged, and a health probe until ``stop``; all started."""
    queue, queue_lock = iter(writes(count)), threading.Lock()

    def border_post() -> None:
        with server.client(token, "availability test") as client:
            while True:
                with queue_lock:
                    write = next(queue, None)
                if write is None:
                    return
                _post_until_acknowledged(client, write, log, deadline)

    posts = [threading.Thread(target=border_post) for _ in range(THREADS)]
    prober = threading.Thread(target=_probe_health, args=(server, log, stop))
    for thread in (*posts, prober):
        thread.start()
    return posts, prober


def end_border_posts(posts: list[threading.Thread], prober: threading.Thread,
                     stop: threading.Event, deadline: float) -> None:  # fmt: skip
    """Wait for the posts' last writes (until ``deadline``), then stop the health probe."""
    for thread in posts:
        thread.join(timeout=max(1.0, deadline - time.monotonic()))
    stop.set()
    prober.join(timeout=30)


def test_the_node_goes_on_writing_on_the_promoted_standby_and_loses_no_acknowledged_crossing(
    servers: tuple[PostgresServer, StandbyServer], tmp_path: Path
) -> None:
    primary, standby = servers
    url = both_servers_url(primary, standby)
    token = add_user(url, "officer.failover", Role.BORDER_OFFICER)
    log, stop = Log(), threading.Event()
    deadline = time.monotonic() + 240

    with NodeServer(url, tmp_path / "node", workers=2) as server:
        posts, prober = start_border_posts(server, token, WRITES, log, stop, deadline)
        with _signed_in(server, Role.BORDER_OFFICER, "officer.console") as console:
            form_token = _at_post(console)  # the officer's console, at its post
            while log.count() < KILL_AFTER and time.monotonic() < deadline:
                time.sleep(0.01)
            killed_at = time.monotonic()
            kill_server(primary)
            time.sleep(0.5)
            scanned = _check(console, form_token, passport("USA"))  # the officer scans one
            time.sleep(1.5)  # the operator (or a failover manager) sees the primary gone
        promoting_at = time.monotonic()
        standby.promote()
        promoted_at = time.monotonic()
        end_border_posts(posts, prober, stop, deadline)

    assert not log.unexpected, log.unexpected[:5]
    acknowledged = dict(log.acknowledged)
    assert len(acknowledged) == WRITES  # every write was acknowledged in the end
    acks = sorted(at for at, _ in acknowledged.values())
    before = [at for at in acks if at < killed_at]
    after = [at for at in acks if at >= killed_at]
    assert before and after
    # the longest wait between two acknowledgements from the last before the kill on (a write
    # committed just before the kill may be acknowledged just after it)
    since_kill = [max(before), *after]
    without_writes = max(b - a for a, b in itertools.pairwise(since_kill))
    outage = [(at, status, took, why) for at, status, took, why in log.refused
              if killed_at <= at < promoted_at]  # fmt: skip
    degraded = [(at, took, why) for at, status, took, why in log.health
                if status == 503 and killed_at <= at < promoting_at]  # fmt: skip
    print(f"\nwithout writes {without_writes:.2f} s (primary killed, promotion begun 2.0 s "
          f"later, promoted in {promoted_at - promoting_at:.2f} s); {len(outage)} writes "
          f"refused meanwhile, slowest refusal {max((o[2] for o in outage), default=0):.3f} s; "
          f"health degraded {len(degraded)} times, slowest "
          f"{max((d[1] for d in degraded), default=0):.3f} s: {degraded[:1]}")
    assert without_writes < MAX_WITHOUT_WRITES
    # while nothing took writes the node said so at once: 503 with the reason, never a hang
    assert outage, "no write was refused while no server took writes"
    assert all(status == 503 and took < 1.0 for _, status, took, _ in outage), outage[:5]
    assert degraded and all(took < 1.0 for _, took, _ in degraded), log.health
    # the officer's console says so, in a page, with the error id the node's log has
    assert scanned.status_code == 503, scanned.text[:500]
    assert scanned.headers["content-type"].startswith("text/html")
    assert 'id="database-unavailable"' in scanned.text
    assert "cannot be reached" in scanned.text
    # each acknowledged entry is on the promoted server exactly once
    per_person = crossings_by_person(standby.url)
    assert len(per_person) == WRITES
    assert set(per_person.values()) == {1}
    ids = {body["id"] for _, body in acknowledged.values()}
    assert len(ids) == WRITES


def _crossings_read_on(server: PostgresServer) -> int:
    """How many scans of the crossings table the server made itself (a standby's statistics
    count its own queries, not the primary's)."""
    import psycopg

    with psycopg.connect(server.conninfo(), autocommit=True) as connection:
        row = connection.execute(
            "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables "
            "WHERE relname = 'crossings'").fetchone()  # fmt: skip
    return int(row[0]) if row else 0


def test_the_analysts_counts_are_read_from_the_standby(
    servers: tuple[PostgresServer, StandbyServer], tmp_path: Path
) -> None:
    primary, standby = servers
    url = both_servers_url(primary, standby)
    officer = add_user(url, "officer.counted", Role.BORDER_OFFICER)
    analyst = add_user(url, "analyst.standby", Role.ANALYST)
    env = {"CTA_STATISTICS_DATABASE_URL": standby.url}
    with NodeServer(url, tmp_path / "node", env=env) as server:
        with server.client(officer, "standby statistics test") as client:
            for write in writes(6):
                assert post(client, write).status_code == 201
        today = node_today().isoformat()
        scans_before = _crossings_read_on(standby)
        entries, deadline = 0, time.monotonic() + 30
        with server.client(analyst, None) as client:
            while entries < 6 and time.monotonic() < deadline:  # the standby replays later
                response = client.get("/v1/statistics", params={
                    "from": today, "to": today, "by": "crossing_point"})
                assert response.status_code == 200, response.text
                entries = sum(g["entries"] for g in response.json()["groups"])
        assert entries == 6
        scans_deadline = time.monotonic() + 15  # a server's counters are flushed within a second
        while _crossings_read_on(standby) <= scans_before and time.monotonic() < scans_deadline:
            time.sleep(0.2)
        assert _crossings_read_on(standby) > scans_before
