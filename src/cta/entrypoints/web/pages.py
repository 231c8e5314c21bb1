"""Rendering a page: the Jinja2 templates, the request's language, its form token, its session.

Every page extends ``templates/base.html`` (header naming the node's state, language switcher,
skip link, main landmark, error summary, footer). ``render`` hands a template the request's
``Language`` (``_``, ``ngettext``, ``lang.date``, ``lang.number``, ``lang.country``), the
form token every form carries (``csrf_token``) and the signed-in staff member, if any.

Form tokens (CSRF): a signed-in staff member's forms carry the session's own token; forms of
someone not signed in (sign-in, the stay calculator) carry the value of the ``cta_csrf``
cookie (HttpOnly, SameSite=Strict), set on the first page. ``check_form`` refuses a POST whose
token does not match with 403 before anything else is read from it, and with the same 403 a
POST a browser says another site's page sent (``security.from_another_site``), before its
body is read: a sibling subdomain can plant the cookie and the field both.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import TypeAdapter, ValidationError

from cta.domain.days import is_day_text
from cta.domain.staff_sessions import StaffSession
from cta.entrypoints.web.i18n import (
    LANGUAGE_COOKIE,
    LANGUAGES,
    N_,
    Language,
    choose_language,
    language,
)
from cta.entrypoints.web.security import from_another_site

__all__ = ["CSRF_COOKIE", "NOT_TEXT", "SESSION_COOKIE", "Form", "Page", "PageError", "check_form",
           "is_free_text", "is_mrz_line", "iso_day", "page", "render", "set_cookie",
           "whole_number"]

TEMPLATES = Path(__file__).parent / "templates"
SESSION_COOKIE = "cta_session"
CSRF_COOKIE = "cta_csrf"
log = logging.getLogger("cta.web")
LANGUAGE_MAX_AGE = 365 * 24 * 3600
MAX_FORM_BYTES = 64 * 1024
MAX_FORM_FIELDS = 500
# said beside a field whose text ``is_free_text`` refuses
# the refusal of a form whose token does not match, or that another site's page sent
# the refusal of a form a browser says another site's page sent
ANOTHER_SITE_REFUSED = N_("This form was sent from a page of another site, so it was not "
                          "taken. Open this node's page yourself and send the form from there.")
TOKEN_REFUSED = N_("The form's security token is missing or out of date. "
                   "Reload the page and send the form again.")
NOT_TEXT = N_(
    "The text holds control characters (such as NUL), which cannot be stored. "
    "Write it again without them."
)

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


class PageError(Exception):
    """A request refused with a page that says why (a message of the catalogs)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Page:
    """What one request's page knows before its own content: language, session, form token."""

    request: Request
    lang: Language
    session: StaffSession | None
    csrf_token: str
    new_cookies: dict[str, tuple[str, int | None]] = field(default_factory=dict)

    @property
    def secure(self) -> bool:
        return self.request.url.scheme == "https"


@dataclass(frozen=True)
class Form:
    """A POSTed form's fields (the first value of each)."""

    fields: Mapping[str, str]

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)


def page(request: Request, session: StaffSession | None = None) -> Page:
    """The request's language (remembered when ``?lang=`` chose it) and form token."""
    asked = request.query_params.get("lang")
    code = choose_language(asked, request.cookies.get(LANGUAGE_COOKIE),
                           request.headers.get("accept-language"))  # fmt: skip
    new: dict[str, tuple[str, int | None]] = {}
    if asked and asked.strip().lower() in LANGUAGES and asked != request.cookies.get(
        LANGUAGE_COOKIE
    ):
        new[LANGUAGE_COOKIE] = (code, LANGUAGE_MAX_AGE)
    if session is not None:
        token = session.csrf_token
    else:
        token = _anonymous_token(request)
        if token != request.cookies.get(CSRF_COOKIE):
            new[CSRF_COOKIE] = (token, None)
    return Page(request, language(code), session, token, new)


def _anonymous_token(request: Request) -> str:
    found = request.cookies.get(CSRF_COOKIE, "")
    return found if 20 <= len(found) <= 100 and found.isascii() else secrets.token_urlsafe(32)


