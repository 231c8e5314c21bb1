"""``/consular``: the consular officer's console (issue 13).

``GET /consular`` is this state's queue of applications, the oldest deadline first, with the
time left and its figures; ``GET /consular/applications/{number}`` one application's file and
the forms that act on it (each ``POST /consular/applications/{number}/{action}``, then back to
the file); ``.../refusal`` the printable refusal form (Visa Code Annex VI) and ``.../sticker``
a granted visa's sticker with its MRZ; ``/consular/consultations`` what other members asked
of this one, with a form to answer each. Every page calls the node's use cases with the
signed-in officer as the actor, so each read of personal data is audited there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cta.domain.applications import REFUSAL_GROUNDS, VISA_ONLY_GROUNDS
from cta.domain.days import FIRST_DAY, LAST_DAY
from cta.domain.errors import CTAError
from cta.domain.roles import Permission, Role
from cta.entrypoints.web.consular_text import (
    ACTIONS,
    ACTORS,
    GROUNDS,
    OPINIONS,
    STATUSES,
    form_rows,
    time_left,
)
from cta.entrypoints.web.i18n import N_
from cta.entrypoints.web.pages import (
    NOT_TEXT,
    Form,
    Page,
    PageError,
    check_form,
    is_free_text,
    iso_day,
    page,
    render,
)
from cta.entrypoints.web.reason_text import refusal_text, review_text, worded
from cta.entrypoints.web.staff import _require, current_session, to_sign_in
from cta.entrypoints.web.stay_calculator import OUTSIDE_CALENDAR
from cta.services.applications import Applications, Decision
from cta.services.node import Actor, ConflictError, ForbiddenError, NotFoundError

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
PURPOSE = "consular examination"
CONSULTATION_PURPOSE = "consultation between member states"
MAX_TEXT = 2000
T = TypeVar("T")


def _applications(request: Request) -> Applications:
    found: Applications = request.app.state.applications  # made by create_app
    return found


async def _officer(request: Request) -> tuple[Page, Actor] | Response:
    """The page and the signed-in consular officer as the actor, or the way to sign in."""
    session = await current_session(request)
    if session is None:
        return to_sign_in(request)
    current = page(request, session)
    _require(current, Permission.DECIDE_APPLICATION)
    return current, Actor(session.user_name, Role(session.role), PURPOSE)


async def _call(action: Callable[[], T]) -> T:
    """A use case in a worker thread; an unknown application is a 404 page."""
    try:
        return await run_in_threadpool(action)
    except NotFoundError:
        raise PageError(404, N_("There is no such application in this state's queue.")) from None
    except ForbiddenError:
        raise PageError(403, N_("Your role may not open this page.")) from None


def _now(request: Request) -> datetime:
    now: datetime = request.app.state.node.clock()
    return now


@router.get("/consular")
async def queue_page(request: Request) -> Response:
    found = await _officer(request)
    if isinstance(found, Response):
        return found
    current, actor = found
    apps = _applications(request)
    queue = await _call(lambda: apps.queue(actor))
    figures = await _call(lambda: apps.figures(actor))
    now = _now(request)
    items = [item | {"left": time_left(current.lang, _instant(item["deadline"]), now)}
             for item in queue["items"]]  # fmt: skip
    return render(current, "consular/queue.html", items=items, figures=figures,
                  statuses=STATUSES)  # fmt: skip


@router.get("/consular/applications/{number}")
async def file_page(request: Request, number: str) -> Response:
    found = await _officer(request)
    if isinstance(found, Response):
        return found
    current, actor = found
    return await _file(request, current, actor, number)


async def _file(request: Request, current: Page, actor: Actor, number: str, status: int = 200,
                errors: list[Any] | None = None, values: dict[str, str] | None = None,
                ) -> Response:  # fmt: skip
    apps = _applications(request)
    _check_number(number)
    record = await _call(lambda: apps.file(actor, number))
    now = _now(request)
    members = sorted(apps.node.regime_on(apps.node.today()).members)
    grounds = [code for code in REFUSAL_GROUNDS
               if record["kind"] == "visa" or code not in VISA_ONLY_GROUNDS]  # fmt: skip
    return render(
        current, "consular/application.html", status=status, errors=errors or [],
        values=values or {}, a=record, left=time_left(current.lang, _instant(record["deadline"]),
                                                      now),
        members=members, others=[m for m in members if m != apps.node.state], grounds=grounds,
        ground_names=GROUNDS, statuses=STATUSES, actions=ACTIONS, opinions=OPINIONS,
        actors=ACTORS, review_text=review_text, mine=record["claimed_by"] == actor.name,
        done=request.query_params.get("done"),
        form_rows=form_rows(current.lang, record["form"]),
        valid_from=_iso_day((record["decision"] or {}).get("valid_from")),
        valid_to=_iso_day((record["decision"] or {}).get("valid_to")),
    )  # fmt: skip


def _iso_day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@router.post("/consular/applications/{number}/{action}")
async def act(request: Request, number: str, action: str) -> Response:
    found = await _officer(request)
    if isinstance(found, Response):
        return found
    current, actor = found
    assert current.session is not None
    form = await check_form(request, current.session)
    step = _STEPS.get(action)
    _check_number(number)
    if step is None:
        raise PageError(404, N_("There is no such application in this state's queue."))
    apps = _applications(request)
    problems: list[Any] = []
    status = 422
    call = step(apps, actor, number, form, problems)
    if not problems:
        try:
            await _call(call)
        except CTAError as exc:  # the use case refused it: said in its words, 409 or 422
            status = 409 if isinstance(exc, ConflictError) else 422
            problems.append((f"{action}-form", _refused_by_node(current, exc)))
    if problems:
        return await _file(request, current, actor, number, status, problems,
                           dict(form.fields))  # fmt: skip
    return RedirectResponse(f"/consular/applications/{number}?done={action}", status_code=303)


def _check_number(number: str) -> None:
    """A 404 page for an application number no application can have (the database could
    not even look up one holding a NUL)."""
    if len(number) > 20 or not is_free_text(number):
        raise PageError(404, N_("There is no such application in this state's queue."))


_CONFLICT = N_("The node could not do this: %(detail)s")


def _refused_by_node(current: Page, exc: Exception) -> str:
    """The use case's refusal inside a translated sentence: in the page's words by its code,
    else the node's English, marked (``refusal_text``)."""
    return worded(current.lang, _CONFLICT, [("detail", refusal_text(current.lang, exc))])


