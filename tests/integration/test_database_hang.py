"""A PostgreSQL server that hangs (not dies) does not hang the node: 503 within a second.

Real processes: a PostgreSQL server of the test's own, a ``cta serve`` with two workers on it,
border posts writing entries without pause (each retried with its idempotency key until it is
acknowledged), a health probe, and an officer at the console. The server's processes are
stopped with SIGSTOP: the connections stay open (the kernel still acknowledges what the node
sends), so nothing fails by itself; the node's guard (``cta.adapters.storage.hang_guard``)
must find the hang. Then SIGCONT: the server is back.

Asserted: while the server hangs every request is answered within a second, a write with 503
and the reason, ``/v1/health`` with ``degraded``, the console with its page; once it is back,
the writes resume, and every acknowledged entry is in the database exactly once.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from cta.adapters.storage.engine import PING_AFTER, make_engine
from cta.adapters.storage.hang_guard import PROBE_WAIT, SUSPECT, TICK, HangGuard, start_hang_guard
from cta.domain.roles import Role
from cta.services.ports import DatabaseUnavailableError
from tests.integration.node_server import NodeServer, add_user, passport
from tests.integration.test_database_failover import Log, end_border_posts, start_border_posts
from tests.integration.test_node_durability import crossings_by_person
from tests.integration.test_officer_console_http import _at_post, _check, _signed_in
from tests.pg import PostgresServer, signal_server

pytestmark = pytest.mark.postgresql

WRITES = 200
HANG_AFTER = 60  # acknowledged writes before the server hangs
HANG_SECONDS = 4.0
BOUND = 1.0  # seconds: the "within 1 s it answers 503 with the reason"


@pytest.fixture
def server(postgres_server: PostgresServer) -> Iterator[PostgresServer]:
    """A server of the test's own (the session's is shared and must never be stopped)."""
    with PostgresServer(bindir=postgres_server.bindir) as own:
        try:
            yield own
        finally:  # never leave it stopped: its own stop would wait for it
            signal_server(own, signal.SIGCONT)


def test_a_hung_database_server_is_answered_within_a_second_and_nothing_is_lost(
    server: PostgresServer, tmp_path: Path
) -> None:
    url = server.url
    token = add_user(url, "officer.hang", Role.BORDER_OFFICER)
    log, stop = Log(), threading.Event()
    deadline = time.monotonic() + 180

    with NodeServer(url, tmp_path / "node", workers=2) as node:
        posts, prober = start_border_posts(node, token, WRITES, log, stop, deadline)
        with _signed_in(node, Role.BORDER_OFFICER, "officer.console") as console:
            form_token = _at_post(console)
            while log.count() < HANG_AFTER and time.monotonic() < deadline:
                time.sleep(0.01)
            hung_at = time.monotonic()
            signal_server(server, signal.SIGSTOP)
            time.sleep(1.5)
            asked = time.monotonic()
            scanned = _check(console, form_token, passport("USA"))  # the officer scans one
            scanned_in = time.monotonic() - asked
            time.sleep(max(0.0, hung_at + HANG_SECONDS - time.monotonic()))
            back_at = time.monotonic()
            signal_server(server, signal.SIGCONT)
            end_border_posts(posts, prober, stop, deadline)

    assert not log.unexpected, log.unexpected[:5]
    acknowledged = dict(log.acknowledged)
    assert len(acknowledged) == WRITES  # every write was acknowledged in the end
    # the refusals (the writes in flight when the server stopped among them), the last half
    # second before SIGCONT left out: those may be answered by the server that is back
    during = [(at, status, took, why) for at, status, took, why in log.refused
              if at < back_at - 0.5]  # fmt: skip
    degraded = [(at, took, why) for at, status, took, why in log.health
                if status == 503 and hung_at + BOUND <= at < back_at - 0.5]  # fmt: skip
    healthy_during = [(at, status) for at, status, _took, _why in log.health
                      if status == 200 and hung_at + BOUND <= at < back_at - 0.5]  # fmt: skip
    print(f"\n{len(during)} writes refused while the server hung, slowest "
          f"{max((d[2] for d in during), default=0):.3f} s; health degraded {len(degraded)} "
          f"times, slowest {max((d[1] for d in degraded), default=0):.3f} s; the console's "
          f"scan answered in {scanned_in:.3f} s; reasons: {sorted({d[3] for d in during})[:3]}")
    assert during, "no write was refused while the server hung"
    assert all(status == 503 and took < BOUND for _, status, took, _ in during), during[:5]
    assert any("did not answer" in why for *_, why in during), during[:5]
    assert degraded and not healthy_during, log.health
    assert all(took < BOUND for _, took, _ in degraded), degraded[:5]
    assert scanned.status_code == 503 and scanned_in < BOUND, scanned.text[:500]
    assert 'id="database-unavailable"' in scanned.text
    # writes resumed once the server was back, and nothing was written twice
    assert any(at >= back_at for at, _ in acknowledged.values())
    per_person = crossings_by_person(url)
    assert len(per_person) == WRITES
    assert set(per_person.values()) == {1}


def _look_until(guard: HangGuard, done: Callable[[], bool], within: float = 10.0) -> None:
    """Be the guard's thread (the test looks when it likes) until ``done``."""
    deadline = time.monotonic() + within
    while not done():
        assert time.monotonic() < deadline, "the guard never got there"
        guard.look()
        time.sleep(TICK)


