"""Headers every answer of the node carries, and the strict Content-Security-Policy of its pages.

``SecurityHeaders`` (ASGI middleware, outermost) adds to every answer
``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` (an application number in
a page's address never leaves in a ``Referer``) and ``X-Frame-Options: DENY``; over HTTPS
``Strict-Transport-Security: max-age=31536000``; to every HTML
answer that did not set its own policy, ``CSP``: scripts, styles, images, fonts and forms from
the node itself only, no inline script or style, no framing, no plugins. A page that must have
an inline block (the API documents' start script) sets a policy of its
own with that block's hash (``csp(...)``).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CSP", "SecurityHeaders", "csp", "sha256_source"]


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
    (b"referrer-policy", b"no-referrer"),
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
