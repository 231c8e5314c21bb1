"""``GET /``: the node's start page, and the API documents served from files in the package.

The start page links what the node has (``LINKS``: a list that later pages add themselves to),
names the node's state and its federation peers; server-rendered like the workbench (no
script, no external resource, no personal data, so no token). ``/docs`` (Swagger UI) and
``/redoc`` load their scripts from ``/static/vendor/`` (shipped in the package: see
``static/vendor/README.md``), never from a CDN: a border post is often offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from cta.entrypoints.web.html import esc

__all__ = ["LINKS", "STATIC_DIR", "Link", "add_start_pages", "router"]

STATIC_DIR = Path(__file__).parent / "static"
_VENDOR = "/static/vendor"
_NAMES = {"AZE": "Azerbaijan", "ARM": "Armenia", "GEO": "Georgia"}


@dataclass(frozen=True)
class Link:
    """One entry of the start page: where it goes, its name, and what it is for."""

    href: str
    title: str
    description: str
    needs_token: bool = False


# What the start page lists, in this order; a later page appends its own Link here.
LINKS: list[Link] = [
    Link("/docs", "API documents (Swagger UI)",
         "Every endpoint of the node's API, with a form to try each one (a token is needed "
         "for all but the health check)."),
    Link("/redoc", "API documents (ReDoc)", "The same API documents, for reading."),
    Link("/openapi.json", "OpenAPI description", "The API as an OpenAPI 3 document (JSON)."),
    Link("/policy/workbench", "Policy workbench",
         "Today's national regimes beside the union's draft: a nationality, a trip, the "
         "aggregates. No personal data."),
    Link("/v1/health", "Health", "Whether the node is up (JSON), for monitoring."),
]  # fmt: skip

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def start_page(request: Request) -> HTMLResponse:
    """What this node serves, its state, and its federation peers."""
    state: str = request.app.state.node.state
    return HTMLResponse(_page(state, _peers(getattr(request.app.state, "federation", None))))


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def swagger_ui(request: Request) -> HTMLResponse:
    app: FastAPI = request.app
    return get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title=f"{app.title}: API documents",
        swagger_js_url=f"{_VENDOR}/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url=f"{_VENDOR}/swagger-ui/swagger-ui.css",
        swagger_favicon_url=f"{_VENDOR}/swagger-ui/favicon-32x32.png",
        oauth2_redirect_url=None,
        swagger_ui_parameters={"validatorUrl": None},  # never ask validator.swagger.io
    )


@router.get("/redoc", response_class=HTMLResponse, include_in_schema=False)
def redoc(request: Request) -> HTMLResponse:
    app: FastAPI = request.app
    return get_redoc_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title=f"{app.title}: API documents",
        redoc_js_url=f"{_VENDOR}/redoc/redoc.standalone.js",
        redoc_favicon_url=f"{_VENDOR}/swagger-ui/favicon-32x32.png",
        with_google_fonts=False,
    )


def add_start_pages(app: FastAPI, federation: Any = None) -> None:
    """``/``, ``/docs``, ``/redoc`` and ``/static`` on the app (create it with ``docs_url=None,
    redoc_url=None``); ``federation`` (a FederationService or None) names the peers."""
    app.state.federation = federation
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


def _peers(federation: Any) -> list[tuple[str, str]]:
    if federation is None:
        return []
    own = federation.federation.node
    seen: dict[str, str] = {}
    for member in federation.federation.members:
        if member.state != own:
            seen.setdefault(member.state, member.endpoint)
    return sorted(seen.items())


_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:60rem;color:#1a1a1a}
dt{font-weight:600;margin-top:.7rem}dd{margin:.2rem 0 0 1.2rem}.token{color:#555}
"""


def _page(state: str, peers: list[tuple[str, str]]) -> str:
    links = "".join(
        f'<dt><a href="{esc(link.href)}">{esc(link.title)}</a> '
        f"<code>{esc(link.href)}</code></dt><dd>{esc(link.description)}"
        + (' <span class="token">(a token is needed)</span>' if link.needs_token else "")
        + "</dd>"
        for link in LINKS
    )
    if peers:
        listed = ", ".join(
            f"{esc(_NAMES.get(peer, peer))} ({esc(peer)}) at <code>{esc(endpoint)}</code>"
            for peer, endpoint in peers
        )
        federation = f'<p id="peers">Federated with {listed}.</p>'
    else:
        federation = '<p id="peers">Not federated: this node works alone.</p>'
    name = _NAMES.get(state, state)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>CTA node {esc(state)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>CTA node {esc(state)}</h1><p id=\"node\">The border node of {esc(name)} "
        f"({esc(state)}) in the Caucasian Union common travel area.</p>{federation}"
        f'<h2>What this node serves</h2><dl id="links">{links}</dl></body></html>'
    )