def test_a_worker_too_busy_to_read_the_answer_does_not_take_its_server_as_hung(
    server: PostgresServer,
) -> None:
    """The guard's thread may wait for the interpreter lock longer than the server takes to
    answer (an overloaded worker): an answer found in the socket counts however late it is
    read. A stopped server's silence is still a hang, found on the same kept connection."""
    engine = make_engine(server.url)
    guard = HangGuard(engine)  # not started: the test looks in its thread's place
    connection = engine.connect()
    try:
        connection.execute(text("SELECT 1"))
        time.sleep(SUSPECT + 0.05)  # out long enough to make the guard ask
        _look_until(guard, lambda: guard.asking)
        time.sleep(3 * PROBE_WAIT)  # the guard's thread does not run: the answer waits
        guard.look()  # the answer is read now, long after PROBE_WAIT
        assert guard.hung is None

        signal_server(server, signal.SIGSTOP)  # now the server sends nothing
        stopped = time.monotonic()
        _look_until(guard, lambda: guard.hung is not None)  # asked on the connection kept
        assert time.monotonic() - stopped < 1.0
        assert "did not answer within 0.4 s" in (guard.hung or "")
        with pytest.raises(DatabaseUnavailableError, match="did not answer"):
            connection.execute(text("SELECT 2"))  # its socket was shut: at once, not a wait
        signal_server(server, signal.SIGCONT)
        _look_until(guard, lambda: guard.hung is None)  # a new probe is answered
    finally:
        with contextlib.suppress(Exception):
            connection.close()
        signal_server(server, signal.SIGCONT)
        guard.stop()
        engine.dispose()


@pytest.mark.parametrize("pool", ["empty", "idle"])
def test_a_connection_being_made_or_pinged_as_the_server_stops_is_given_up_not_waited_for(
    server: PostgresServer, pool: str
) -> None:
    """``empty``: the pool has no idle connection when the server stops, and the request's new
    one is taken by the server's kernel, its start-up never answered. ``idle``: the request
    takes a connection idle for longer than ``PING_AFTER``, which the engine pings first, and
    the ping is never answered. Either way the guard sees the connection (before the fixes it
    did not, never asked the server, and the request waited until the server came back: the
    officer's console timed out at 30 s in two fresh-clone runs of the suite), takes the server
    as hung, and the request gives up with the guard's reason."""
    engine = make_engine(server.url)
    guard = start_hang_guard(engine)
    assert guard is not None
    outcome: list[tuple[str, float]] = []

    def request() -> None:
        started = time.monotonic()
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            outcome.append(("answered", time.monotonic() - started))
        except DatabaseUnavailableError as exc:
            outcome.append((str(exc), time.monotonic() - started))

    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        if pool == "empty":
            engine.dispose()  # nothing idle in the pool: the next request makes a connection
        else:
            time.sleep(PING_AFTER + 0.5)  # idle long enough for the engine to ping it first
        signal_server(server, signal.SIGSTOP)
        asking = threading.Thread(target=request, daemon=True)
        asking.start()
        asking.join(5.0)
        assert not asking.is_alive(), "the request still waits for its connection"
        [(why, took)] = outcome
        assert why.startswith("the database server did not answer"), why
        print(f"\nthe {pool} pool's connection was given up after {took:.3f} s")
        signal_server(server, signal.SIGCONT)
        deadline = time.monotonic() + 10
        while guard.hung is not None:  # the next probe is answered
            assert time.monotonic() < deadline, guard.hung
            time.sleep(TICK)
        with engine.connect() as connection:  # and connections are made again
            assert connection.execute(text("SELECT 2")).scalar_one() == 2
    finally:
        signal_server(server, signal.SIGCONT)
        guard.stop()
        engine.dispose()
