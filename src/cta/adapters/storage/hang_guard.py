"""A PostgreSQL server that hangs (not dies) must not hang the node: 503 within a second.

A server that dies closes its connections, and the statement waiting on one fails at once
(503, ``entrypoints.api.edge``). A server that hangs does not: a stopped process, a frozen
machine or a lost route leave the connection open, and a statement on it waits without end
(the kernel of a stopped server still acknowledges what is sent, so neither TCP keepalives nor
``tcp_user_timeout`` end it). A request thread would wait with it, and then every other one.

The guard tells a hung server from a slow statement by asking the server itself. A thread
looks every ``TICK`` seconds at the connections checked out of the pool. When one has been out
longer than ``SUSPECT`` seconds, it asks the server a question of its own (``SELECT
pg_is_in_recovery()``) on a connection of its own (a lock wait, a long report or an import
make the statement slow, not the server, and their server answers at once). When that answer
has not come within ``PROBE_WAIT`` seconds, the server is taken as hung:

* every connection checked out for longer than ``SUSPECT`` is shut (its socket, from this
  thread), so the statement waiting on it fails as on a dead server: 503 with the guard's
  reason;
* until a probe is answered again, a connection taken from the pool is dropped and no new one
  is opened: the request fails at once with ``DatabaseUnavailableError`` (503), instead of
  waiting for a connection attempt to time out (libpq's shortest is 2 s).

A connection being made is watched too. A hung server's kernel takes the TCP connection, and
its start-up is then never answered: no timeout ends that wait (libpq's ``connect_timeout`` is
2 s at the least, and none was set), and the guard could not shut a socket it does not hold.
A new connection is therefore made in a thread of its own (``_Connecting``) while the request
thread waits for it, looking at the guard every ``TICK``: a connection still being made after
``SUSPECT`` makes the guard ask, as a checked-out one does, and once the server is taken as hung
the request gives the attempt up with ``DatabaseUnavailableError``. A session of the test suite
found it: the officer's console waited 30 s for a connection the pool was making as the server
stopped, and the guard, seeing nothing checked out, never asked.

From a request's first statement on the hung server to its 503: ``SUSPECT`` (or
``PROBE_EVERY``, the same) + ``PROBE_WAIT`` + two ``TICK`` periods at most, 0.85 s. The
probe's own connection is made when the guard starts and kept, so a probe is one round trip;
when that connection was lost (the server restarted) and the server hangs as the probe makes
a new one, the hang is found when libpq's ``connect_timeout`` ends (2 s). A
server so loaded that it takes ``PROBE_WAIT`` to answer a trivial query is taken as hung
too: requests then get a 503 until it answers the next probe, a quarter second later. A
worker too busy to read the answer in time is not: the guard's thread reads the socket itself
when it next runs, and an answer found there counts however late it is read (the bench's checks
at 1,000/s offered to a node serving 680/s got seven false 503s when a probe thread of its own
read the answer and had to wait for the interpreter lock).
The guard runs in server workers (``bootstrap.build_node(serving=True)``) on PostgreSQL only;
a SQLite file cannot hang that way. docs/availability.md has the figures.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import weakref
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError

from cta.services.ports import DatabaseUnavailableError

__all__ = ["HangGuard", "start_hang_guard"]

TICK = 0.1  # seconds between the guard's looks at the checked-out connections
SUSPECT = 0.25  # seconds a connection may be out before the server is asked if it is there
PROBE_WAIT = 0.4  # seconds the server has to answer the guard's own question
PROBE_EVERY = SUSPECT  # seconds between probes' starts
PROBE_CONNECT_TIMEOUT = 2  # libpq's connect_timeout for the probe's connection (its minimum)
# libpq's connect_timeout for the node's own connections when the URL gives none: an attempt a
# request gave up (above) ends by itself then, rather than holding its thread for good
CONNECT_TIMEOUT = 30


def start_hang_guard(engine: Engine) -> HangGuard | None:
    """Guard ``engine``'s connections (PostgreSQL only; None otherwise)."""
    if engine.dialect.name != "postgresql":
        return None
    guard = HangGuard(engine)
    guard.start()
    return guard


