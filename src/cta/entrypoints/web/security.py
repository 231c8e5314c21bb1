"""Headers every answer of the node carries, and the strict Content-Security-Policy of its pages.

``SecurityHeaders`` (ASGI middleware, outermost) adds to every answer
``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin`` (an application number in
a page's address never leaves the node in a ``Referer``; not ``no-referrer``, under which a
browser sends ``Origin: null`` with every form, the node's own too, and the origin of a form
could not be told) and ``X-Frame-Options: DENY``; over HTTPS
``Strict-Transport-Security: max-age=31536000``; to every HTML
answer that did not set its own policy, ``CSP``: scripts, styles, images, fonts and forms from
the node itself only, no inline script or style, no framing, no plugins. A page that must have
an inline block (the API documents' start script) sets a policy of its
own with that block's hash (``csp(...)``).

``from_another_site`` is the pages' check of where a form comes from, made before its token
(``pages.check_form``): a token alone can be planted, cookie and field both, by anyone who can
set a cookie for this host (a sibling subdomain), and a browser says which page sent a form.
A form is refused when ``Sec-Fetch-Site`` is present and is neither ``same-origin`` nor
``none`` (typed in, a bookmark), or when ``Origin`` names a host other than the one the request
reached the node at: a planted token then signs no one in and posts nothing. A request with
neither header, or with ``Origin: null`` alone (an old browser, curl, the tests' clients), is
held to its token alone. Behind a reverse proxy (``CTA_TRUSTED_PROXIES``, the TCP peer one of
them) the host its ``X-Forwarded-Host`` names is the node's too.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CSP", "SecurityHeaders", "csp", "from_another_site", "origin_of", "sha256_source"]


def sha256_source(block: str) -> str:
    """The CSP source that allows exactly this inline script or style."""
    digest = hashlib.sha256(block.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def csp(*, scripts: Iterable[str] = (), styles: Iterable[str] = (), images: str = "") -> str:
    """The node's policy, with extra sources for scripts and styles (hashes of inline blocks)."""
    script = " ".join(["'self'", *scripts])
    style = " ".join(["'self'", *styles])
    return (
        f"default-src 'self'; script-src {script}; style-src {style}; "
        f"img-src 'self'{' ' + images if images else ''}; font-src 'self'; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


CSP = csp()

_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)
# over HTTPS (a node serving TLS itself): a browser keeps to HTTPS for this host for a year
_HSTS = (b"strict-transport-security", b"max-age=31536000")


class SecurityHeaders:
    """Adds the headers above to every HTTP answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        secure = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers.extend(h for h in _ALWAYS if h[0] not in names)
                if secure and _HSTS[0] not in names:
                    headers.append(_HSTS)
                html = any(n.lower() == b"content-type" and v.startswith(b"text/html")
                           for n, v in headers)  # fmt: skip
                if html and b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


# the Sec-Fetch-Site of a form sent from one of the node's own pages, or typed in
_THIS_SITE = frozenset({"same-origin", "none"})
_DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]


def origin_of(text: str) -> Origin | None:
    """``scheme://host[:port]`` as (scheme, host, port), the default port written out, the host
    in lower case; None for anything else (``null``, a path, another scheme, a bad port)."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    if (parts.scheme not in _DEFAULT_PORTS or not parts.hostname or parts.path
            or parts.query or parts.fragment or parts.username is not None):  # fmt: skip
        return None
    return parts.scheme, parts.hostname, port or _DEFAULT_PORTS[parts.scheme]


def from_another_site(request: Request) -> bool:
    """Whether the browser that sent this request says a page of another site sent it (see
    the module's docstring); False when it says nothing.

    ``Sec-Fetch-Site`` other than ``same-origin`` or ``none`` says so; an ``Origin`` says so
    when it names another host. Scheme and port are not compared (cookies are not kept apart
    by them, and a proxy ending TLS, or one on another port, changes both), nor is ``null``
    (a browser sends it for the node's own form when a proxy adds ``no-referrer``, and a
    sandboxed page of another site is named by ``Sec-Fetch-Site`` in browsers that send one)."""
    sites = request.headers.getlist("sec-fetch-site")
    if any(site.strip().lower() not in _THIS_SITE for site in sites):
        return True
    origins = [o for o in request.headers.getlist("origin") if o.strip().lower() != "null"]
    if not origins:
        return False
    own = _own_hosts(request)
    return any(_host_of(origin) not in own for origin in origins)


def _host_of(origin: str) -> str | None:
    found = origin_of(origin)
    return found[1] if found is not None else None


def _own_hosts(request: Request) -> set[str | None]:
    """The host the request reached the node at; behind a trusted proxy, the one the proxy
    was reached at too."""
    host = request.headers.get("host", "")
    own = {_host_of(f"{request.url.scheme}://{host}")}
    if _from_trusted_proxy(request):
        scheme = request.headers.get("x-forwarded-proto", request.url.scheme)
        forwarded = request.headers.get("x-forwarded-host", host)
        # each proxy of a chain appends its own: the first is the one the browser reached
        own.add(_host_of(f"{_first(scheme).lower()}://{_first(forwarded)}"))
    own.discard(None)
    return own


def _first(header: str) -> str:
    return header.split(",", 1)[0].strip()


def _from_trusted_proxy(request: Request) -> bool:
    policy = getattr(request.app.state, "clients", None)
    trusted = getattr(policy, "trusted_proxies", ())
    if not trusted or request.client is None:
        return False
    try:
        peer = ipaddress.ip_address(request.client.host)
    except ValueError:
        return False
    return any(peer in network for network in trusted)
