"""Forms of the web pages: the form token (CSRF) checked on every POST, only local paths after
sign-in, and the dates a traveller may type."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from starlette.requests import Request

from cta.domain.staff_sessions import StaffSession
from cta.entrypoints.web.pages import (
    CSRF_COOKIE,
    Form,
    PageError,
    check_form,
    is_free_text,
    is_mrz_line,
    whole_number,
)
from cta.entrypoints.web.staff import safe_next
from cta.entrypoints.web.stay_calculator import outside_calendar, parse_day

COOKIE_TOKEN = "c" * 43
NEW_YEAR = datetime(2027, 1, 1, tzinfo=UTC)
SESSION = StaffSession("h" * 64, "officer", "border_officer", "s" * 43, NEW_YEAR, NEW_YEAR)


def _post(body: str, cookie: str | None = COOKIE_TOKEN) -> Request:
    headers = [(b"content-type", b"application/x-www-form-urlencoded")]
    if cookie is not None:
        headers.append((b"cookie", f"{CSRF_COOKIE}={cookie}".encode()))
    sent = False

    async def receive() -> dict[str, object]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body.encode(), "more_body": False}

    scope = {"type": "http", "method": "POST", "path": "/x", "headers": headers,
             "query_string": b""}  # fmt: skip
    return Request(scope, receive)


def _check(request: Request, session: StaffSession | None = None) -> Form:
    return asyncio.run(check_form(request, session))


def test_a_form_with_the_cookie_s_token_is_read() -> None:
    form = _check(_post(f"csrf_token={COOKIE_TOKEN}&entry-0=2027-01-01"))
    assert form.get("entry-0") == "2027-01-01"


@pytest.mark.parametrize(
    ("body", "cookie"),
    [
        ("entry-0=2027-01-01", COOKIE_TOKEN),  # no token in the form
        (f"csrf_token={'d' * 43}", COOKIE_TOKEN),  # another token
        (f"csrf_token={COOKIE_TOKEN}", None),  # no cookie: a request from another site
        ("csrf_token=", ""),
    ],
)
def test_a_form_without_the_right_token_is_refused_with_403(body: str, cookie: str | None) -> None:
    with pytest.raises(PageError) as refused:
        _check(_post(body, cookie))
    assert refused.value.status == 403


def test_a_signed_in_user_s_form_needs_the_session_s_own_token() -> None:
    assert _check(_post(f"csrf_token={'s' * 43}"), SESSION).get("csrf_token") == "s" * 43
    with pytest.raises(PageError) as refused:
        _check(_post(f"csrf_token={COOKIE_TOKEN}"), SESSION)  # the anonymous token is not it
    assert refused.value.status == 403


def test_an_oversized_or_unreadable_form_is_refused_before_its_token() -> None:
    with pytest.raises(PageError) as large:
        _check(_post("a=" + "x" * 70_000))
    assert large.value.status == 413
    with pytest.raises(PageError) as unreadable:
        _check(Request({"type": "http", "method": "POST", "path": "/", "headers": [],
                        "query_string": b""}, _bytes(b"\xff\xfe")))  # fmt: skip
    assert unreadable.value.status == 400


def _bytes(data: bytes):  # type: ignore[no-untyped-def]
    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": data, "more_body": False}

    return receive


@pytest.mark.parametrize(
    "target",
    ["/officer", "/officer?lang=ru", "/consular/queue#top", "/traveller/stay"],
)
def test_after_sign_in_a_local_path_is_followed(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    ["//evil.example/x", "https://evil.example/", "/\\evil.example", "evil.example",
     "javascript:alert(1)", "/ok\r\nLocation: //evil", "", None, "/" + "a" * 600,
     "\\\\evil.example"],
)  # fmt: skip
def test_after_sign_in_anything_but_a_local_path_goes_home(target: str | None) -> None:
    assert safe_next(target) == "/officer"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2027-03-27", date(2027, 3, 27)), (" 27.03.2027 ", date(2027, 3, 27)),
     ("7/3/2027", date(2027, 3, 7)), ("2027-3-7", date(2027, 3, 7))],
)  # fmt: skip
def test_a_traveller_may_type_a_date_in_either_common_form(text: str, expected: date) -> None:
    assert parse_day(text) == expected


@pytest.mark.parametrize("text", ["", "2027-02-30", "27.13.2027", "tomorrow", "1899-12-31",
                                  "3000-01-01", "2027-03-27T00:00"])
def test_a_date_that_is_not_one_is_refused(text: str) -> None:
    assert parse_day(text) is None


def _get(scheme: str, query: bytes = b"", cookie: bytes = b"") -> Request:
    headers = [(b"cookie", cookie)] if cookie else []
    scope = {"type": "http", "method": "GET", "path": "/sign-in", "headers": headers,
             "query_string": query, "scheme": scheme, "server": ("node", 443)}  # fmt: skip
    return Request(scope)


@pytest.mark.parametrize(("scheme", "secure"), [("https", True), ("http", False)])
def test_cookies_are_http_only_strict_and_secure_on_tls(scheme: str, secure: bool) -> None:
    from starlette.responses import Response

    from cta.entrypoints.web.pages import page, set_cookie

    current = page(_get(scheme, b"lang=ru"))
    assert set(current.new_cookies) == {"cta_lang", CSRF_COOKIE}
    response = Response()
    for name, (value, max_age) in current.new_cookies.items():
        set_cookie(response, current, name, value, max_age)
    cookies = response.headers.getlist("set-cookie")
    assert all("HttpOnly" in c and ("Secure" in c) == secure for c in cookies)
    assert any(c.startswith("cta_csrf=") and "SameSite=strict" in c for c in cookies)
    assert any(c.startswith("cta_lang=ru") and "SameSite=lax" in c for c in cookies)


def test_a_page_keeps_the_form_token_it_already_gave() -> None:
    from cta.entrypoints.web.pages import page

    current = page(_get("http", cookie=f"{CSRF_COOKIE}={COOKIE_TOKEN}".encode()))
    assert current.csrf_token == COOKIE_TOKEN and current.new_cookies == {}
    assert page(_get("http"), SESSION).csrf_token == SESSION.csrf_token


def test_a_form_with_too_many_fields_is_refused_with_413_before_its_token() -> None:
    with pytest.raises(PageError) as refused:
        _check(_post("&".join(["a=1"] * 501)))
    assert refused.value.status == 413
    assert refused.value.message == "The form has too many fields."
    assert _check(_post("&".join([f"csrf_token={COOKIE_TOKEN}"] + ["a=1"] * 499))).get("a") == "1"


@pytest.mark.parametrize(("text", "expected"), [("0", 0), ("42", 42), ("9" * 18, 10**18 - 1)])
def test_a_whole_number_is_read_from_ascii_digits(text: str, expected: int) -> None:
    assert whole_number(text) == expected


@pytest.mark.parametrize("text", ["", "²", "١٢", "4²", "-1", "+1", " 1", "1.0", "9" * 19])
def test_anything_else_is_not_a_whole_number(text: str) -> None:
    assert whole_number(text) is None  # "²" and "١٢" pass str.isdigit; int refuses "²"


@pytest.mark.parametrize(("text", "outside"), [
    ("9999-12-31", True), ("31.12.3000", True), ("1899-12-31", True), ("2999-12-31", False),
    ("1900-01-01", False), ("2027-02-30", False), ("tomorrow", False), ("", False)])
def test_a_real_date_outside_1900_to_2999_is_told_apart(text: str, outside: bool) -> None:
    assert outside_calendar(text) is outside


def test_the_pages_hold_text_to_the_api_s_rules_for_mrz_lines_and_free_text() -> None:
    assert is_mrz_line("P<USATESTER<<ANNA" + "<" * 27)
    assert not is_mrz_line("P<USA\x00TESTER") and not is_mrz_line("P<USA\x1fTESTER")
    assert not is_mrz_line("<" * 61)
    assert is_free_text("on two\nlines\tand tabbed") and is_free_text("")
    assert not is_free_text("a\x00b") and not is_free_text("x" * 2001)
