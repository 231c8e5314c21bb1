"""The traveller's self-service (public, no sign-in): ``/traveller`` (the index),
``/traveller/status`` (follow an application, answer a request for information) and
``/traveller/days`` ("My days"). ``/traveller/apply`` is ``traveller_apply``; the stay
calculator ``stay_calculator``.

The application number and the access code travel only in POSTed forms, never in an address;
every page is sent with ``Cache-Control: no-store`` (``pages.render``) and the node's
``Referrer-Policy: same-origin``. Opening an application costs one call of the client's
allowance of applicant reads (``CTA_APPLICATION_READS_PER_MINUTE``), as the API's does; "My
days" has its own allowance per client, of the same size. A wrong code and an unknown number
get the same answer; so do an unknown document and a known one with another birth date
(``cta.services.traveller_days``).
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from cta.domain.applications import ApplicationStatus
from cta.domain.countries import name_key
from cta.domain.errors import CTAError
from cta.entrypoints.web.i18n import N_
from cta.entrypoints.web.pages import Page, PageError, check_form, is_free_text, page, render
from cta.entrypoints.web.stay_calculator import OUTSIDE_CALENDAR, outside_calendar, parse_day
from cta.services.applications import Applications
from cta.services.node import NotFoundError
from cta.services.ports import AuditEntry
from cta.services.read_limits import ALARM
from cta.services.traveller_days import PURPOSE, TRAVELLER, own_days

__all__ = ["ENTRIES", "KINDS", "REASONS", "STATUSES", "admit", "applications", "countries",
           "router"]

router = APIRouter(include_in_schema=False)
MAX_ANSWER = 2000

# what each status means to the applicant
STATUSES = {
    ApplicationStatus.PROCESSING.value: N_("Your application is being checked."),
    ApplicationStatus.MANUAL.value: N_("A consular officer is examining your application."),
    ApplicationStatus.INFORMATION_REQUESTED.value: N_(
        "The consular officer needs more information from you: answer below."),
    ApplicationStatus.GRANTED.value: N_("Your application is granted."),
    ApplicationStatus.REFUSED.value: N_("Your application is refused."),
    ApplicationStatus.ANNULLED.value: N_("Your travel authorisation or visa was annulled."),
    ApplicationStatus.REVOKED.value: N_("Your travel authorisation or visa was revoked."),
}
# the grounds of a refusal (cta.domain.applications), as the applicant reads them
REASONS = {
    "invalid_document": N_("The travel document is reported lost, stolen, misappropriated or "
                           "invalidated."),
    "security_risk": N_("You are considered a security risk."),
    "illegal_immigration_risk": N_("You are considered a risk of illegal immigration."),
    "alert_refusal_of_entry": N_("There is an alert for refusal of entry on you."),
    "no_reply": N_("You did not answer a request for information or come to an interview in "
                   "time."),
    "doubts": N_("There are reasonable and serious doubts about the data, the statements or the "
                 "supporting documents you gave."),
    "purpose_not_justified": N_("The purpose and conditions of the stay were not justified."),
    "no_means_of_subsistence": N_("You did not show enough means of subsistence."),
    "stay_used": N_("You have already stayed 90 days in the current 180 days."),
    "no_insurance": N_("You did not show valid travel medical insurance."),
    "intention_to_leave": N_("It could not be established that you will leave the area before "
                             "the visa ends."),
}  # fmt: skip
KINDS = {"authorization": N_("travel authorisation"), "visa": N_("visa")}
ENTRIES = {"1": N_("One"), "2": N_("Two"), "multiple": N_("Multiple")}


def applications(request: Request) -> Applications:
    """The node's application use cases, shared with the API (``app.state.applications``)."""
    found: Applications = request.app.state.applications  # made by create_app
    return found


def countries(current: Page) -> list[tuple[str, str]]:
    """(code, name in the page's language) of every nationality a passport may carry, by name."""
    table = current.request.app.state.node.reference.countries
    named = [(code, current.lang.country(code)) for code in table.mrz_codes if len(code) == 3]
    return sorted(named, key=lambda item: name_key(item[1]))  # ё sorts as е


async def admit(request: Request, *, submission: bool = False, days: bool = False) -> str:
    """The client's address after one call of its allowance; a page saying when to try again
    (429) when the allowance is used up."""
    from cta.entrypoints.api.clients import admitted_client  # the API's allowances

    try:
        if days:
            return await _admitted_for_days(request)
        return await admitted_client(request, submission=submission)
    except HTTPException as exc:
        raise PageError(429, N_("You have sent too many forms from this address. Wait a minute "
                                "and try again.")) from exc


async def _admitted_for_days(request: Request) -> str:
    from cta.entrypoints.api.clients import policy_of

    policy = policy_of(request)
    client = policy.client(request)
    reads = request.app.state.reads
    if reads is not None:
        alarm = AuditEntry(TRAVELLER, TRAVELLER, ALARM, PURPOSE, None,
                           {"client": client, "call": "own days",
                            "limit": policy.reads.describe()})  # fmt: skip
        wait_us, _ = await run_in_threadpool(reads.allowances.take, f"days@{client}"[:100],
                                             reads.clock(), policy.reads, alarm)  # fmt: skip
        if wait_us > 0:
            raise HTTPException(429, f"retry in {max(1, math.ceil(wait_us / 1e6))} s")
    return client