async def check_form(request: Request, session: StaffSession | None) -> Form:
    """The POSTed form, once its token is the session's (or the cookie's) and no browser says
    another site sent it: else 403."""
    if from_another_site(request):
        # said to the operator too: a proxy that rewrites the host meets this on every form
        log.warning("a form to %s refused: the browser says another site's page sent it "
                    "(Origin %r, Sec-Fetch-Site %r, Host %r)", request.url.path,
                    request.headers.get("origin"), request.headers.get("sec-fetch-site"),
                    request.headers.get("host"))  # fmt: skip
        raise PageError(403, ANOTHER_SITE_REFUSED)
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise PageError(413, N_("The form is too large."))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise PageError(400, N_("The form could not be read.")) from None
    try:
        parsed = parse_qs(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except ValueError:  # parse_qs's only complaint here: more fields than MAX_FORM_FIELDS
        raise PageError(413, N_("The form has too many fields.")) from None
    form = Form({name: values[0] for name, values in parsed.items()})
    expected = session.csrf_token if session is not None else request.cookies.get(CSRF_COOKIE)
    sent = form.get("csrf_token")
    if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise PageError(403, TOKEN_REFUSED)
    return form


def iso_day(text: str) -> date:
    """The day ``text`` writes as YYYY-MM-DD, as the API takes it; ValueError otherwise.
    ``date.fromisoformat`` alone takes 20260101 and 2026-W01-1 too, which a form asking for
    "a date like 2026-03-01" should not."""
    if not is_day_text(text):
        raise ValueError(f"{text!r} is not a date YYYY-MM-DD")
    return date.fromisoformat(text)



def whole_number(text: str, most_digits: int = 18) -> int | None:
    """The number ``text`` writes in ASCII digits (at most ``most_digits``), else None.

    ``str.isdigit`` alone is not enough: it is true of "²" and other digits ``int`` refuses.
    """
    if text.isascii() and text.isdigit() and len(text) <= most_digits:
        return int(text)
    return None


def is_mrz_line(text: str) -> bool:
    """Whether the API would take ``text`` as a line of an MRZ (no control characters)."""
    return _fits("MRZLine", text)


def is_free_text(text: str) -> bool:
    """Whether the API would store ``text`` as free text (no NUL, at most 2000 characters)."""
    return _fits("FreeText", text)


def _fits(kind: str, text: str) -> bool:
    """Whether the API's type ``kind`` (``api/schemas.py``) takes ``text``: what a page passes
    on meets the API's own rule, not a copy of it (PostgreSQL text cannot hold NUL)."""
    try:
        _api_type(kind).validate_python(text)
    except ValidationError:
        return False
    return True


@cache
def _api_type(kind: str) -> TypeAdapter[str]:
    from cta.entrypoints.api import schemas  # the API package imports this one

    adapter: TypeAdapter[str] = TypeAdapter(getattr(schemas, kind))
    return adapter


def render(
    current: Page, template: str, status: int = 200, **context: Any
) -> HTMLResponse:
    """The page from ``template``, with the cookies the request set."""
    request = current.request
    state: str = request.app.state.node.state
    lang = current.lang
    errors = [(name, _translated(lang, message)) for name, message in context.pop("errors", [])]
    html = _env.get_template(template).render(
        **lang.callables(), lang=lang, languages=LANGUAGES, state=state,
        state_name=lang.country(state), session=current.session,
        csrf_token=current.csrf_token, switch=_switch_links(request), errors=errors,
        error_of=dict(reversed(errors)), **context,
    )  # fmt: skip
    response = HTMLResponse(html, status_code=status)
    response.headers["content-language"] = lang.code
    response.headers["vary"] = "Accept-Language, Cookie"
    response.headers["cache-control"] = "no-store"  # answers may be personal or per-session
    for name, (value, max_age) in current.new_cookies.items():
        set_cookie(response, current, name, value, max_age)
    return response


def _switch_links(request: Request) -> dict[str, str]:
    """This page in each language: its query with ``lang`` replaced (``next`` etc. kept), as a
    link relative to the page. Never the path written out: a page at ``//evil.example/``
    (the 404 page answers any path) would link to that host, protocol-relative."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return {code: f"?{urlencode([*kept, ('lang', code)])}" for code in LANGUAGES}


def _translated(lang: Language, message: str | tuple[str, dict[str, Any]]) -> str:
    """An error message (a catalog message, or one with its values) in the page's language."""
    if isinstance(message, tuple):
        text, values = message
        return lang.gettext(text, **{k: lang.number(v) for k, v in values.items()})
    return lang.gettext(message)


def set_cookie(
    response: Any, current: Page, name: str, value: str, max_age: int | None = None
) -> None:
    """A cookie only the server reads (HttpOnly), never sent cross-site, Secure on TLS."""
    same_site = "lax" if name == LANGUAGE_COOKIE else "strict"
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True,
                        secure=current.secure, samesite=same_site)  # fmt: skip
