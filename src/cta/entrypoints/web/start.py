"""``GET /``: the node's start page, and the API documents served from files in the package.

The start page links what the node has (``LINKS``: a list that later pages add themselves to),
names the node's state and its federation peers in the page's language; no personal data, so
no sign-in. ``/docs`` is the API documents as a plain page (``api_docs``); the interactive
viewers, Swagger UI and ReDoc, are developers' tools at ``/developer/swagger-ui`` and
``/developer/redoc`` (``/redoc`` leads to ``/docs``), and load their scripts from
``/static/vendor/`` (shipped in the package: see ``static/vendor/README.md``), never from a
CDN: a border post is often offline. ``add_start_pages`` also wires every web page of the
node: the security headers (``security``), the staff sessions (``staff``), the traveller's
stay calculator, and ``/static`` (gzip-compressed: ``static_files``).
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cta.domain.internal_checks import DEFAULT_KIND
from cta.domain.staff_sessions import SessionPolicy
from cta.entrypoints.web.api_docs import PLACES, api_document
from cta.entrypoints.web.consular import router as consular_router
from cta.entrypoints.web.i18n import N_
from cta.entrypoints.web.officer import router as officer_router
from cta.entrypoints.web.pages import PageError, page, render
from cta.entrypoints.web.security import SecurityHeaders, csp, sha256_source
from cta.entrypoints.web.staff import current_session
from cta.entrypoints.web.staff import router as staff_router
from cta.entrypoints.web.static_files import CompressedStaticFiles
from cta.entrypoints.web.statistics import router as statistics_router
from cta.entrypoints.web.stay_calculator import router as stay_router
from cta.entrypoints.web.traveller_apply import pages as traveller_pages
from cta.services.alerts import ScreeningUnavailableError
from cta.services.ports import DatabaseUnavailableError

__all__ = ["DEVELOPER_REDOC", "DEVELOPER_SWAGGER_UI", "LINKS", "STATIC_DIR", "Link",
           "add_start_pages", "router"]

STATIC_DIR = Path(__file__).parent / "static"
_VENDOR = "/static/vendor"
# the interactive viewers of the API documents: developers' tools, not pages (see ``api_docs``)
DEVELOPER_SWAGGER_UI = "/developer/swagger-ui"
DEVELOPER_REDOC = "/developer/redoc"


@dataclass(frozen=True)
class Link:
    """One entry of the start page: where it goes, its name, and what it is for (messages of
    the catalogs: mark them with ``N_``)."""

    href: str
    title: str
    description: str
    needs_token: bool = False


# What the start page lists, in this order; a later page appends its own Link here.
LINKS: list[Link] = [
    Link("/traveller/stay", N_("Stay calculator"),
         N_("For travellers: enter your trips and see the days you have used in the area, the "
            "days left, the latest exit and the next possible entry. Nothing you enter is "
            "kept.")),
    Link("/traveller", N_("Travellers' self-service"),
         N_("Apply for a travel authorisation or a visa, follow your application, and see your "
            "days in the area as the border records show them.")),
    Link("/sign-in", N_("Staff sign-in"),
         N_("For border and consular officers and the node's other staff.")),
    Link("/officer", N_("Border officer's console"),
         N_("For border officers: check a traveller's document, record the entry, exit or "
            "refusal, and read the traveller's file (sign-in needed).")),
    Link("/consular", N_("Consular console"),
         N_("For consular officers: the applications waiting, oldest deadline first, and the "
            "consultations other member states asked.")),
    Link("/statistics", N_("Statistics"),
         N_("For analysts: crossings, flows between member states, overstays, refusals, "
            "applications and nationalities as charts and tables, counts only (sign-in "
            "needed).")),
    Link("/docs", N_("API documents"),
         N_("Every endpoint of the node's API: what it does, its parameters, its request body "
            "and its answers (a token is needed for all but a few).")),
    Link("/openapi.json", N_("OpenAPI description"),
         N_("The API as an OpenAPI 3 document (JSON).")),
    Link("/policy/workbench", N_("Policy workbench"),
         N_("Today's national regimes beside the union's draft: a nationality, a trip, the "
            "aggregates. No personal data.")),
    Link("/v1/health", N_("Health"), N_("Whether the node is up (JSON), for monitoring.")),
]  # fmt: skip

# the union regime's kinds of reintroduction of internal checks in words (docs/internal-checks.md);
# ``default``, the one kind of a regime before kinds, goes unnamed; a kind not here, by its name
KIND_WORDS = {
    "unforeseeable": N_("an unforeseeable threat: immediate action"),
    "foreseeable": N_("a foreseeable threat"),
    "overall_risk": N_("the functioning of the area at risk"),
}

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def start_page(request: Request) -> Response:
    """What this node serves, its state, and its federation peers."""
    current = page(request, await current_session(request))
    peers = _peers(getattr(request.app.state, "federation", None))
    node = request.app.state.node
    lang = current.lang
    in_force = [{"state": lang.country(r.state), "last": lang.date(r.final_day),
                 "points": ", ".join(lang.crossing_point(p) for p in r.points),
                 "kind": None if r.kind == DEFAULT_KIND else KIND_WORDS.get(r.kind, r.kind)}
                for r in await run_in_threadpool(node.internal_checks_in_force)]  # fmt: skip
    return render(current, "start.html", links=LINKS, peers=peers, internal_checks=in_force)


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _with_inline_hashes(page_: HTMLResponse) -> HTMLResponse:
    """The API documents' pages start their viewer with an inline script: allow that one by
    its hash; their viewers set style attributes, so styles may be inline there."""
    body = bytes(page_.body).decode()
    hashes = [sha256_source(block) for block in _INLINE_SCRIPT.findall(body)]
    page_.headers["content-security-policy"] = csp(
        scripts=hashes, styles=["'unsafe-inline'"], images="data:")
    return page_


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
async def api_documents(request: Request) -> Response:
    """The API documents as a plain page of this node (``api_docs``), in the reader's language."""
    app: FastAPI = request.app
    current = page(request, await current_session(request))
    document = await run_in_threadpool(lambda: api_document(app.openapi()))
    return await run_in_threadpool(render, current, "api_docs.html", doc=document,
                                   place_words=PLACES)  # fmt: skip