Step = Callable[[Applications, Actor, str, Form, list[tuple[str, str]]],
                Callable[[], Any]]  # fmt: skip


def _text(form: Form, name: str, problems: list[tuple[str, str]], missing: str) -> str:
    value = form.get(name).strip()
    if not value:
        problems.append((name, missing))
    elif len(value) > MAX_TEXT:
        problems.append((name, N_("Write at most 2000 characters.")))
    elif not is_free_text(value):
        problems.append((name, NOT_TEXT))
    return value


def _day(form: Form, name: str, problems: list[tuple[str, str]]) -> date | None:
    text = form.get(name).strip()
    if not text:
        return None
    try:
        day = iso_day(text)
    except ValueError:
        problems.append((name, N_("Enter a real date, like 2027-03-27.")))
        return None
    if not FIRST_DAY <= day <= LAST_DAY:  # the span the API's ``Day`` takes too
        problems.append((name, OUTSIDE_CALENDAR))
        return None
    return day


def _claim(apps: Applications, actor: Actor, number: str, form: Form,
           problems: list[tuple[str, str]]) -> Callable[[], Any]:  # fmt: skip
    return lambda: apps.claim(actor, number)


def _grant(apps: Applications, actor: Actor, number: str, form: Form,
           problems: list[tuple[str, str]]) -> Callable[[], Any]:  # fmt: skip
    first, last = _day(form, "valid_from", problems), _day(form, "valid_to", problems)
    if first is not None and last is not None and last < first:  # said here, by the field
        problems.append(("valid_to", N_("The last day of validity must be on or after the "
                                        "first.")))
    members = apps.node.regime_on(apps.node.today()).members
    chosen = tuple(sorted(m for m in members if form.get(f"territory-{m}") == "on"))
    if not chosen:
        problems.append((f"territory-{sorted(members)[0]}",
                         N_("Choose at least one member state where it is valid.")))
    decision = Decision("granted", valid_from=first, valid_to=last, territorial_validity=chosen)
    return lambda: apps.decide(actor, number, decision)


