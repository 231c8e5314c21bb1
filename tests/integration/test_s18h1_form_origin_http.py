"""Login CSRF through a planted token, over real HTTP from a real ``cta serve``: a form whose
token matches is still refused (the 403 page of a bad token) when the browser says another
site sent it (``Sec-Fetch-Site`` not same-origin nor none, or an ``Origin`` that is not the
node's, ``null`` included), on the sign-in and on a console form; a form from the node's own
page is taken, and so is one with neither header (an old browser, curl). Behind a trusted
proxy the origin it was reached at is the node's too; from any other peer its headers name
nothing."""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from cta.adapters.storage import tables as t
from cta.domain.roles import Role
from tests.integration.node_server import NodeServer, add_user
from tests.integration.web_client import csrf_token, signed_in

REFUSED = "was sent from a page of another site, so it was not taken"
_USERS = itertools.count(1)
ANOTHER_SITE = [
    {"Origin": "https://evil.example"},
    {"Origin": "null", "Sec-Fetch-Site": "cross-site"},  # a sandboxed page of another site
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain: the planter of the cookie
    {"Sec-Fetch-Site": "same-origin", "Origin": "https://evil.example"},
    {"Sec-Fetch-Site": "cross-site", "Origin": "{own}"},
]


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeServer]:
    workdir = tmp_path_factory.mktemp("origin-node")
    with NodeServer(f"sqlite:///{workdir / 'node.sqlite'}", workdir) as server:
        yield server


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeServer]:
    """A node behind a reverse proxy on this machine (``CTA_TRUSTED_PROXIES``)."""
    workdir = tmp_path_factory.mktemp("origin-proxied")
    with NodeServer(f"sqlite:///{workdir / 'node.sqlite'}", workdir,
                    env={"CTA_TRUSTED_PROXIES": "127.0.0.1"}) as server:  # fmt: skip
        yield server


def _headers(node: NodeServer, headers: dict[str, str]) -> dict[str, str]:
    return {name: value.replace("{own}", node.base_url) for name, value in headers.items()}


def _sign_in(node: NodeServer, headers: dict[str, str]) -> httpx.Response:
    """The sign-in form of a new browser, posted with its good form token and a good user's
    token, and ``headers``."""
    token = add_user(node.database_url, f"officer.origin.{next(_USERS)}", Role.BORDER_OFFICER)
    with node.client(purpose=None) as client:
        form = {"csrf_token": csrf_token(client.get("/sign-in")), "method": "token",
                "token": token}  # fmt: skip
        return client.post("/sign-in", data=form, headers=headers)


def _sessions(node: NodeServer) -> int:
    engine = create_engine(node.database_url)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(t.web_sessions)) or 0
    finally:
        engine.dispose()


@pytest.mark.parametrize("headers", ANOTHER_SITE, ids=lambda h: " ".join(h.values()))
def test_a_sign_in_another_site_sent_is_refused_with_the_token_s_403_and_opens_nothing(
    node: NodeServer, headers: dict[str, str]
) -> None:
    before = _sessions(node)
    refused = _sign_in(node, _headers(node, headers))
    assert refused.status_code == 403, refused.text[:300]
    assert REFUSED in refused.text and 'id="refusal"' in refused.text
    assert "set-cookie" not in refused.headers or "cta_session" not in refused.headers["set-cookie"]
    assert _sessions(node) == before


