"""Personal data over real HTTP, on SQLite and PostgreSQL: every read or write says why
(``X-Purpose``, required, validated, audited as given), and one user cannot read traveller
files in bulk (a limit per user that holds across two worker processes, 429, an audit alarm).

Issue 11, section 4: a missing or empty purpose was audited as "border control", and tabs and
control bytes were stored as they came; one border officer's token read 317 traveller files in
1.1 s by counting ``person_id`` upward.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from cta.domain.roles import Role
from tests.integration.node_server import (
    BOTH_DATABASES,
    HOST,
    NodeServer,
    add_user,
    module_database,
    passport,
)

PER_MINUTE = 60
BURST = 20


@dataclass
class Node:
    server: NodeServer
    tokens: dict[Role, str]
    database_url: str

    def as_(self, role: Role, purpose: str | None = "personal data test") -> httpx.Client:
        return self.server.client(self.tokens[role], purpose)

    def audit(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = []
        after: int | None = 0
        with self.as_(Role.AUDITOR) as client:
            while after is not None:
                page = client.get("/v1/audit", params={"after": after, "limit": 1000}).json()
                entries += page["items"]
                after = page["next_after"]
        return entries


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def node(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Node]:
    """Two workers, so that a limit kept in one process would not hold."""
    workdir = tmp_path_factory.mktemp(f"personal-{request.param}")
    with module_database(request, workdir) as url:
        tokens = {role: add_user(url, f"{role.value}.pd", role) for role in Role}
        settings = {"CTA_PERSONAL_READS_PER_MINUTE": str(PER_MINUTE),
                    "CTA_PERSONAL_READS_BURST": str(BURST)}  # fmt: skip
        with NodeServer(url, workdir, workers=2, env=settings) as server:
            yield Node(server, tokens, url)


def entered(node: Node, nationality: str = "USA") -> int:
    body = {"mrz": passport(nationality), "crossing_point": "GEO-TBS", "direction": "entry",
            "override_reason": "test"}  # fmt: skip
    with node.as_(Role.BORDER_OFFICER, "entry at the desk") as client:
        response = client.post("/v1/crossings", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["person_id"])


def raw_request(
    server: NodeServer, method: str, path: str, token: str, purpose: str | bytes | None
) -> tuple[int, Any]:
    """A request as a hostile client sends it: httpx refuses to send a tab or a control byte
    in a header, a client on the wire does not (a purpose given as text goes as UTF-8, as
    bytes as they are)."""
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Authorization: Bearer {token}",
            "Content-Type: application/json", "Content-Length: 2", "Connection: close"]
    lines = [line.encode() for line in head]
    if purpose is not None:
        lines.append(b"X-Purpose: " + (purpose if isinstance(purpose, bytes) else purpose.encode()))
    with socket.create_connection((HOST, server.port), timeout=30) as sock:
        sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n{}")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    _, _, body = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), json.loads(body)


# -- purpose -----------------------------------------------------------------------------------

PERSONAL = [
    (Role.BORDER_OFFICER, "POST", "/v1/checks"),
    (Role.BORDER_OFFICER, "POST", "/v1/crossings"),
    (Role.BORDER_OFFICER, "POST", "/v1/refusals"),
    (Role.BORDER_OFFICER, "POST", "/v1/crossings/1/correction"),
    (Role.BORDER_OFFICER, "GET", "/v1/persons/1"),
    (Role.BORDER_OFFICER, "GET", "/v1/persons/1/stay"),
    (Role.ADMIN, "GET", "/v1/persons/1/export"),
    (Role.BORDER_OFFICER, "GET", "/v1/overstayers"),
    (Role.AUDITOR, "GET", "/v1/audit"),
    (Role.ADMIN, "POST", "/v1/retention/purge"),
    (Role.CONSULAR_OFFICER, "POST", "/v1/visas"),
    (Role.CONSULAR_OFFICER, "POST", "/v1/authorizations"),
    (Role.CONSULAR_OFFICER, "POST", "/v1/visas/1/revocation"),
    (Role.ADMIN, "PUT", "/v1/alerts/GEO-T-1"),
    (Role.ADMIN, "GET", "/v1/alerts/GEO-T-1"),
    (Role.ADMIN, "DELETE", "/v1/alerts/GEO-T-1"),
    (Role.ADMIN, "GET", "/v1/alerts"),
    (Role.BORDER_OFFICER, "POST", "/v1/screenings"),
    (Role.BORDER_OFFICER, "POST", "/v1/alert-hits"),
]

BAD_PURPOSES: dict[str, str | bytes | None] = {
    "missing": None,
    "empty": "",
    "blank": "   ",
    "a tab": "border\tcontrol",
    # (a client on the wire sends UTF-8; a C0 byte other than a tab never gets past the server's
    # HTTP parser, which answers 400 itself)
    "a control character": "border\u0085control",
    "an invisible character": "border\u200bcontrol",
    "too long": "x" * 201,
    # the sweep's C10: audited as Latin-1 letters before ("cafÃ©", "ÿþ"), and a lone accent
    "not UTF-8": b"caf\xe9 control",
    "bytes of no text": b"\xff\xfe",
    "a lone accent": "\u0301",
    "no words": "...",
}


@pytest.mark.parametrize("why", list(BAD_PURPOSES))
def test_every_personal_data_call_without_a_valid_purpose_is_refused_naming_the_header(
    node: Node, why: str
) -> None:
    before = len(node.audit())
    for role, method, path in PERSONAL:
        status, body = raw_request(node.server, method, path, node.tokens[role],
                                   BAD_PURPOSES[why])  # fmt: skip
        assert status == 422, f"{method} {path}: {status} {body}"
        assert "X-Purpose" in json.dumps(body), f"{method} {path}: {body}"
    # nothing was read or written, so nothing was audited (the auditor's reads aside)
    assert [e for e in node.audit()[before:] if e["role"] != "auditor"] == []


def test_a_missing_token_is_named_before_a_missing_purpose(node: Node) -> None:
    with node.server.client(None, None) as client:
        response = client.get("/v1/persons/1")
    assert response.status_code == 401


def test_calls_without_personal_data_need_no_purpose(node: Node) -> None:
    with node.server.client(None, None) as client:
        assert client.get("/v1/health").status_code == 200
        assert client.get("/policy/workbench").status_code == 200
    with node.as_(Role.ANALYST, None) as client:
        answer = client.get("/v1/statistics", params={"from": "2026-01-01", "to": "2026-01-31"})
    assert answer.status_code == 200, answer.text


def test_the_purpose_is_audited_as_given_trimmed(node: Node) -> None:
    person = entered(node)
    purposes = ["  secondary inspection 42  ", "визовая проверка №7 (ვიზა)"]
    for purpose in purposes:  # a client on the wire sends UTF-8
        status, body = raw_request(node.server, "GET", f"/v1/persons/{person}",
                                   node.tokens[Role.BORDER_OFFICER], purpose)  # fmt: skip
        assert status == 200, body
    reads = [e["purpose"] for e in node.audit()
             if e["person_id"] == person and e["action"] == "read traveller file"]  # fmt: skip
    assert reads == ["secondary inspection 42", "визовая проверка №7 (ვიზა)"]
    assert "border control" not in {e["purpose"] for e in node.audit()}


def test_the_openapi_document_marks_the_purpose_required_where_personal_data_is(
    node: Node,
) -> None:
    with node.server.client() as client:
        paths = client.get("/openapi.json").json()["paths"]

    def purpose_of(path: str, method: str) -> bool | None:
        for parameter in paths[path][method].get("parameters", []):
            if parameter["name"] == "X-Purpose":
                return bool(parameter["required"])
        return None

    assert purpose_of("/v1/persons/{person_id}", "get") is True
    assert purpose_of("/v1/crossings", "post") is True
    assert purpose_of("/v1/statistics", "get") is None
    assert purpose_of("/v1/health", "get") is None


# -- reads in bulk -----------------------------------------------------------------------------


def test_counting_person_ids_upward_is_stopped_and_alarmed_across_workers(node: Node) -> None:
    """The reproduction: one officer's token reads files by counting ids; after the burst the
    node answers 429 with Retry-After, and the audit log holds one alarm, not one per read."""
    first = entered(node)
    officer = add_user(node.database_url, "officer.bulk", Role.BORDER_OFFICER)
    statuses: list[int] = []
    refused: httpx.Response | None = None
    started = time.monotonic()
    with node.server.client(officer, "bulk read") as client:
        for person_id in range(first, first + 3 * BURST):
            response = client.get(f"/v1/persons/{person_id}")
            statuses.append(response.status_code)
            if response.status_code == 429 and refused is None:
                refused = response
    elapsed = time.monotonic() - started
    allowed = sum(1 for s in statuses if s != 429)
    # the burst, and one a second after it (PER_MINUTE 60): never the 60 asked for
    assert BURST <= allowed <= BURST + int(elapsed * PER_MINUTE / 60) + 1, (allowed, elapsed)
    assert refused is not None
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["content-type"].startswith("application/json")
    assert "officer.bulk" in refused.json()["detail"]
    alarms = [e for e in node.audit() if e["action"] == "personal reads over limit"]
    assert len(alarms) == 1
    assert alarms[0]["user_name"] == "officer.bulk"
    assert alarms[0]["purpose"] == "bulk read"
    assert alarms[0]["detail"]["call"] == "GET /v1/persons/{person_id}"
    # another user is not held up by this one
    with node.as_(Role.CONSULAR_OFFICER) as client:
        assert client.get(f"/v1/persons/{first}").status_code == 200
    # nor are the officer's records (they need a document, not a number)
    body = {"mrz": passport("USA"), "crossing_point": "GEO-TBS", "direction": "entry",
            "override_reason": "test"}  # fmt: skip
    with node.server.client(officer, "entry at the desk") as client:
        assert client.post("/v1/crossings", json=body).status_code == 201
