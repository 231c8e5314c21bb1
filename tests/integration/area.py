"""Three real nodes on loopback (AZE, ARM, GEO) federated: keys, one federation file, servers.

Each node is a ``cta serve`` process with its own database (SQLite files, or databases of one
PostgreSQL server), its own key pair and fixed port (its endpoint in the federation file).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from cta.domain.roles import Role
from cta.federation.keys import generate_private_key, key_files, public_key_text, write_key_pair
from cta.federation.members import member_snippet
from tests.integration.node_server import NodeServer, add_user, free_port

STATES = ("AZE", "ARM", "GEO")
POINT = {"AZE": "AZE-GYD", "ARM": "ARM-EVN", "GEO": "GEO-TBS"}  # an airport of each


@dataclass
class Member:
    state: str
    server: NodeServer
    url: str
    token: str  # a border officer's
    auditor: str

    def client(self) -> httpx.Client:
        return self.server.client(self.token, "federation test")

    def get(self, path: str, **params: Any) -> Any:
        with self.client() as client:
            response = client.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        with self.client() as client:
            return client.post(path, json=body)


@contextmanager
def area(workdir: Path, url_of: Callable[[str], str], workers: int = 1) -> Iterator[
    dict[str, Member]
]:  # fmt: skip
    """Start the three nodes; yield them by state; stop them all at the end."""
    ports = {state: free_port() for state in STATES}
    since = datetime.now(UTC) - timedelta(days=1)
    keys = workdir / "keys"
    members = []
    for state in STATES:
        key = generate_private_key()
        write_key_pair(key, key_files(keys, state))
        members.append(member_snippet(state, public_key_text(key),
                                      f"http://127.0.0.1:{ports[state]}", since))  # fmt: skip
    nodes: dict[str, Member] = {}
    try:
        for state in STATES:
            file = workdir / f"federation-{state}.toml"
            file.write_text(f'node = "{state}"\n\n' + "\n".join(members), encoding="utf-8")
            url = url_of(state)
            token = add_user(url, f"officer.{state.lower()}", Role.BORDER_OFFICER)
            auditor = add_user(url, f"auditor.{state.lower()}", Role.AUDITOR)
            server = NodeServer(url, workdir / state, workers=workers, state=state,
                                port=ports[state], fixed_port=True,
                                env={"CTA_FEDERATION_FILE": str(file),
                                     "CTA_KEYS_DIR": str(keys)})  # fmt: skip
            server.start()
            nodes[state] = Member(state, server, url, token, auditor)
        yield nodes
    finally:
        for node in nodes.values():
            node.server.stop()


def wait_until(condition: Callable[[], bool], seconds: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds:.0f} s: {what}")
