"""The link to a node's screening process: a client and a real server over a Unix socket.

The server holds an ``AlertBook`` over the in-memory twin of the store, as the screening
process does over the database; the node's use cases screen through the client, as a worker
does. tests/integration/test_screening_process.py runs the same through `cta serve`.
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from cta.adapters.screening import TIMEOUT, ScreeningClient
from cta.bootstrap import reference
from cta.domain.errors import InvalidInputError
from cta.domain.screening import ScreeningQuery
from cta.entrypoints.screening import ScreeningServer
from cta.policy.crossing_points import load_crossing_points
from cta.services.alerts import AlertBook, ScreeningUnavailableError
from cta.services.node import Node

from .conftest import NOW
from .memory_store import MemoryStore
from .test_node_alerts import ADMIN, ELCHIN, check, mammadov


@pytest.fixture
def socket_path() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="cta-test-") as folder:  # short: sun_path is 108
        yield Path(folder) / "socket"


@pytest.fixture
def server(store: MemoryStore, socket_path: Path) -> Iterator[ScreeningServer]:
    book = AlertBook()
    book.open(store)
    serving = ScreeningServer(socket_path, book, store)
    thread = threading.Thread(target=serving.serve_forever, daemon=True)
    thread.start()
    yield serving
    serving.shutdown()
    serving.server_close()
    thread.join()


@pytest.fixture
def clients(socket_path: Path) -> Iterator[Callable[..., ScreeningClient]]:
    """New clients of the socket, their connections closed after the test."""
    made: list[ScreeningClient] = []

    def client(timeout: float = TIMEOUT) -> ScreeningClient:
        made.append(ScreeningClient(socket_path, timeout))
        return made[-1]

    yield client
    for each in made:
        each.close()


@pytest.fixture
def worker(store: MemoryStore, clients: Callable[..., ScreeningClient],
           server: ScreeningServer) -> Node:  # fmt: skip
    """A node that screens through the server, as a server worker does."""
    return Node(store, reference(), load_crossing_points(), state="GEO", clock=lambda: NOW,
                alerts=clients())  # fmt: skip


def test_a_check_screened_through_the_process_sees_the_alert_put_just_before(
    worker: Node,
) -> None:
    assert check(worker)["decision"] == "admit"
    worker.put_alerts(ADMIN, [ELCHIN])  # the server's book has not seen it: the check says so
    answer = check(worker)
    assert answer["decision"] == "refer"
    assert answer["hits"] == [("GEO-2027-0001", False)]
    worker.withdraw_alert(ADMIN, "GEO-2027-0001")
    assert check(worker)["hits"] == []


def test_a_batch_is_answered_in_order_in_one_round_trip(
    worker: Node, clients: Callable[..., ScreeningClient]
) -> None:
    worker.put_alerts(ADMIN, [ELCHIN | {"category": "invalidated_document",
                                        "document_numbers": ["C01234567"]}])  # fmt: skip
    client = clients()
    with worker.store.transaction(read_only=True) as tx:
        client.current(tx)
    queries = [ScreeningQuery(document_number=n) for n in ("X1", "C01234567", "X2")]
    hits = client.screen_all(queries, date(2027, 6, 1), min_score=1.0)
    assert [[h.alert_id for h in found] for found in hits] == [[], ["GEO-2027-0001"], []]
    assert hits[1][0].kind == "document"
    assert client.ping()["alerts"] == 1
    assert client.probe().result(timeout=5) is None


def test_a_bad_query_is_an_input_error_not_an_outage(
    clients: Callable[..., ScreeningClient], server: ScreeningServer
) -> None:
    client = clients()
    with pytest.raises(InvalidInputError):
        client._ask({"at": 0, "on": "not a day", "min_score": 0.9, "queries": []}, 1.0)
    with pytest.raises(InvalidInputError, match="query 1"):
        client._ask({"at": 0, "on": None, "min_score": 0.9, "queries": [["A"]]}, 1.0)
    assert client.screen(ScreeningQuery(surname="NOBODY"), None) == []  # still connected


def test_no_process_is_a_503_reason_at_once(clients: Callable[..., ScreeningClient]) -> None:
    client = clients()
    started = time.monotonic()
    with pytest.raises(ScreeningUnavailableError, match="is not running"):
        client.screen(ScreeningQuery(surname="MAMMADOV"), None)
    assert time.monotonic() - started < 0.5
    assert "is not running" in (client.probe().result(timeout=5) or "")


def test_a_process_that_ended_is_a_503_then_a_new_one_is_used(
    store: MemoryStore, socket_path: Path, server: ScreeningServer,
    clients: Callable[..., ScreeningClient],
) -> None:
    client = clients()
    assert client.screen(ScreeningQuery(surname="MAMMADOV"), None) == []  # connected
    server.shutdown()
    server.server_close()
    socket_path.unlink()
    with pytest.raises(ScreeningUnavailableError):
        client.screen(ScreeningQuery(surname="MAMMADOV"), None)
    book = AlertBook()
    book.open(store)
    again = ScreeningServer(socket_path, book, store)  # started again, as cta serve does
    thread = threading.Thread(target=again.serve_forever, daemon=True)
    thread.start()
    try:
        assert client.screen(ScreeningQuery(surname="MAMMADOV"), None) == []
    finally:
        again.shutdown()
        again.server_close()
        thread.join()


def test_a_process_that_does_not_answer_is_a_503_within_the_timeout(
    socket_path: Path, clients: Callable[..., ScreeningClient]
) -> None:
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)  # accepts, never answers
    silent.bind(str(socket_path))
    silent.listen()
    try:
        client = clients(0.3)
        started = time.monotonic()
        with pytest.raises(ScreeningUnavailableError, match="did not answer in time"):
            client.screen(ScreeningQuery(surname="MAMMADOV"), None)
        assert time.monotonic() - started < 0.6
    finally:
        silent.close()


def test_the_client_reads_mammadov_as_the_book_does(worker: Node, store: MemoryStore) -> None:
    worker.put_alerts(ADMIN, [ELCHIN])
    book = AlertBook()
    book.open(store)
    here = check(Node(store, reference(), load_crossing_points(), state="GEO",
                      clock=lambda: NOW, alerts=book))  # fmt: skip
    assert check(worker, mammadov()) == here


def test_many_threads_connecting_at_once_are_all_answered(
    worker: Node, clients: Callable[..., ScreeningClient]
) -> None:
    """Every thread of every worker opens its own connection, and at the start of a burst
    they do it at once: none is a 503 (a full queue of connections refuses a Unix socket's
    connect at once; the client waits for the process to accept, within its timeout)."""
    worker.put_alerts(ADMIN, [ELCHIN])
    client = clients()
    query = ScreeningQuery(surname="MAMMADOV", given_names="ELCHIN")
    with worker.store.transaction(read_only=True) as tx:
        client.current(tx)
    assert len(client.screen(query, None)) == 1  # the process has applied the alert now
    start = threading.Barrier(64)
    failures: list[BaseException] = []
    answered: list[int] = []

    def screen() -> None:
        start.wait()
        try:
            answered.append(len(client.screen(query, None)))
        except BaseException as exc:
            failures.append(exc)
        finally:
            client.close()  # this thread's connection

    threads = [threading.Thread(target=screen) for _ in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[:3]
    assert answered == [1] * 64