def _refuse(apps: Applications, actor: Actor, number: str, form: Form,
            problems: list[tuple[str, str]]) -> Callable[[], Any]:  # fmt: skip
    codes = [code for code in REFUSAL_GROUNDS if form.get(f"ground-{code}") == "on"]
    if not codes:
        problems.append(("ground-" + next(iter(REFUSAL_GROUNDS)),
                         N_("Choose at least one ground for the refusal.")))
    return lambda: apps.decide(actor, number, Decision("refused", reasons=codes))


def _information(apps: Applications, actor: Actor, number: str, form: Form,
                 problems: list[tuple[str, str]]) -> Callable[[], Any]:  # fmt: skip
    questions = _text(form, "questions", problems, N_("Write the questions for the applicant."))
    return lambda: apps.request_information(actor, number, questions)


def _interview(apps: Applications, actor: Actor, number: str, form: Form,
               problems: list[tuple[str, str]]) -> Callable[[], Any]:  # fmt: skip
    at = None
    try:
        at = datetime.fromisoformat(form.get("interview_at").strip())
        # bounded before the conversion to UTC, which overflows at the ends of the calendar
        if not FIRST_DAY.year <= at.year <= LAST_DAY.year:
            raise ValueError(f"{at} is outside {FIRST_DAY} to {LAST_DAY}")
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    except ValueError:
        at = None
        problems.append(("interview_at", N_("Enter the date and time of the interview, like "
                                            "2027-03-27 10:30.")))
    place = _text(form, "place", problems, N_("Write where the interview is."))
    return lambda: apps.invite(actor, number, at, place)  # type: ignore[arg-type]


def _consult(apps: Applications, actor: Actor, number: str, form: Form,
             problems: list[tuple[str, str]]) -> Callable[[], Any]:  # fmt: skip
    state = form.get("consult_state")
    members = apps.node.regime_on(apps.node.today()).members - {apps.node.state}
    if state not in members:
        problems.append(("consult_state", N_("Choose the member state to consult.")))
    question = _text(form, "question", problems, N_("Write the question for that member."))
    return lambda: apps.consultations.ask(actor, number, state, question)


def _end(apps: Applications, actor: Actor, number: str, form: Form,
         problems: list[tuple[str, str]]) -> Callable[[], Any]:  # fmt: skip
    outcome = form.get("end_outcome")
    if outcome not in ("annulled", "revoked"):
        problems.append(("end_outcome-annulled", N_("Choose annul or revoke.")))
    reasons = _text(form, "end_reasons", problems, N_("Write why."))
    return lambda: apps.end(actor, number, outcome, [reasons])


def _appeal(apps: Applications, actor: Actor, number: str, form: Form,
            problems: list[tuple[str, str]]) -> Callable[[], Any]:  # fmt: skip
    grounds = _text(form, "appeal_grounds", problems, N_("Write the grounds of the appeal."))
    return lambda: apps.appeal(actor, number, grounds)


def _appeal_outcome(apps: Applications, actor: Actor, number: str, form: Form,
                    problems: list[tuple[str, str]]) -> Callable[[], Any]:  # fmt: skip
    outcome = form.get("appeal_outcome")
    if outcome not in ("allowed", "dismissed"):
        problems.append(("appeal_outcome-allowed", N_("Choose the outcome of the appeal.")))
    reasons = form.get("appeal_reasons").strip()[:MAX_TEXT]
    if not is_free_text(reasons):
        problems.append(("appeal_reasons", NOT_TEXT))
    return lambda: apps.appeal_outcome(actor, number, outcome, [reasons] if reasons else [])


_STEPS: dict[str, Step] = {
    "claim": _claim, "grant": _grant, "refuse": _refuse, "information": _information,
    "interview": _interview, "consult": _consult, "end": _end, "appeal": _appeal,
    "appeal-outcome": _appeal_outcome,
}  # fmt: skip


