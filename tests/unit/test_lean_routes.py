"""``POST /v1/checks`` and ``POST /v1/crossings`` answered by their lean routes
(cta.entrypoints.api.lean) say exactly what FastAPI's routes say: the same status, body and
headers for good requests and for every kind of bad one, which a lean route hands to FastAPI's
route unchanged. Two twin nodes on the in-memory store (same users, same clock) get the same
requests in the same order, one through the app, one through the app without its lean routes;
the API's own tests go through a real server."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from typing import Any

import httpx
import pytest

from cta.bootstrap import reference
from cta.domain.documents import DocumentFields, DocumentType, generate_mrz
from cta.domain.roles import Role
from cta.entrypoints.api.app import create_app
from cta.entrypoints.api.lean import LeanRoute
from cta.policy.crossing_points import load_crossing_points
from cta.services.node import Node
from cta.services.node.core import hash_token
from tests.unit.node.conftest import NOW
from tests.unit.node.memory_store import MemoryStore

OFFICER, ANALYST = "officer-token-of-the-lean-test", "analyst-token-of-the-lean-test"


def _passport(nationality: str, number: str = "L1234567") -> list[str]:
    return list(generate_mrz(DocumentFields(
        DocumentType.TD3, "P", nationality, "LEANOVA", "ANNA", number, nationality,
        date(1990, 5, 17), "F", date(2031, 1, 1),
    )))  # fmt: skip


PASSPORT = _passport("USA")
CHECK = {"mrz": PASSPORT, "crossing_point": "GEO-TBS", "direction": "entry"}
VISA_ALONE = {"visa_mrz": PASSPORT, "crossing_point": "GEO-TBS", "direction": "entry"}


def _node() -> Node:
    node = Node(MemoryStore(), reference(), load_crossing_points(), state="GEO",
                clock=lambda: NOW)  # fmt: skip
    with node.store.transaction() as tx:
        tx.add_user("officer.lean", Role.BORDER_OFFICER.value, hash_token(OFFICER), NOW)
        tx.add_user("analyst.lean", Role.ANALYST.value, hash_token(ANALYST), NOW)
    return node


def _lean_routes(app: Any) -> list[Any]:
    return [r for r in app.router.routes if isinstance(getattr(r, "app", None), LeanRoute)]


@pytest.fixture
def apps() -> tuple[Any, Any]:
    """The app of a node, and the app of its twin without the lean routes (FastAPI's alone)."""
    lean, plain = create_app(_node()), create_app(_node())
    for route in _lean_routes(plain):
        plain.router.routes.remove(route)
    return lean, plain


@pytest.fixture(scope="module")
def app() -> Any:
    return create_app(_node())


def _ask(app: Any, method: str, path: str, headers: dict[str, Any],
         content: bytes) -> httpx.Response:  # fmt: skip
    async def asked() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.request(method, path, headers=headers, content=content)

    return asyncio.run(asked())


Case = tuple[str, dict[str, Any], bytes]
AUTH = {"Authorization": f"Bearer {OFFICER}", "X-Purpose": "border check",
        "Content-Type": "application/json"}  # fmt: skip


def _with(body: Any = CHECK, **headers: Any) -> Case:
    merged = {k: v for k, v in (AUTH | headers).items() if v is not None}
    return "POST", merged, body if isinstance(body, bytes) else json.dumps(body).encode()


def _common_cases() -> dict[str, Case]:
    """Good and bad requests that mean the same to both routes."""
    return {
        "a good one": _with(),
        "an exit": _with(CHECK | {"direction": "exit"}),
        "a purpose in UTF-8": _with(**{"X-Purpose": "визовая проверка".encode()}),
        "json with a charset": _with(**{"Content-Type": "application/json; charset=utf-8"}),
        "a member national": _with(CHECK | {"mrz": _passport("GEO", "M7654321")}),
        "no token": _with(Authorization=None),
        "basic, not bearer": _with(Authorization=f"Basic {OFFICER}"),
        "bearer and nothing": _with(Authorization="Bearer "),
        "an unknown token": _with(Authorization="Bearer not-a-token"),
        "a role that may not": _with(Authorization=f"Bearer {ANALYST}"),
        "no purpose": _with(**{"X-Purpose": None}),
        "an empty purpose": _with(**{"X-Purpose": "  "}),
        "a purpose too long": _with(**{"X-Purpose": "x" * 300}),
        "not JSON": _with(b'{"mrz": ['),
        "JSON said to be text": _with(json.dumps(CHECK).encode(), **{"Content-Type": "text/plain"}),
        "no content type": _with(json.dumps(CHECK).encode(), **{"Content-Type": None}),
        "an empty body": _with(b""),
        "a list": _with([CHECK]),
        "an unknown field": _with(CHECK | {"colour": "blue"}),
        "a visa without the passport": _with(VISA_ALONE),
        "a bad direction": _with(CHECK | {"direction": "sideways"}),
        "a bad date": _with(CHECK | {"planned_exit": "2027-02-30"}),
        "a malformed MRZ": _with(CHECK | {"mrz": ["P<USA", "123"]}),
        "an unknown point": _with(CHECK | {"crossing_point": "GEO-NOWHERE"}),
        "invalid UTF-8": _with(b'{"mrz": "\xff\xfe"}'),
        "a key twice": _with(json.dumps(CHECK)[:-1].encode() + b', "direction": "exit"}'),
        "a GET": ("GET", AUTH, b""),
    }


def _crossing_cases() -> dict[str, Case]:
    """Requests only an entry or exit has: its idempotency key, its time, an override."""
    entry = CHECK | {"mrz": _passport("GBR", "E1112223")}
    exit_ = entry | {"direction": "exit"}
    return {
        "an entry with a key": _with(entry, **{"Idempotency-Key": "lean-1"}),
        "the same key again": _with(entry, **{"Idempotency-Key": "lean-1"}),
        "the same key, another body": _with(exit_, **{"Idempotency-Key": "lean-1"}),
        "an empty key": _with(**{"Idempotency-Key": ""}),
        "a key too long": _with(**{"Idempotency-Key": "k" * 201}),
        "a time": _with(CHECK | {"occurred_at": "2027-06-01T09:00:00+04:00"}),
        "a time without its offset": _with(CHECK | {"occurred_at": "2027-06-01T09:00:00"}),
        "an override": _with(CHECK | {"override_reason": "the supervisor agreed"}),
    }


@pytest.mark.parametrize(("path", "cases"), [
    ("/v1/checks", _common_cases()), ("/v1/crossings", _common_cases() | _crossing_cases()),
])  # fmt: skip
def test_every_answer_is_the_one_fastapi_s_route_gives(
    apps: tuple[Any, Any], path: str, cases: dict[str, Case]
) -> None:
    for name, (method, headers, content) in cases.items():
        lean = _ask(apps[0], method, path, headers, content)
        plain = _ask(apps[1], method, path, headers, content)
        assert (lean.status_code, lean.json()) == (plain.status_code, plain.json()), name
        for header in ("www-authenticate", "allow", "content-type", "x-content-type-options"):
            assert lean.headers.get(header) == plain.headers.get(header), (name, header)
    assert any(_lean_routes(apps[0])[i].app.answered for i in (0, 1))


@pytest.mark.parametrize(("name", "status", "lean"), [
    ("a good one", 200, True), ("a purpose in UTF-8", 200, True),
    ("json with a charset", 200, True), ("a malformed MRZ", 422, True),  # the node says why
    ("a role that may not", 403, True),  # the token is valid: the node refuses the role
    ("no token", 401, False), ("no purpose", 422, False), ("not JSON", 422, False),
    ("no content type", 422, False), ("an unknown field", 422, False),
    ("a key twice", 422, False),
])  # fmt: skip
def test_requests_in_order_are_the_lean_route_s_and_others_fastapi_s(
    app: Any, name: str, status: int, lean: bool
) -> None:
    """The lean route answers a request in order whatever the node decides; any other is
    FastAPI's (the token of the role that may not is cached by a first call)."""
    route = next(r.app for r in _lean_routes(app) if r.path == "/v1/checks")
    method, headers, content = _common_cases()[name]
    _ask(app, method, "/v1/checks", headers, content)  # the token is cached now
    before = route.answered
    response = _ask(app, method, "/v1/checks", headers, content)
    assert response.status_code == status, response.text
    assert route.answered == before + lean


@pytest.mark.parametrize("path", ["/v1/checks", "/v1/crossings", "/v1/screenings",
                                  "/v1/carrier-checks", "/v1/applications"])  # fmt: skip
def test_a_key_given_twice_is_named_not_taken_last_or_first(app: Any, path: str) -> None:
    """JSON leaves an object of a repeated key to the reader; the API refuses it on every
    route, app-level or a router's (api/once.py), naming the key and its second place."""
    body = b'{"mrz": ["A", "B"],\n "direction": "entry", "direction": "exit"}'
    response = _ask(app, "POST", path, AUTH | {"Idempotency-Key": "twice"}, body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == [{"field": "body", "message": (
        "key 'direction' appears twice in one object (line 2 column 24): give each key once")}]


@pytest.mark.parametrize(("day", "said"), [
    ("0001-01-01", "the date 0001-01-01 is before 1900-01-01: days run from 1900-01-01 to "
                   "2999-12-31"),
    ("9999-12-31", "the date 9999-12-31 is after 2999-12-31: days run from 1900-01-01 to "
                   "2999-12-31"),
])  # fmt: skip
def test_a_day_outside_the_calendar_is_said_as_a_day_not_as_python(
    app: Any, day: str, said: str
) -> None:
    """The sweep's REC-C1: ``Input should be greater than or equal to datetime.date(1900, 1,
    1)`` before."""
    response = _ask(app, "POST", "/v1/checks", AUTH, json.dumps(CHECK | {"planned_exit": day})
                    .encode())  # fmt: skip
    assert response.status_code == 422
    assert response.json()["detail"] == [{"field": "body.planned_exit", "message": said}]
