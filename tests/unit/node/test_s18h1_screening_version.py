"""The screening socket's protocol version (review R8): a worker and a screening process of
different installs (an upgrade in place of a running node) refuse each other's lines at once,
naming both versions, and the node answers 503 with that reason, never a wrong answer.

A process "of the install before versions" is a stand-in that answers as protocol 1 did (no
``v``, a hit's reasons as sentences): the code of that install is not in this one. The current
side of each meeting is the real client or the real ``ScreeningServer``, over a Unix socket."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from cta.adapters.screening import PROTOCOL, ScreeningClient, ScreeningVersionError
from cta.bootstrap import reference
from cta.domain.roles import Role
from cta.domain.screening import ScreeningQuery
from cta.entrypoints.api.app import create_app
from cta.entrypoints.screening import ScreeningServer
from cta.policy.crossing_points import load_crossing_points
from cta.services.node import Node
from cta.services.node.core import hash_token

from .conftest import NOW
from .memory_store import MemoryStore
from .test_node_alerts import ADMIN, ELCHIN, check, mammadov
from .test_screening_link import clients, server, socket_path  # noqa: F401 (fixtures)

# what a process of protocol 1 answered a check of Mammadov: a reason as an English sentence
OLD_HIT = ["GEO-2027-0001", 0.97, ["the name Elçin Məmmədov is close to MAMMADOV ELCHIN"],
           "person", "refuse_entry"]  # fmt: skip


def _answering(path: Path, answer: Callable[[dict[str, object]], dict[str, object]]
               ) -> socketserver.UnixStreamServer:  # fmt: skip
    """A process on ``path`` that answers each request line with ``answer(request)``."""

    class Lines(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            for line in self.rfile:
                self.wfile.write(json.dumps(answer(json.loads(line))).encode() + b"\n")

    serving = socketserver.ThreadingUnixStreamServer(str(path), Lines)
    serving.daemon_threads = True
    threading.Thread(target=serving.serve_forever, daemon=True).start()
    return serving


def _as_before_versions(request: dict[str, object]) -> dict[str, object]:
    if request.get("op") == "ping":
        return {"alerts": 1, "seen": 1, "pid": 1}
    return {"hits": [[OLD_HIT] for _ in request["queries"]]}  # type: ignore[attr-defined]


@pytest.fixture
def old_process(socket_path: Path) -> Iterator[socketserver.UnixStreamServer]:  # noqa: F811
    serving = _answering(socket_path, _as_before_versions)
    yield serving
    serving.shutdown()
    serving.server_close()


def test_every_answer_of_the_process_names_its_protocol(
    server: ScreeningServer,  # noqa: F811
    clients: Callable[..., ScreeningClient],  # noqa: F811
) -> None:
    client = clients()
    assert client.ping()["v"] == PROTOCOL == 2
    assert client.screen(ScreeningQuery(surname="MAMMADOV"), None) == []
    assert server.answer(b"not json")["v"] == PROTOCOL


def test_a_process_of_the_install_before_versions_is_refused_naming_both(
    old_process: socketserver.UnixStreamServer,
    clients: Callable[..., ScreeningClient],  # noqa: F811
) -> None:
    """Its sentences would have been taken as reasons with no code (from_wire takes a
    sentence): no page could word them; here nothing it says is read."""
    client = clients()
    words = ("this worker speaks screening protocol 2 and the node's screening process "
             "protocol 1 (no version written): they are of different installs")  # fmt: skip
    with pytest.raises(ScreeningVersionError, match=re.escape(words)):
        client.screen(ScreeningQuery(surname="MAMMADOV"), None)
    with pytest.raises(ScreeningVersionError, match="restart cta serve"):
        client.ping()
    assert "protocol 1" in (client.probe().result(timeout=5) or "")  # /v1/health says so


def test_a_process_of_a_later_protocol_is_refused_naming_its_version(
    socket_path: Path,  # noqa: F811
    clients: Callable[..., ScreeningClient],  # noqa: F811
) -> None:
    later = _answering(socket_path, lambda _: {"v": 3, "hits": [[]]})
    try:
        with pytest.raises(ScreeningVersionError, match="protocol 2 and the node's screening "
                                                        "process protocol 3"):
            clients().screen(ScreeningQuery(surname="MAMMADOV"), None)
    finally:
        later.shutdown()
        later.server_close()


def test_a_worker_of_the_install_before_versions_is_answered_an_error_naming_both(
    server: ScreeningServer, socket_path: Path  # noqa: F811
) -> None:
    """Such a worker reads an error of any kind but ``invalid`` as its 503 with the reason."""
    old_request = {"at": 0, "on": None, "limit": 10, "min_score": 0.85,
                   "queries": [["MAMMADOV", "", None, None, None, None, None, None]]}
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(5)
        connection.connect(str(socket_path))
        connection.sendall(json.dumps(old_request).encode() + b"\n")
        answer = json.loads(connection.makefile("rb").readline())
    assert answer["kind"] == "version" and "hits" not in answer
    assert answer["error"] == (
        "the node's screening process speaks screening protocol 2 and this worker protocol 1 "
        "(no version written): they are of different installs (an upgrade in place?); restart "
        "cta serve so that both are of one")


def test_the_node_answers_a_check_503_naming_the_versions_not_a_wrong_answer(
    store: MemoryStore, old_process: socketserver.UnixStreamServer,
    clients: Callable[..., ScreeningClient],  # noqa: F811
) -> None:
    worker = Node(store, reference(), load_crossing_points(), state="GEO", clock=lambda: NOW,
                  alerts=clients())  # a worker of this install  # fmt: skip
    worker.put_alerts(ADMIN, [ELCHIN])
    with pytest.raises(ScreeningVersionError):
        check(worker, mammadov())
    with worker.store.transaction() as tx:
        tx.add_user("officer.version", Role.BORDER_OFFICER.value, hash_token("a-token-of-r8"), NOW)

    async def asked() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(worker))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.post("/v1/checks", json={
                "mrz": mammadov(), "crossing_point": "GEO-TBS", "direction": "entry"},
                headers={"Authorization": "Bearer a-token-of-r8", "X-Purpose": "border check"})

    answered = asyncio.run(asked())
    assert answered.status_code == 503, answered.text
    assert ("this worker speaks screening protocol 2 and the node's screening process protocol 1"
            in answered.json()["detail"])