class HangGuard:
    """See the module's docstring. ``hung`` says why the server is taken as hung, or None."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.hung: str | None = None
        self._out: dict[int, tuple[Any, float]] = {}  # id(driver connection) -> (it, since)
        self._connecting: dict[int, float] = {}  # id(_Connecting) -> since: being made
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._probe: _Probe | None = None
        self._probed_at = -PROBE_EVERY
        self._probe_connection: Any = None  # kept between probes while the server answers
        cargs, cparams = engine.dialect.create_connect_args(engine.url)
        self._connect_args = (list(cargs), {"connect_timeout": PROBE_CONNECT_TIMEOUT, **cparams})
        event.listen(engine, "do_connect", self._connect)
        # first among the checkout's listeners: the engine's own pings a connection idle for a
        # while (``engine._ping_if_idle``), and a ping on a hung server waits as a statement
        # does, so the connection is watched from the moment it leaves the pool
        event.listen(engine, "checkout", self._checked_out, insert=True)
        event.listen(engine, "checkin", self._checked_in)
        event.listen(engine, "close", self._checked_in)
        event.listen(engine, "handle_error", self._say_why)

    def start(self) -> None:
        # the probe's connection is made now and kept: a probe is then one round trip, and a
        # connection's making (a new server process) is never what is timed
        self._probe = _Probe(self._connect_args, None)
        guard = weakref.ref(self)
        stop = self._stop
        threading.Thread(target=_watch, args=(guard, stop), name="cta-hang-guard",
                         daemon=True).start()  # fmt: skip

    def stop(self) -> None:
        """End the guard's thread and close its connection to the server."""
        self._stop.set()
        probe, self._probe = self._probe, None
        for connection in (self._probe_connection, probe.connection if probe else None):
            if connection is not None:
                with contextlib.suppress(Exception):
                    connection.close()
        self._probe_connection = None

    @property
    def asking(self) -> bool:
        """Whether a question to the server is out and its answer not yet read."""
        probe = self._probe
        return probe is not None and probe.asked_at is not None and not probe.done

    # the pool's events (request threads)

    def _connect(self, dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        """A new connection for the pool, or ``DatabaseUnavailableError`` when the server is
        taken as hung, before or while it is made (the module's docstring)."""
        if self.hung is not None:
            raise DatabaseUnavailableError(self.hung)
        attempt = _Connecting(dialect, cargs, {"connect_timeout": CONNECT_TIMEOUT, **cparams})
        with self._lock:
            self._connecting[id(attempt)] = time.monotonic()
        try:
            while not attempt.done.wait(TICK):
                if self.hung is not None:
                    attempt.give_up()
                    raise DatabaseUnavailableError(self.hung)
        finally:
            with self._lock:
                self._connecting.pop(id(attempt), None)
        return attempt.connection()

    def _checked_out(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if self.hung is not None:  # dropped; the pool's new one is refused (above)
            raise DisconnectionError(self.hung)
        with self._lock:
            self._out[id(dbapi_connection)] = (dbapi_connection, time.monotonic())

    def _checked_in(self, dbapi_connection: Any, _record: Any) -> None:
        with self._lock:
            self._out.pop(id(dbapi_connection), None)

    def _say_why(self, context: Any) -> Exception | None:
        # a statement on a connection the guard shut fails as on a dead server ("server
        # closed the connection unexpectedly"): the answer says what happened instead
        if self.hung is not None and context.is_disconnect:
            return DatabaseUnavailableError(self.hung)
        return None

    # the guard's thread

    def look(self) -> None:
        """One look: start, judge or end a probe; shut what waits on a hung server."""
        now = time.monotonic()
        with self._lock:
            for key in [k for k, (c, _since) in self._out.items() if c.closed]:
                del self._out[key]  # closed without a check-in event (invalidated)
            oldest = min((since for _c, since in self._out.values()), default=now)
            oldest = min([oldest, *self._connecting.values()])
        probe = self._probe
        if probe is not None:
            probe.step(now)  # first: an answer that came while this thread waited counts
        if probe is not None and probe.done:
            self._probe = None
            if probe.answered:
                self.hung = None
                self._probe_connection = probe.connection
            elif probe.timed_out and self.hung is None:
                self.hung = (f"the database server did not take a connection within "
                             f"{PROBE_CONNECT_TIMEOUT} s (it may hang, or the way to it is "
                             "lost)")  # fmt: skip
        elif probe is not None and probe.waited(now) > PROBE_WAIT and self.hung is None:
            self.hung = (f"the database server did not answer within {PROBE_WAIT:g} s "
                         "(it may hang, or the way to it is lost)")  # fmt: skip
            _shut(probe.connection)
        due = now - self._probed_at >= PROBE_EVERY
        if self._probe is None and due and (self.hung is not None or now - oldest > SUSPECT):
            self._probed_at = now
            connection, self._probe_connection = self._probe_connection, None
            self._probe = _Probe(self._connect_args, connection)
            self._probe.step(now)  # the question goes now on a kept connection
        if self.hung is not None:
            with self._lock:
                stuck = [c for c, since in self._out.values() if now - since > SUSPECT]
            for connection in stuck:
                _shut(connection)


def _watch(guard: weakref.ref[HangGuard], stop: threading.Event) -> None:
    # holds the guard weakly: the guard of an engine nobody holds any more ends its thread
    while not stop.wait(TICK):
        current = guard()
        if current is None:
            return
        with contextlib.suppress(Exception):  # the guard outlives its own faults
            current.look()
        del current


class _Probe:
    """The guard's question to the server. Connecting blocks (and may never return), so a new
    connection is made in a thread of its own; the question itself is sent and its answer read
    by the guard's thread without blocking (``step``), so an answer the server sent counts
    even when this process was too busy to read it in time: only a server that sent nothing
    in ``PROBE_WAIT`` is taken as hung, never a worker whose threads waited for the
    interpreter lock."""

    def __init__(self, connect_args: tuple[list[Any], dict[str, Any]], connection: Any) -> None:
        self.asked_at: float | None = None  # when the question was sent (after connecting)
        self.answered = False
        self.failed = False  # no answer will come on this connection (it is closed)
        self.timed_out = False  # connecting took libpq's connect_timeout
        self.connection = connection
        self._connected = threading.Event()
        if connection is None:
            threading.Thread(target=self._connect, args=(connect_args,),
                             name="cta-hang-probe", daemon=True).start()  # fmt: skip
        else:
            self._connected.set()

    @property
    def done(self) -> bool:
        return self.answered or self.failed

    def _connect(self, connect_args: tuple[list[Any], dict[str, Any]]) -> None:
        import psycopg  # here: a SQLite node (the default) never loads the PostgreSQL driver

        cargs, cparams = connect_args
        try:
            self.connection = psycopg.connect(*cargs, **{**cparams, "autocommit": True})
        except psycopg.OperationalError as exc:
            self.timed_out = "timeout expired" in str(exc)
            self.failed = True
        except Exception:  # any other failure: not an answer (a dead server's errors are
            self.failed = True  # the requests' own; the guard only tells hung from slow)
        finally:
            self._connected.set()

    def step(self, now: float) -> None:
        """Send the question once connected, then read what the server has sent so far."""
        if self.done or not self._connected.is_set():
            return
        import psycopg  # loaded by then (``_connect``)

        pgconn = self.connection.pgconn
        try:
            if self.asked_at is None:
                pgconn.send_query(b"SELECT pg_is_in_recovery()")
                self.asked_at = now
            pgconn.consume_input()  # what the socket holds; never waits
            while not pgconn.is_busy():
                result = pgconn.get_result()
                if result is None:  # the whole answer is in
                    self.answered = True
                    return
                if result.status != psycopg.pq.ExecStatus.TUPLES_OK:
                    raise psycopg.OperationalError(result.error_message.decode(errors="replace"))
        except Exception:
            with contextlib.suppress(Exception):
                self.connection.close()
            self.connection = None
            self.failed = True

    def waited(self, now: float) -> float:
        """Seconds the question has waited for its answer (0 while connecting)."""
        asked = self.asked_at
        return 0.0 if asked is None else now - asked


class _Connecting:
    """A connection being made in a thread of its own: a request thread waits for it and may
    give it up (``give_up``), and a connection made after that is closed, not leaked."""

    def __init__(self, dialect: Any, cargs: Any, cparams: Any) -> None:
        self.done = threading.Event()
        self._made: Any = None
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._given_up = False
        threading.Thread(target=self._make, args=(dialect, cargs, cparams),
                         name="cta-db-connect", daemon=True).start()  # fmt: skip

    def _make(self, dialect: Any, cargs: Any, cparams: Any) -> None:
        try:
            made = dialect.connect(*cargs, **cparams)
        except BaseException as exc:  # the request thread raises it
            self._error = exc
        else:
            with self._lock:
                if self._given_up:
                    with contextlib.suppress(Exception):
                        made.close()
                else:
                    self._made = made
        finally:
            self.done.set()

    def give_up(self) -> None:
        with self._lock:
            self._given_up = True
            made, self._made = self._made, None
        if made is not None:  # made just as the request gave it up
            with contextlib.suppress(Exception):
                made.close()

    def connection(self) -> Any:
        """The connection made (once ``done``), or what making it raised."""
        if self._error is not None:
            raise self._error
        return self._made


def _shut(dbapi_connection: Any) -> None:
    """End the connection's socket from outside: what waits on it fails at once."""
    if dbapi_connection is None:
        return
    try:
        fd = dbapi_connection.pgconn.socket
    except Exception:  # closed already
        return
    with contextlib.suppress(OSError):
        duplicate = socket.socket(fileno=os.dup(fd))
        try:
            duplicate.shutdown(socket.SHUT_RDWR)
        finally:
            duplicate.close()
