"""Three real nodes on loopback (AZE, ARM, GEO) federated: keys, one federation file, servers.

Each node is a ``cta serve`` process with its own database (SQLite files, or databases of one
PostgreSQL server), its own key pair, TLS certificate and fixed port (its ``https://`` endpoint
in the federation file, which pins its certificate). With ``relay=True`` every pull passes
through one ``peer_relay`` process, whose routes a test cuts or spoils (``links``); it too
speaks TLS, with a certificate of its own that the nodes' federation files pin for the peers
reached through it (a middlebox the area trusts, as a TLS-terminating proxy would be), and it
pulls from the real nodes pinning theirs. ``heads``, ``record_hashes``, ``in_sync`` read the
nodes' databases.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select

from cta.adapters.storage import tables as t
from cta.domain.roles import Role
from cta.federation.keys import generate_private_key, key_files, public_key_text, write_key_pair
from cta.federation.members import member_snippet
from cta.federation.tls import (
    TlsFiles,
    certificate_context,
    default_hosts,
    make_certificate,
    tls_files,
    write_tls_files,
)
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
    relay: str | None = None  # the relay every pull passes through, when there is one
    relay_tls: Path | None = None  # the relay's certificate

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
def area(
    workdir: Path, url_of: Callable[[str], str], workers: int = 1, *, relay: bool = False
) -> Iterator[dict[str, Member]]:
    """Start the three nodes; yield them by state; stop them all at the end."""
    ports = {state: free_port() for state in STATES}
    since = datetime.now(UTC) - timedelta(days=1)
    keys = workdir / "keys"
    public, pins = {}, {}
    for state in STATES:
        key = generate_private_key()
        write_key_pair(key, key_files(keys, state))
        public[state] = public_key_text(key)
        pins[state] = write_tls_files(*make_certificate(state, default_hosts("127.0.0.1")),
                                      tls_files(keys, state))  # fmt: skip
    relay_tls = tls_files(workdir, "relay")
    relay_pin = write_tls_files(*make_certificate("relay", ["127.0.0.1"]), relay_tls)
    relay_url, relay_process = (_start_relay(workdir, keys, ports, relay_tls) if relay
                                else (None, None))  # fmt: skip

    def endpoint(viewer: str, state: str) -> tuple[str, str]:
        if relay_url is None or viewer == state:
            return f"https://127.0.0.1:{ports[state]}", pins[state]
        return f"{relay_url}/{viewer}-{state}", relay_pin

    def entry(viewer: str, state: str) -> str:
        url, pin = endpoint(viewer, state)
        return member_snippet(state, public[state], url, since, pin)

    nodes: dict[str, Member] = {}
    try:
        for state in STATES:
            members = [entry(state, s) for s in STATES]
            file = workdir / f"federation-{state}.toml"
            file.write_text(f'node = "{state}"\n\n' + "\n".join(members), encoding="utf-8")
            url = url_of(state)
            token = add_user(url, f"officer.{state.lower()}", Role.BORDER_OFFICER)
            auditor = add_user(url, f"auditor.{state.lower()}", Role.AUDITOR)
            server = NodeServer(url, workdir / state, workers=workers, state=state,
                                port=ports[state], fixed_port=True,
                                tls=tls_files(keys, state).certificate,
                                env={"CTA_FEDERATION_FILE": str(file),
                                     "CTA_KEYS_DIR": str(keys),
                                     # one token reads for many officers' travellers here
                                     "CTA_PERSONAL_READS_PER_MINUTE": "100000",
                                     "CTA_PERSONAL_READS_BURST": "100000",
                                     # every test's applicants come from one address
                                     "CTA_APPLICATIONS_PER_MINUTE": "100000"})  # fmt: skip
            server.start()
            nodes[state] = Member(state, server, url, token, auditor, relay_url,
                                  relay_tls.certificate if relay_url else None)  # fmt: skip
        yield nodes
    finally:
        for node in nodes.values():
            node.server.stop()
        if relay_process is not None:
            relay_process.terminate()
            relay_process.wait(10)


def _start_relay(
    workdir: Path, keys: Path, ports: Mapping[str, int], tls: TlsFiles
) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    upstream = [f"{s}=https://127.0.0.1:{ports[s]}" for s in STATES]
    with (workdir / "relay.log").open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "tests.integration.peer_relay",
                                    "--port", str(port), "--keys", str(keys),
                                    "--tls-cert", str(tls.certificate), "--tls-key", str(tls.key),
                                    "--upstream", *upstream],
                                   stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    url = f"https://127.0.0.1:{port}"
    verify = certificate_context(tls.certificate, "the relay")

    def up() -> bool:
        try:
            return httpx.get(f"{url}/modes", timeout=1.0, verify=verify).status_code == 200
        except httpx.TransportError:
            return process.poll() is not None  # dead: say so below

    wait_until(up, 30, "the relay answers")
    assert process.poll() is None, (workdir / "relay.log").read_text()
    return url, process


def links(nodes: Mapping[str, Member], modes: Mapping[tuple[str, str], str]) -> None:
    """Set relay routes: ``{("GEO", "ARM"): "down"}`` is GEO's pull of ARM's records."""
    first = next(iter(nodes.values()))
    assert first.relay is not None and first.relay_tls is not None, "an area without relay"
    body = {f"{viewer}-{origin}": mode for (viewer, origin), mode in modes.items()}
    verify = certificate_context(first.relay_tls, "the relay")
    assert httpx.post(f"{first.relay}/modes", json=body, timeout=10,
                      verify=verify).status_code == 200  # fmt: skip


def cut_off(nodes: Mapping[str, Member], state: str, mode: str = "down") -> None:
    """Every link to and from ``state`` in ``mode`` (``pass`` heals them)."""
    links(nodes, {pair: mode for other in STATES if other != state
                  for pair in ((state, other), (other, state))})  # fmt: skip


def mend(nodes: Mapping[str, Member]) -> None:
    """After a test: every node serving again and every link honest, so that a test that failed
    with a node stopped or a link cut leaves the next tests of the module a whole area (one
    failure, not a cascade of "not within 60 s" in every test after it)."""
    for node in nodes.values():
        if node.server.process is None or node.server.process.poll() is not None:
            node.server.start()
    if any(node.relay is not None for node in nodes.values()):
        links(nodes, {(viewer, origin): "pass" for viewer in STATES for origin in STATES
                      if viewer != origin})  # fmt: skip


def read_rows(node: Member, query: Any) -> list[Any]:
    """Rows of a query on a node's database, read directly (not through its API)."""
    engine = create_engine(node.url)
    try:
        with engine.connect() as c:
            return list(c.execute(query))
    finally:
        engine.dispose()