@router.get("/redoc", include_in_schema=False)
def old_redoc() -> RedirectResponse:
    """``/redoc`` was the documents for reading: ``/docs`` is that now (ReDoc itself is a
    developer's tool at ``DEVELOPER_REDOC``)."""
    return RedirectResponse("/docs", status_code=308)


@router.get(DEVELOPER_SWAGGER_UI, response_class=HTMLResponse, include_in_schema=False)
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI over this node's OpenAPI description: a developer's tool (1.8 MB of script,
    470 KB gzipped), not a page of the node's; ``/docs`` is the page."""
    app: FastAPI = request.app
    return _with_inline_hashes(get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title=f"{app.title}: API documents (for developers)",
        swagger_js_url=f"{_VENDOR}/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url=f"{_VENDOR}/swagger-ui/swagger-ui.css",
        swagger_favicon_url=f"{_VENDOR}/swagger-ui/favicon-32x32.png",
        oauth2_redirect_url=None,
        swagger_ui_parameters={"validatorUrl": None},  # never ask validator.swagger.io
    ))


@router.get(DEVELOPER_REDOC, response_class=HTMLResponse, include_in_schema=False)
def redoc(request: Request) -> HTMLResponse:
    """ReDoc over this node's OpenAPI description: a developer's tool (1.1 MB of script, 330 KB
    gzipped)."""
    app: FastAPI = request.app
    return _with_inline_hashes(get_redoc_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title=f"{app.title}: API documents (for developers)",
        redoc_js_url=f"{_VENDOR}/redoc/redoc.standalone.js",
        redoc_favicon_url=f"{_VENDOR}/swagger-ui/favicon-32x32.png",
        with_google_fonts=False,
    ))