@pytest.mark.parametrize("headers", [
    {"Origin": "{own}", "Sec-Fetch-Site": "same-origin"},
    {"Origin": "{own}"},
    {"Sec-Fetch-Site": "same-origin"},
    {"Sec-Fetch-Site": "none"},
    # a proxy that added no-referrer to the node's own page: the browser sends Origin null
    {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
    {"Origin": "null"},  # an old browser: the token alone decides
    {},  # neither: the token alone decides
], ids=lambda h: " ".join(h.values()) or "no headers")
def test_a_sign_in_from_the_node_s_own_page_or_without_the_headers_is_taken(
    node: NodeServer, headers: dict[str, str]
) -> None:
    taken = _sign_in(node, _headers(node, headers))
    assert taken.status_code == 303, taken.text[:300]


def test_the_origin_is_compared_by_its_host(node: NodeServer) -> None:
    """Upper-case letters, another port or another scheme name the same host (a proxy ending
    TLS, or listening on 8443 while it passes the host without its port, changes both; cookies
    are not kept apart by them); another host, or an Origin that is no origin, is refused."""
    port = urlsplit(node.base_url).port
    assert port is not None
    for same in (f"HTTP://127.0.0.1:{port}", f"http://127.0.0.1:{port + 1}",
                 f"https://127.0.0.1:{port}", "https://127.0.0.1:8443"):
        assert _sign_in(node, {"Origin": same}).status_code == 303, same
    for other in (f"http://localhost:{port}", f"http://127.0.0.1:{port}/sign-in",
                  f"http://127.0.0.2:{port}"):
        assert _sign_in(node, {"Origin": other}).status_code == 403, other


def test_a_console_form_another_site_sent_is_refused_and_changes_nothing(
    node: NodeServer,
) -> None:
    officer = add_user(node.database_url, "officer.console-origin", Role.BORDER_OFFICER)
    with signed_in(node, officer) as client:
        token = csrf_token(client.get("/officer"))
        form = {"csrf_token": token, "crossing_point": "GEO-TBS", "direction": "entry"}
        refused = client.post("/officer/post", data=form,
                              headers={"Origin": "https://evil.example",
                                       "Sec-Fetch-Site": "same-site"})  # fmt: skip
        assert refused.status_code == 403 and REFUSED in refused.text
        assert "cta_post" not in refused.headers.get("set-cookie", "")
        signed_out = client.post("/sign-out", data={"csrf_token": token},
                                 headers={"Sec-Fetch-Site": "cross-site"})  # fmt: skip
        assert signed_out.status_code == 403
        chosen = client.post("/officer/post", data=form,
                             headers={"Origin": node.base_url, "Sec-Fetch-Site": "same-origin"})
        assert chosen.status_code == 303 and chosen.headers["location"] == "/officer"


def test_the_traveller_s_forms_are_held_to_the_same_rule(node: NodeServer) -> None:
    with node.client(purpose=None) as client:
        token = csrf_token(client.get("/traveller/stay"))
        form = {"csrf_token": token, "entry-0": "2026-10-03", "exit-0": "2026-11-21",
                "on": "2026-12-01", "action": "calculate"}  # fmt: skip
        assert client.post("/traveller/stay", data=form,
                           headers={"Origin": "https://evil.example"}).status_code == 403
        assert client.post("/traveller/stay", data=form,
                           headers={"Origin": node.base_url}).status_code == 200


def test_behind_a_trusted_proxy_the_origin_it_was_reached_at_is_the_node_s(
    node: NodeServer, proxied: NodeServer
) -> None:
    """A proxy ending TLS reaches the node over http; the browser's Origin says https."""
    host = urlsplit(proxied.base_url).netloc
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "cta.example",
                 "Origin": "https://cta.example", "Sec-Fetch-Site": "same-origin"}  # fmt: skip
    assert _sign_in(proxied, forwarded).status_code == 303
    tls_only = {"X-Forwarded-Proto": "https", "Origin": f"https://{host}"}
    assert _sign_in(proxied, tls_only).status_code == 303
    assert _sign_in(proxied, forwarded | {"Origin": "https://evil.example"}).status_code == 403
    assert _sign_in(node, forwarded).status_code == 403  # no proxy there: headers ignored
    # a proxy ending TLS that passes the browser's Host on, not named in CTA_TRUSTED_PROXIES
    # (before this session that setting touched only the rate limits): the host agrees
    kept_host = {"Host": "cta.example", "Origin": "https://cta.example"}
    assert _sign_in(node, kept_host).status_code == 303


def test_every_page_that_takes_a_post_checks_its_form_first() -> None:
    """Each POST of the web pages goes through ``check_form``, where the check above is: a new
    form handler that skipped it would take another site's forms (and forged tokens)."""
    from cta.bootstrap import reference
    from cta.entrypoints.api.app import create_app
    from cta.policy.crossing_points import load_crossing_points
    from cta.services.node import Node
    from tests.unit.node.conftest import NOW
    from tests.unit.node.memory_store import MemoryStore

    app = create_app(Node(MemoryStore(), reference(), load_crossing_points(), state="GEO",
                          clock=lambda: NOW))  # fmt: skip
    pages = [r for r in _routes(app.router.routes)
             if not getattr(r, "path", "/v1/").startswith("/v1/")
             and set(getattr(r, "methods", None) or ()) - {"GET", "HEAD", "OPTIONS"}]
    assert {"/sign-in", "/sign-out", "/officer/post", "/traveller/stay"} <= {
        r.path for r in pages}
    for route in pages:
        assert "check_form(" in inspect.getsource(route.endpoint), route.path


def _routes(routes: Iterable[Any]) -> Iterator[Any]:
    """Every route, those of the routers included in the app too."""
    for route in routes:
        included = getattr(route, "original_router", None)
        yield from _routes(included.routes) if included is not None else (route,)