@router.get("/consular/applications/{number}/refusal")
async def refusal_form(request: Request, number: str) -> Response:
    """The refusal as the standard form of the Visa Code's Annex VI, to print."""
    found = await _officer(request)
    if isinstance(found, Response):
        return found
    current, actor = found
    _check_number(number)
    record = await _call(lambda: _applications(request).file(actor, number))
    decision = record["decision"] or {}
    if decision.get("outcome") != "refused":
        raise PageError(404, N_("This application was not refused."))
    chosen = {r["code"] for r in decision.get("reasons", [])}
    grounds = [code for code in REFUSAL_GROUNDS
               if record["kind"] == "visa" or code not in VISA_ONLY_GROUNDS]  # fmt: skip
    return render(current, "consular/refusal.html", a=record, chosen=chosen, grounds=grounds,
                  ground_names=GROUNDS, decided=_decided_on(record, "refused"))  # fmt: skip


@router.get("/consular/applications/{number}/sticker")
async def visa_sticker(request: Request, number: str) -> Response:
    """A granted visa's sticker: its number, validity, entries, duration and MRZ."""
    found = await _officer(request)
    if isinstance(found, Response):
        return found
    current, actor = found
    _check_number(number)
    record = await _call(lambda: _applications(request).file(actor, number))
    decision = record["decision"] or {}
    if record["kind"] != "visa" or record["status"] != "granted" or not decision.get("mrz"):
        raise PageError(404, N_("This application has no visa to print."))
    return render(current, "consular/sticker.html", a=record, d=decision,
                  valid_from=date.fromisoformat(decision["valid_from"]),
                  valid_to=date.fromisoformat(decision["valid_to"]))  # fmt: skip


def _decided_on(record: dict[str, Any], action: str) -> date | None:
    for step in reversed(record["history"]):
        if step["action"] == action:
            return _instant(step["at"]).date()
    return None


@router.get("/consular/consultations")
async def consultations_page(request: Request) -> Response:
    found = await _officer(request)
    if isinstance(found, Response):
        return found
    current, actor = found
    return await _consultations(request, current, actor)


async def _consultations(request: Request, current: Page, actor: Actor, status: int = 200,
                         errors: list[Any] | None = None, values: dict[str, str] | None = None,
                         ) -> Response:  # fmt: skip
    consulted = _applications(request).consultations
    asking = Actor(actor.name, actor.role, CONSULTATION_PURPOSE)
    found = await _call(lambda: consulted.asked_of_us(asking, open_only=False, after=0,
                                                      limit=200))  # fmt: skip
    now = _now(request)
    items = [c | {"left": time_left(current.lang, _instant(c["due_at"]), now)}
             for c in found["consultations"]]  # fmt: skip
    items.sort(key=lambda c: (c["state"] != "open", c["due_at"]))
    return render(current, "consular/consultations.html", status=status, items=items,
                  errors=errors or [], values=values or {}, opinions=OPINIONS, statuses=STATUSES,
                  review_text=review_text, done=request.query_params.get("done"))  # fmt: skip


@router.post("/consular/consultations/{ref}/answer")
async def answer(request: Request, ref: str) -> Response:
    found = await _officer(request)
    if isinstance(found, Response):
        return found
    current, actor = found
    assert current.session is not None
    form = await check_form(request, current.session)
    opinion = form.get("opinion")
    reasons = form.get("reasons").strip()[:MAX_TEXT]
    problems: list[Any] = []
    if opinion not in ("positive", "negative"):
        problems.append((f"opinion-{ref}-positive", N_("Choose an opinion.")))
    elif opinion == "negative" and not reasons:
        problems.append((f"reasons-{ref}", N_("A negative opinion gives its reasons.")))
    elif not is_free_text(reasons) or not is_free_text(ref):
        problems.append((f"reasons-{ref}", NOT_TEXT))
    if not problems:
        asking = Actor(actor.name, actor.role, CONSULTATION_PURPOSE)
        consulted = _applications(request).consultations
        try:
            await run_in_threadpool(consulted.answer, asking, ref, opinion,
                                    [reasons] if reasons else [])  # fmt: skip
        except NotFoundError:
            raise PageError(404, N_("There is no such consultation on this node.")) from None
        except CTAError as exc:
            problems.append((f"opinion-{ref}-positive", _refused_by_node(current, exc)))
    if problems:
        return await _consultations(request, current, actor, 422, problems, dict(form.fields))
    return RedirectResponse("/consular/consultations?done=answered", status_code=303)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
