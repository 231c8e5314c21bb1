"""A member of staff's browser, as the HTTP tests of the web pages drive it: signed in with a
user's token through the sign-in form, and each form's CSRF token read from the page that shows
it (the pages refuse a form without it). One place, so that a change of the sign-in form
changes one helper, not every test module."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.integration.node_server import NodeServer

__all__ = ["csrf_token", "signed_in"]

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(page: httpx.Response) -> str:
    """The CSRF token of the (first) form of ``page``."""
    found = _CSRF.search(page.text)
    assert found is not None, f"no form with a CSRF token in: {page.text[:500]}"
    return found.group(1)


@contextmanager
def signed_in(
    server: NodeServer, token: str, next: str | None = None
) -> Iterator[httpx.Client]:
    """A client of ``server`` with a staff session, signed in with ``token``; ``next``: the
    page the sign-in must lead to (checked), else wherever the node sends the role."""
    with server.client(purpose=None) as client:
        form = {"csrf_token": csrf_token(client.get("/sign-in")), "method": "token",
                "token": token}  # fmt: skip
        if next is not None:
            form["next"] = next
        answer = client.post("/sign-in", data=form)
        assert answer.status_code == 303, answer.text[:500]
        if next is not None:
            assert answer.headers["location"] == next
        yield client
