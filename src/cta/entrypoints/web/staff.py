"""Staff sign-in and sign-out, and the check that a page is for the signed-in staff member's role.

``GET /sign-in?next=/path`` shows the form (a user name and password, or a bearer token);
``POST /sign-in`` opens a session (cookie ``cta_session``: HttpOnly, SameSite=Strict, Secure on
TLS) and goes to ``next`` when it is a path of this node, else to ``/officer``;
``POST /sign-out`` ends it. A staff page without a live session leads to the sign-in page.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cta.domain.roles import Permission, Role, allows
from cta.domain.staff_sessions import SessionPolicy, StaffSession
from cta.entrypoints.web.i18n import N_
from cta.entrypoints.web.pages import (
    SESSION_COOKIE,
    Form,
    Page,
    PageError,
    check_form,
    is_free_text,
    page,
    render,
    set_cookie,
)
from cta.services.staff_sessions import StaffSessions, TooManyFailuresError
from cta.settings import Settings

__all__ = ["current_session", "router", "safe_next", "session_policy"]

router = APIRouter(include_in_schema=False)
HOME = "/officer"
ROLE_NAMES = {
    Role.BORDER_OFFICER.value: N_("border officer"),
    Role.CONSULAR_OFFICER.value: N_("consular officer"),
    Role.ANALYST.value: N_("analyst"),
    Role.AUDITOR.value: N_("auditor"),
    Role.ADMIN.value: N_("administrator"),
    Role.CARRIER.value: N_("carrier"),
}


def session_policy(settings: Settings) -> SessionPolicy:
    """How long sessions live, from ``CTA_SESSION_IDLE_SECONDS`` and ``..._ABSOLUTE_SECONDS``."""
    return SessionPolicy(idle=timedelta(seconds=settings.session_idle_seconds),
                         absolute=timedelta(seconds=settings.session_absolute_seconds))


def safe_next(target: str | None, default: str = HOME) -> str:
    """``target`` when it is a path on this node (``/officer?x=1``), else ``default``: never
    another site (``//evil.example``, ``https://...``, ``/\\evil``), so sign-in is no open
    redirect."""
    if not target or len(target) > 500 or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def _sessions(request: Request) -> StaffSessions:
    sessions: StaffSessions = request.app.state.staff_sessions
    return sessions


async def current_session(request: Request) -> StaffSession | None:
    """The request's live staff session, or None."""
    key = request.cookies.get(SESSION_COOKIE)
    if not key:
        return None
    return await run_in_threadpool(_sessions(request).current, key)


def to_sign_in(request: Request) -> RedirectResponse:
    """303 to the sign-in page, which comes back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)


@router.get("/sign-in")
async def sign_in_page(request: Request, next: str = HOME) -> Response:
    session = await current_session(request)
    current = page(request, session)
    signed_out = request.query_params.get("signed_out") == "1"
    return render(current, "sign_in.html", next=safe_next(next), values={},
                  request_signed_out=signed_out)  # fmt: skip


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    current = page(request)
    form = await check_form(request, None)
    target = safe_next(form.get("next"))
    method = "token" if form.get("method") == "token" else "password"
    errors = _sign_in_problems(form.fields, method)
    opened, status = None, 400
    if not errors:
        opened, status, errors = await _attempt(_sessions(request), form, method)
    if opened is None:
        values = {"name": form.get("name")}  # never the password or token back
        return render(current, "sign_in.html", status=status, next=target, values=values,
                      errors=errors, method=method)  # fmt: skip
    key, _ = opened
    old = request.cookies.get(SESSION_COOKIE)
    if old:  # the browser's earlier session, if it had one, ends: one session per browser
        await run_in_threadpool(_sessions(request).forget, old)
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, current, SESSION_COOKIE, key)
    return response


Opened = tuple[str, StaffSession] | None


async def _attempt(
    sessions: StaffSessions, form: Form, method: str
) -> tuple[Opened, int, list[tuple[str, str]]]:
    """The session a sign-in opens, or the status and the field in error."""
    if method == "token":
        opened = await run_in_threadpool(sessions.sign_in_with_token, form.get("token"))
        why = N_("The token is not right, or its user is not active.")
        return opened, 400, [] if opened else [("token", why)]
    try:
        opened = await run_in_threadpool(sessions.sign_in_with_password, form.get("name"),
                                         form.get("password"))  # fmt: skip
    except TooManyFailuresError:
        return None, 429, [("name", N_("Too many failed sign-ins with this user name. Try "
                                       "again in 15 minutes, or sign in with your token."))]
    why = N_("The user name or the password is not right.")
    return opened, 400, [] if opened else [("name", why)]


def _sign_in_problems(fields: Any, method: str) -> list[tuple[str, str]]:
    if method == "token":
        return [] if fields.get("token", "").strip() else [("token", N_("Enter your token."))]
    problems = []
    name = fields.get("name", "")
    if not name.strip():
        problems.append(("name", N_("Enter your user name.")))
    elif not is_free_text(name):  # no user's name holds a NUL; the database cannot look it up
        problems.append(("name", N_("The user name or the password is not right.")))
    if not fields.get("password", ""):
        problems.append(("password", N_("Enter your password.")))
    return problems


@router.get("/sign-out")
async def sign_out_page(request: Request) -> Response:
    """A sign-out typed or bookmarked (a GET changes nothing): the button that signs out, or
    the sign-in page when nobody is signed in (it used to be the API's JSON 405)."""
    session = await current_session(request)
    if session is None:
        return RedirectResponse("/sign-in", status_code=303)
    return render(page(request, session), "sign_out.html")


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    session = await current_session(request)
    await check_form(request, session)
    if session is not None:
        await run_in_threadpool(_sessions(request).sign_out, session)
    response = RedirectResponse("/sign-in?signed_out=1", status_code=303)
    # emptied with the flags it was set with (HttpOnly, SameSite=Strict, Secure on TLS)
    set_cookie(response, page(request, session), SESSION_COOKIE, "", max_age=0)
    return response


def _require(current: Page, permission: Permission) -> None:
    assert current.session is not None
    try:
        role = Role(current.session.role)
    except ValueError:
        role = None
    if role is None or not allows(role, permission):
        raise PageError(403, N_("Your role may not open this page."))