@router.get("/traveller")
async def index(request: Request) -> Response:
    return render(page(request), "traveller/index.html")


# -- following an application ------------------------------------------------------------


@router.get("/traveller/status")
async def status_form(request: Request) -> Response:
    return render(page(request), "traveller/status.html", number="", shown=None)


@router.post("/traveller/status")
async def status_answer(request: Request) -> Response:
    current = page(request)
    form = await check_form(request, None)
    number = form.get("number").strip().upper()[:40]
    code = form.get("code").strip()[:100]
    errors = []
    if not number:
        errors.append(("number", N_("Enter the application number.")))
    if not code:
        errors.append(("code", N_("Enter the access code.")))
    if errors:
        return render(current, "traveller/status.html", status=422, number=number, shown=None,
                      errors=errors)  # fmt: skip
    await admit(request)
    if not (is_free_text(number) and is_free_text(code)):  # no number or code holds a NUL
        return _not_found(current, number)
    apps = applications(request)
    answered = False
    if form.get("action") == "answer":
        text = form.get("answer").strip()
        if not text or len(text) > MAX_ANSWER or not is_free_text(text):
            return await _shown(current, apps, number, code, status=422, answer=text,
                                errors=[("answer", N_("Write your answer, in at most 2000 "
                                                      "characters."))])  # fmt: skip
        try:
            await run_in_threadpool(apps.answer_information, number, code, text)
            answered = True
        except NotFoundError:
            pass  # shown below as any unknown number
        except CTAError:
            answered = False  # nothing was asked any more: the status says so
    return await _shown(current, apps, number, code, answered=answered)


async def _shown(current: Page, apps: Applications, number: str, code: str, *,
                 status: int = 200, **context: Any) -> Response:  # fmt: skip
    try:
        shown = await run_in_threadpool(apps.status, number, code)
    except NotFoundError:
        return _not_found(current, number)
    decision = shown.get("decision") or {}
    return render(current, "traveller/status.html", status=status, number=number, code=code,
                  shown=shown, decision=decision, statuses=STATUSES, kinds=KINDS, entries=ENTRIES,
                  reasons=[_reason(r) for r in decision.get("reasons") or []],
                  valid_from=_day(decision.get("valid_from")),
                  valid_to=_day(decision.get("valid_to")),
                  submitted=_instant(shown["submitted_at"]), due=_instant(shown["deadline"]),
                  **context)  # fmt: skip


def _not_found(current: Page, number: str) -> Response:
    """The page for a number and code that name no application (never which one is wrong)."""
    errors = [("number", N_("We found no application with this number and access code. "
                            "Check both and try again."))]  # fmt: skip
    return render(current, "traveller/status.html", status=404, number=number, shown=None,
                  errors=errors)  # fmt: skip


def _reason(reason: dict[str, str]) -> tuple[str | None, str]:
    """(a catalog message, or None) and the reason's own words, for one ground of a decision."""
    return REASONS.get(reason.get("code", "")), reason.get("message", "")


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _instant(text: str) -> date:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).date()


# -- My days ------------------------------------------------------------------------------


@router.get("/traveller/days")
async def days_form(request: Request) -> Response:
    current = page(request)
    return render(current, "traveller/days.html", values={}, result=None,
                  countries=countries(current))  # fmt: skip


@router.post("/traveller/days")
async def days_answer(request: Request) -> Response:
    current = page(request)
    form = await check_form(request, None)
    values = {k: form.get(k).strip()[:40] for k in ("document_number", "nationality", "birth")}
    values["document_number"] = values["document_number"].upper().replace(" ", "")
    node = request.app.state.node
    errors = []
    number = values["document_number"]
    if not (1 <= len(number) <= 20 and number.isascii() and number.isalnum()):
        errors.append(("document_number", N_("Enter the document number as printed, letters "
                                             "A to Z and digits only.")))  # fmt: skip
    if values["nationality"] not in node.reference.countries.mrz_codes:
        errors.append(("nationality", N_("Choose your nationality from the list.")))
    birth = parse_day(values["birth"])
    if outside_calendar(values["birth"]):
        errors.append(("birth", OUTSIDE_CALENDAR))
    elif birth is None:
        errors.append(("birth", N_("Enter your date of birth as a real date, like 1990-05-17.")))
    elif birth > node.today():
        errors.append(("birth", N_("Your date of birth cannot be after today.")))
    if errors or birth is None:
        return render(current, "traveller/days.html", status=422, values=values, result=None,
                      countries=countries(current), errors=errors)  # fmt: skip
    await admit(request, days=True)
    result = await run_in_threadpool(own_days, node, number, values["nationality"], birth,
                                     node.today())  # fmt: skip
    return render(current, "traveller/days.html", values=values, result=result,
                  countries=countries(current))  # fmt: skip
