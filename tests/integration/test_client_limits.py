"""The applicants' allowances per client address, and the client behind a trusted proxy,
through a real ``cta serve`` on SQLite and PostgreSQL (docs/applications.md, "Limits").

The node trusts 127.0.0.1 as its reverse proxy; a client connecting from 127.0.0.2 (another
loopback address) is an untrusted peer, whose ``X-Forwarded-For`` must be ignored.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select

from cta.adapters.storage import tables as t
from cta.entrypoints.api.clients import client_address, parse_networks

from .node_server import BOTH_DATABASES, NodeServer, module_database
from .test_applications_api import form

SUBMISSIONS = 3  # CTA_APPLICATIONS_PER_MINUTE (and its burst)
READS = 4  # CTA_APPLICATION_READS_PER_MINUTE (and its burst)
PROXY, OTHER_PEER = "127.0.0.1", "127.0.0.2"


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def node(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NodeServer, str]]:  # fmt: skip
    workdir = tmp_path_factory.mktemp(f"client-limits-{request.param}")
    env = {"CTA_APPLICATIONS_PER_MINUTE": str(SUBMISSIONS),
           "CTA_APPLICATION_READS_PER_MINUTE": str(READS), "CTA_TRUSTED_PROXIES": PROXY}
    with module_database(request, workdir) as url, NodeServer(url, workdir, env=env) as server:
        yield server, url


def _client(server: NodeServer, peer: str) -> httpx.Client:
    """A client whose connections come from ``peer`` (a loopback address)."""
    return httpx.Client(base_url=server.base_url, timeout=30.0,
                        transport=httpx.HTTPTransport(local_address=peer))  # fmt: skip


def _submit(client: httpx.Client, forwarded: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    if forwarded is not None:
        headers["X-Forwarded-For"] = forwarded
    return client.post("/v1/applications", json=form(), headers=headers)


def _statuses(client: httpx.Client, times: int, forwarded: Any) -> list[int]:
    return [_submit(client, forwarded(n)).status_code for n in range(times)]


def test_a_client_submitting_too_fast_is_refused_with_429_and_retry_after(
    node: tuple[NodeServer, str],
) -> None:
    server, url = node
    with _client(server, PROXY) as client:
        statuses = _statuses(client, SUBMISSIONS, lambda n: "198.51.100.1")
        over = _submit(client, "198.51.100.1")
    assert statuses == [201] * SUBMISSIONS
    assert over.status_code == 429 and int(over.headers["Retry-After"]) >= 1
    assert f"{SUBMISSIONS} a minute" in over.json()["detail"]
    engine = create_engine(url)
    with engine.connect() as connection:
        a = t.audit_log.c
        alarms = [detail for (detail,) in connection.execute(select(a.detail).where(
            a.user_name == "applicant", a.action == "personal reads over limit"))]
    engine.dispose()
    assert {"client": "198.51.100.1", "call": "submit application",
            "limit": f"{SUBMISSIONS} a minute, {SUBMISSIONS} at once"} in alarms


def test_behind_the_trusted_proxy_each_applicant_has_an_allowance_of_their_own(
    node: tuple[NodeServer, str],
) -> None:
    server, _ = node
    with _client(server, PROXY) as client:
        # as many clients as submissions: one each, none refused
        statuses = _statuses(client, SUBMISSIONS * 2, lambda n: f"198.51.100.{10 + n}")
    assert statuses == [201] * (SUBMISSIONS * 2)


def test_an_untrusted_peers_forwarded_header_is_ignored(node: tuple[NodeServer, str]) -> None:
    server, _ = node
    with _client(server, OTHER_PEER) as client:
        statuses = _statuses(client, SUBMISSIONS + 1, lambda n: f"203.0.113.{n}")
    assert statuses == [201] * SUBMISSIONS + [429]


def test_addresses_left_of_the_proxys_own_are_not_believed(node: tuple[NodeServer, str]) -> None:
    """A client sends its own X-Forwarded-For; the proxy appends the address it saw."""
    server, _ = node
    with _client(server, PROXY) as client:
        statuses = _statuses(client, SUBMISSIONS + 1, lambda n: f"192.0.2.{n}, 198.51.100.50")
    assert statuses == [201] * SUBMISSIONS + [429]


def test_reads_have_an_allowance_of_their_own_set_by_the_setting(
    node: tuple[NodeServer, str],
) -> None:
    server, _ = node
    with _client(server, PROXY) as client:
        answer = _submit(client, "198.51.100.60").json()
        while _submit(client, "198.51.100.60").status_code != 429:
            pass  # submissions used up: reads are counted apart
        headers = {"X-Access-Code": answer["access_code"], "X-Forwarded-For": "198.51.100.60"}
        reads = [client.get(f"/v1/applications/{answer['number']}", headers=headers).status_code
                 for _ in range(READS + 1)]  # fmt: skip
    assert reads == [200] * READS + [429]


@pytest.mark.parametrize(("peer", "forwarded", "client"), [
    ("127.0.0.1", [], "127.0.0.1"),
    ("127.0.0.1", ["198.51.100.7"], "198.51.100.7"),
    ("127.0.0.1", ["1.2.3.4, 198.51.100.7"], "198.51.100.7"),
    ("127.0.0.1", ["1.2.3.4", "198.51.100.7"], "198.51.100.7"),  # two headers: one list
    ("127.0.0.1", ["198.51.100.7, 10.1.2.3"], "198.51.100.7"),  # a second trusted proxy
    ("127.0.0.1", ["10.1.2.3"], "10.1.2.3"),  # only proxies: the farthest
    ("127.0.0.1", ["198.51.100.7, bogus"], "127.0.0.1"),  # garbage: the last hop known
    ("127.0.0.1", ["2001:db8::1"], "2001:db8::1"),
    ("192.0.2.1", ["198.51.100.7"], "192.0.2.1"),  # an untrusted peer names no one
])  # fmt: skip
def test_the_client_is_the_right_most_untrusted_address(peer: str, forwarded: list[str],
                                                       client: str) -> None:  # fmt: skip
    trusted = parse_networks("127.0.0.1, 10.0.0.0/8")
    assert client_address(peer, forwarded, trusted) == client


def test_no_trusted_proxy_means_the_peer_is_the_client() -> None:
    assert client_address("127.0.0.1", ["198.51.100.7"], ()) == "127.0.0.1"


def test_a_trusted_proxy_that_is_not_an_address_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match=r"'10\.0\.0\.300' is not an IP address"):
        parse_networks("10.0.0.1, 10.0.0.300")