def heads(node: Member) -> dict[str, int]:
    """Each origin's last record the node holds."""
    return {o: int(s) for o, s in read_rows(node, select(t.chain_heads.c.origin,
                                                     t.chain_heads.c.seq))}  # fmt: skip


def unsealed(node: Member) -> int:
    """Rows of the node's outbox not sealed into records yet."""
    h = t.chain_heads.c
    sealed = select(h.outbox_seq).where(h.origin == node.state).scalar_subquery()
    query = (
        select(func.count()).select_from(t.outbox).where(t.outbox.c.seq > func.coalesce(sealed, 0))
    )
    return int(read_rows(node, query)[0][0])


def record_hashes(node: Member) -> set[tuple[str, int, str]]:
    """(origin, seq, hash) of every record the node holds."""
    rows = read_rows(node, select(t.records.c.origin, t.records.c.seq, t.records.c.hash))
    return {(o, int(s), h) for o, s, h in rows}


def in_sync(nodes: Mapping[str, Member]) -> bool:
    """Every outbox sealed, and every node holding every origin's last record."""
    if any(unsealed(n) for n in nodes.values()):
        return False
    seen = [heads(n) for n in nodes.values()]
    own = {state: seen[i].get(state, 0) for i, state in enumerate(nodes)}
    return all(h.get(state, 0) == own[state] for h in seen for state in nodes)


def wait_until(condition: Callable[[], bool], seconds: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds:.0f} s: {what}")


def area_on(
    request: Any, tmp_path_factory: Any, name: str, **options: Any
) -> Iterator[dict[str, Member]]:
    """A module fixture's body: the three nodes on SQLite files or on databases of the
    session's PostgreSQL server (``request.param``), dropped at the end."""
    workdir = tmp_path_factory.mktemp(f"{name}-{request.param}")
    created: list[str] = []
    pg = request.getfixturevalue("postgres_server") if request.param == "postgresql" else None

    def url_of(state: str) -> str:
        if pg is None:
            return f"sqlite:///{workdir / state / 'node.sqlite'}"
        database = f"{name[0]}_{state.lower()}_{uuid.uuid4().hex[:12]}"
        created.append(database)
        return str(pg.create_database(database))

    try:
        with area(workdir, url_of, **options) as members:
            yield members
    finally:
        for database in created:
            pg.drop_database(database)