def add_start_pages(
    app: FastAPI, federation: Any = None, session_policy: SessionPolicy | None = None
) -> None:
    """``/``, ``/docs``, ``/redoc``, ``/static``, the staff sign-in and pages, and the
    traveller's pages on the app (create it with ``docs_url=None, redoc_url=None``), every
    answer with the security headers; ``federation`` (a FederationService or None) names the
    peers."""
    import functools

    from cta.adapters.storage.store import SqlStore
    from cta.adapters.storage.web_sessions import SqlSessionStore
    from cta.services.staff_sessions import MemorySessionStore, SessionStore, StaffSessions

    node = app.state.node
    store: SessionStore = (SqlSessionStore(node.store) if isinstance(node.store, SqlStore)
                           else MemorySessionStore())  # fmt: skip
    # a sign-in reads the token's user afresh: a session outlives the node's cache of tokens
    fresh = functools.partial(node.authenticate, fresh=True)
    app.state.staff_sessions = StaffSessions(store, fresh, node.clock, session_policy)
    app.state.federation = federation
    app.add_middleware(SecurityHeaders)  # the outermost: every answer, errors too
    app.add_exception_handler(PageError, _refused)
    _pages_for_missing_addresses(app)
    from cta.entrypoints.api.edge import UNAVAILABLE  # the API package imports this one

    for failure in UNAVAILABLE:  # replaces the API's JSON-only handlers
        app.add_exception_handler(failure, _database_failed)
    app.include_router(router)
    app.include_router(staff_router)
    app.include_router(stay_router)
    app.include_router(consular_router)
    app.include_router(officer_router)
    app.include_router(statistics_router)
    app.include_router(traveller_pages)
    # compressed for browsers that accept gzip (static_files); the pages themselves are not
    app.mount("/static", CompressedStaticFiles(directory=STATIC_DIR), name="static")


def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    return render(page(request), "refused.html", status=exc.status, message=exc.message)


NO_SUCH_PAGE = N_("There is no page at this address. The start page links every page of this "
                  "node.")
_NOT_PAGES = ("/v1/", "/openapi", "/static/")  # the API's own answers stay JSON


def _pages_for_missing_addresses(app: FastAPI) -> None:
    """A browser that asks for an address with nothing behind it (a mistyped or old link) gets
    a page in its language that leads back to the start page, not the API's JSON 404; the API
    and any client that does not ask for HTML get the API's answer, as before."""
    from fastapi.exception_handlers import http_exception_handler
    from starlette.exceptions import HTTPException as StarletteHTTPException

    before = app.exception_handlers.get(StarletteHTTPException, http_exception_handler)

    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if (exc.status_code == 404 and request.method in ("GET", "HEAD")
                and "text/html" in request.headers.get("accept", "")
                and not request.url.path.startswith(_NOT_PAGES)):  # fmt: skip
            return render(page(request), "refused.html", status=404, message=NO_SUCH_PAGE)
        answer = before(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    app.add_exception_handler(StarletteHTTPException, handle)


def _database_failed(request: Request, exc: Exception) -> Response:
    """503 when the node's database cannot be reached or written: JSON with an error id for
    the API, as ``ErrorIds`` answers, and for a page (the officer's console above all) a page
    in the reader's language that says nothing can be checked or recorded now, with the id;
    the node's log has the cause."""
    from cta.entrypoints.api.edge import error_answer, log

    status, body = error_answer(exc)
    known = isinstance(exc, (DatabaseUnavailableError, ScreeningUnavailableError))  # no trace
    log.error("error %s: %s %s answered %d: %s", body["error_id"], request.method,
              request.url.path, status, body["detail"],
              exc_info=None if known else exc)  # fmt: skip
    if request.url.path.startswith("/v1/"):
        return JSONResponse(body, status_code=status)
    return render(page(request), "unavailable.html", status=status, error_id=body["error_id"])


def _peers(federation: Any) -> list[tuple[str, str]]:
    if federation is None:
        return []
    own = federation.federation.node
    seen: dict[str, str] = {}
    for member in federation.federation.members:
        if member.state != own:
            seen.setdefault(member.state, member.endpoint)
    return sorted(seen.items())
