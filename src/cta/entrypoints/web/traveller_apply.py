"""``/traveller/apply``: apply for a travel authorisation or a visa, one question a page.

The steps (``STEPS``): nationality (which tells the route: an authorisation, a visa, or
nothing to apply for, as the node's regime says), the passport (its MRZ, or its fields, from
which the MRZ is written), contact details, the background questions, the journey (a visa
only), then "check your answers" and the confirmation with the number and the access code.
No JavaScript: each step is POSTed and checked on the server; the answers of the other steps
ride along in hidden fields (nothing is stored before the last step), and so does an
idempotency key made on the first page, so a form sent twice is one application. The last
step calls ``Applications.submit`` with the client's address, after one call of its
allowance of submissions (``CTA_APPLICATIONS_PER_MINUTE``).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from cta.adapters.storage.store import DuplicateError
from cta.domain.applications import ApplicationKind, route_for
from cta.domain.documents.generate import generate_mrz
from cta.domain.documents.model import DocumentFields, DocumentType
from cta.domain.errors import CTAError
from cta.domain.names.transliterate import to_mrz
from cta.entrypoints.web.i18n import N_
from cta.entrypoints.web.pages import (
    Form,
    Page,
    check_form,
    is_mrz_line,
    page,
    render,
    whole_number,
)
from cta.entrypoints.web.reason_text import mrz_issues_text, worded
from cta.entrypoints.web.stay_calculator import OUTSIDE_CALENDAR, outside_calendar, parse_day
from cta.entrypoints.web.traveller import (
    ENTRIES,
    KINDS,
    STATUSES,
    admit,
    applications,
    countries,
)
from cta.entrypoints.web.traveller import router as traveller_router
from cta.services.applications import Submission
from cta.services.checks import read_document
from cta.services.node import ConflictError, Idempotency

__all__ = ["FIELDS", "STEPS", "pages", "router"]

router = APIRouter(include_in_schema=False)
STEPS = ("nationality", "document", "contact", "questions", "journey", "check")
QUESTIONS = ("convictions", "conflict_zones", "removal_orders")
JOURNEY = ("purpose", "arrival", "departure", "entries", "duration_days", "accommodation",
           "means_of_subsistence", "travel_medical_insurance")  # fmt: skip
PASSPORT = ("surname", "given_names", "document_number", "birth_date", "sex", "expiry_date")
CONTACT = ("email", "phone", "address", "birth_place", "occupation")
OPTIONAL = ("other_names", "parents_first_names", "education")  # ETIAS Art. 17(2)
# every answer, by step (the passport's fields and the typed MRZ become ``mrz``)
FIELDS = {"nationality": ("nationality",), "document": ("mrz",), "contact": (*CONTACT, *OPTIONAL),
          "questions": QUESTIONS, "journey": JOURNEY}  # fmt: skip
KEPT = ("key", *(name for names in FIELDS.values() for name in names))
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9 ()-]{5,30}")
_NUMBER = re.compile(r"[A-Z0-9]{1,9}")
_TEXT_MAX = 500


def _route(request: Request, nationality: str) -> ApplicationKind | None:
    node = request.app.state.node
    return route_for(node.regime_on(node.today()).category_for(nationality))


def _steps(kind: ApplicationKind | None) -> list[str]:
    return [s for s in STEPS if s != "journey" or kind is ApplicationKind.VISA]


@router.get("/traveller/apply")
async def start(request: Request) -> Response:
    current = page(request)
    answers = {"key": secrets.token_urlsafe(16)}
    return _show(current, "nationality", answers)


@router.post("/traveller/apply")
async def step(request: Request) -> Response:
    current = page(request)
    form = await check_form(request, None)
    answers = {name: form.get(name)[:2000] for name in KEPT if name in form.fields}
    if not 16 <= len(answers.get("key", "")) <= 64:
        answers["key"] = secrets.token_urlsafe(16)
    here = form.get("step") if form.get("step") in STEPS else "nationality"
    action = form.get("action", "continue")
    kind = _route(request, answers.get("nationality", "")) if answers.get("nationality") else None
    order = _steps(kind)
    if action.startswith("change-") and action[7:] in order:  # from "check your answers"
        return _show(current, action[7:], answers, back_to_check=True)
    if action == "back":
        index = order.index(here) if here in order else 1
        return _show(current, order[max(0, index - 1)], answers)
    errors = _checked(current, here, form, answers)
    if errors:
        return _show(current, here, answers, status=422, errors=errors, typed=form.fields)
    if here == "nationality":
        kind = _route(request, answers["nationality"])
        if kind is None:
            return render(current, "traveller/apply_none.html", nationality=answers["nationality"],
                          category=_category(request, answers["nationality"]))  # fmt: skip
        order = _steps(kind)
    if here == "check":
        return await _submit(current, answers, kind)
    if form.get("back_to_check") == "1" and _complete(answers, order):
        return _show(current, "check", answers)
    following = order[order.index(here) + 1] if here in order else order[0]
    return _show(current, following, answers)


def _category(request: Request, nationality: str) -> str:
    node = request.app.state.node
    return str(node.regime_on(node.today()).category_for(nationality).value)


def _complete(answers: dict[str, str], order: list[str]) -> bool:
    return all(answers.get(name) for s in order if s in FIELDS for name in FIELDS[s]
               if name not in OPTIONAL)


def _show(current: Page, step_name: str, answers: dict[str, str], *, status: int = 200,
          errors: list[tuple[str, Any]] | None = None, typed: Any = None,
          back_to_check: bool = False) -> Response:  # fmt: skip
    request = current.request
    nationality = answers.get("nationality", "")
    kind = _route(request, nationality) if nationality else None
    order = _steps(kind)
    own = set(FIELDS.get(step_name, ()))
    hidden = {k: v for k, v in answers.items() if k not in own}
    values = dict(answers) | ({k: str(v)[:2000] for k, v in typed.items()} if typed else {})
    return render(current, f"traveller/apply_{step_name}.html", status=status,
                  step=step_name, number=order.index(step_name) + 1 if step_name in order else 1,
                  total=len(order), hidden=hidden, values=values, kind=kind, kinds=KINDS,
                  countries=countries(current) if step_name == "nationality" else [],
                  lines=answers.get("mrz", "").split(), order=order,
                  back_to_check=back_to_check, errors=errors or [],
                  summary=_summary(current, answers, order) if step_name == "check" else [])


def _checked(current: Page, here: str, form: Form, answers: dict[str, str]) -> list[Any]:
    """The step's fields checked; the answers updated with what is right."""
    if here == "nationality":
        code = form.get("nationality")
        table = current.request.app.state.node.reference.countries
        if code not in table.mrz_codes:
            return [("nationality", N_("Choose your nationality from the list."))]
        answers["nationality"] = code
        return []
    if here == "document":
        return _document(current, form, answers)
    if here == "contact":
        return _contact(form, answers)
    if here == "questions":
        errors = []
        for name in QUESTIONS:
            if form.get(name) not in ("yes", "no"):
                errors.append((f"{name}-yes", N_("Answer yes or no to each question.")))
            else:
                answers[name] = form.get(name)
        return errors
    if here == "journey":
        return _journey(current, form, answers)
    return []


def _document(current: Page, form: Form, answers: dict[str, str]) -> list[Any]:
    today: date = current.request.app.state.node.today()
    typed = form.get("mrz_typed").upper().split()
    nationality = answers.get("nationality", "")
    if typed:
        lines, field = typed, "mrz_typed"
    else:
        errors, lines = _written(form, nationality, today, current.lang.code)
        if errors:
            return errors
        field = "surname"
    countries_ = current.request.app.state.node.reference.countries
    try:
        # a line the API would refuse (a control character, say) is not read at all
        readable = all(is_mrz_line(line) for line in lines)
        document = read_document(lines, on=today, countries=countries_) if readable else None
    except CTAError:
        document = None
    if document is not None and not document.valid:  # each problem in the page's words
        return [(field, worded(current.lang, N_(
            "The passport's machine-readable zone does not read as valid: %(problems)s. Check "
            "each character, or type the passport's fields instead."),
            [("problems", mrz_issues_text(current.lang, document.errors))]))]
    if document is None:
        return [(field, N_("The passport's machine-readable zone does not read as valid. Check "
                           "each character, or type the passport's fields instead."))]
    if document.document_code[:1] != "P":
        return [(field, N_("Give a passport: its machine-readable zone starts with P."))]
    if document.nationality != nationality:
        return [(field, N_("The passport's nationality is not the one you chose. Go back and "
                           "choose it, or give your own passport."))]  # fmt: skip
    if document.expiry_date is not None and document.expiry_date <= today:
        return [(field, N_("The passport has expired."))]
    answers["mrz"] = " ".join(document.lines)
    return []


def _written(form: Form, nationality: str, today: date,
             lang: str) -> tuple[list[Any], list[str]]:  # fmt: skip
    """The MRZ written from the passport's typed fields, or the errors naming them."""
    errors: list[Any] = []
    surname = _mrz_name(form.get("surname"), lang)
    given = _mrz_name(form.get("given_names"), lang)
    number = form.get("document_number").upper().replace(" ", "")
    birth, expiry = parse_day(form.get("birth_date")), parse_day(form.get("expiry_date"))
    sex = form.get("sex")
    if not surname:
        errors.append(("surname", N_("Enter your surname as in the passport.")))
    if not _NUMBER.fullmatch(number):
        errors.append(("document_number", N_("Enter the passport number: up to 9 letters A to "
                                             "Z and digits.")))  # fmt: skip
    if outside_calendar(form.get("birth_date")):
        errors.append(("birth_date", OUTSIDE_CALENDAR))
    elif birth is None or birth >= today:
        errors.append(("birth_date", N_("Enter your date of birth as a real date, like "
                                        "1990-05-17.")))  # fmt: skip
    if sex not in ("F", "M", "X"):
        errors.append(("sex-F", N_("Choose the sex printed in the passport.")))
    if outside_calendar(form.get("expiry_date")):
        errors.append(("expiry_date", OUTSIDE_CALENDAR))
    elif expiry is None or expiry <= today:
        errors.append(("expiry_date", N_("Enter the passport's expiry date, a date after today, "
                                         "like 2031-05-17.")))  # fmt: skip
    if errors or birth is None or expiry is None:
        return errors, []
    fields = DocumentFields(type=DocumentType.TD3, document_code="P", issuing_state=nationality,
                            surname=surname, given_names=given, document_number=number,
                            nationality=nationality, birth_date=birth, sex=sex,
                            expiry_date=expiry)  # fmt: skip
    try:
        return [], list(generate_mrz(fields))
    except ValueError:
        return [("surname", N_("Write your names in Latin letters as in the passport."))], []


def _mrz_name(text: str, lang: str) -> str:
    try:
        return to_mrz(text.strip()[:100], language=lang).replace("<", " ").strip()
    except (ValueError, KeyError):
        return ""


def _contact(form: Form, answers: dict[str, str]) -> list[Any]:
    errors: list[Any] = []
    values = {name: form.get(name).strip() for name in CONTACT}
    if not _EMAIL.fullmatch(values["email"]) or len(values["email"]) > 320:
        errors.append(("email", N_("Enter an email address, like name@example.org.")))
    if not _PHONE.fullmatch(values["phone"]):
        errors.append(("phone", N_("Enter a telephone number, like +995 32 200 0000.")))
    for name, message in (("address", N_("Enter your home address.")),
                          ("birth_place", N_("Enter your place of birth.")),
                          ("occupation", N_("Enter your occupation.")),):  # fmt: skip
        if not _text_ok(values[name]):
            errors.append((name, message))
    for name, most, message in (
            ("other_names", 10, N_("Give at most 10 names, separated by commas.")),
            ("parents_first_names", 2, N_("Give at most two first names, separated by commas.")),
            ("education", 1, N_("Write your education in at most 500 characters."))):
        values[name] = form.get(name).strip()
        parts = _names(values[name]) if most > 1 else [values[name]] if values[name] else []
        if len(parts) > most or not all(_text_ok(p) for p in parts):
            errors.append((name, message))
    answers.update(values)
    return errors


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _text_ok(text: str) -> bool:
    return 0 < len(text) <= _TEXT_MAX and not any(ord(c) < 32 or ord(c) == 127 for c in text)


def _journey(current: Page, form: Form, answers: dict[str, str]) -> list[Any]:
    today: date = current.request.app.state.node.today()
    values = {name: form.get(name).strip() for name in JOURNEY}
    errors: list[Any] = []
    if not _text_ok(values["purpose"]):
        errors.append(("purpose", N_("Enter the purpose of your journey.")))
    arrival, departure = parse_day(values["arrival"]), parse_day(values["departure"])
    if outside_calendar(values["arrival"]):
        errors.append(("arrival", OUTSIDE_CALENDAR))
    elif arrival is None or arrival < today:
        errors.append(("arrival", N_("Enter the date you plan to arrive, today or later, like "
                                     "2027-03-27.")))  # fmt: skip
    if outside_calendar(values["departure"]):
        errors.append(("departure", OUTSIDE_CALENDAR))
    elif departure is None or (arrival is not None and departure < arrival):
        errors.append(("departure", N_("Enter the date you plan to leave, on or after the "
                                       "arrival date.")))  # fmt: skip
    if values["entries"] not in ("1", "2", "multiple"):
        errors.append(("entries-1", N_("Choose how many entries you need.")))
    days = whole_number(values["duration_days"])
    if days is None or not 1 <= days <= 90:
        errors.append(("duration_days", N_("Enter the days of stay, a number from 1 to 90.")))
    for name, message in (("accommodation", N_("Enter where you will stay.")),
                          ("means_of_subsistence", N_("Enter how you will pay for your "
                                                      "stay."))):  # fmt: skip
        if not _text_ok(values[name]):
            errors.append((name, message))
    if values["travel_medical_insurance"] not in ("yes", "no"):
        errors.append(("travel_medical_insurance-yes", N_("Answer whether you have travel "
                                                          "medical insurance.")))  # fmt: skip
    if arrival is not None and departure is not None:
        values["arrival"], values["departure"] = arrival.isoformat(), departure.isoformat()
    answers.update(values)
    return errors


def _summary(current: Page, answers: dict[str, str],
             order: list[str]) -> list[tuple[str, str, str, str]]:
    """(step, field id, question, answer as shown) for "check your answers"."""
    lang, get = current.lang, answers.get
    yes_no = {"yes": lang.gettext("Yes"), "no": lang.gettext("No")}
    rows = [("nationality", "nationality", lang.gettext("Nationality"),
             lang.country(get("nationality", "")))]
    rows.append(("document", "mrz", lang.gettext("Passport's machine-readable zone"),
                 "\n".join(get("mrz", "").split())))
    labels = {"email": N_("Email address"), "phone": N_("Telephone number"),
              "address": N_("Home address"), "birth_place": N_("Place of birth"),
              "occupation": N_("Occupation"), "other_names": N_("Other names"),
              "parents_first_names": N_("Parents' first names"), "education": N_("Education"),
              "convictions": N_("Convictions in the last 10 "
              "years"), "conflict_zones": N_("Stays in war or conflict zones in the last 10 years"),
              "removal_orders": N_("Orders to leave a country in the last 10 years"),
              "purpose": N_("Purpose of the journey"), "arrival": N_("Arrival date"),
              "departure": N_("Departure date"), "entries": N_("Entries"),
              "duration_days": N_("Days of stay"), "accommodation": N_("Where you will stay"),
              "means_of_subsistence": N_("How you will pay for your stay"),
              "travel_medical_insurance": N_("Travel medical insurance")}  # fmt: skip
    for step_name in ("contact", "questions", "journey"):
        if step_name not in order:
            continue
        for name in FIELDS[step_name]:
            value = get(name, "")
            if value in yes_no:
                value = yes_no[value]
            elif name in ("arrival", "departure") and parse_day(value):
                value = lang.date(parse_day(value))
            elif name in OPTIONAL and not value:
                value = lang.gettext("Not given")
            elif name == "entries" and value in ENTRIES:
                value = lang.gettext(ENTRIES[value])
            rows.append((step_name, name, lang.gettext(labels[name]), value))
    return rows


async def _submit(current: Page, answers: dict[str, str],
                  kind: ApplicationKind | None) -> Response:  # fmt: skip
    request = current.request
    order = _steps(kind)
    if kind is None or not _complete(answers, order):
        return _show(current, "nationality", answers, status=422,
                     errors=[("nationality", N_("Some answers are missing. Start again from "
                                                "your nationality."))])  # fmt: skip
    from cta.entrypoints.api.applications import ApplicationBody  # the API's own checks

    body = _body(current, answers, kind)
    try:
        checked = ApplicationBody.model_validate(body)
    except ValidationError:
        return _show(current, "check", answers, status=422, errors=[
            ("submit", N_("Some answers could not be accepted. Change them and send the "
                          "application again."))])  # fmt: skip
    form = checked.model_dump(mode="json")
    digest = hashlib.sha256(json.dumps(form, sort_keys=True).encode()).hexdigest()
    submission = Submission(kind=kind, mrz=checked.mrz, first_state=checked.first_state,
                            language=checked.language, email=checked.email,
                            answers=checked.answers.model_dump(), form=form)  # fmt: skip
    client = await admit(request, submission=True)
    apps = applications(request)
    idempotency = Idempotency(answers["key"], digest)
    try:
        try:
            _, answer = await run_in_threadpool(apps.submit, submission, client, idempotency)
        except DuplicateError:  # the same form sent twice at once: the first one's answer
            _, answer = await run_in_threadpool(apps.submit, submission, client, idempotency)
    except (ConflictError, CTAError):
        return _show(current, "check", answers, status=422, errors=[
            ("submit", N_("The application could not be accepted as it is. Check your answers, "
                          "or start a new application."))])  # fmt: skip
    return render(current, "traveller/apply_done.html", answer=answer, kinds=KINDS,
                  kind=kind.value, statuses=STATUSES)  # fmt: skip


def _body(current: Page, answers: dict[str, str], kind: ApplicationKind) -> dict[str, Any]:
    get = answers.get
    body: dict[str, Any] = {
        "kind": kind.value, "mrz": get("mrz", "").split(),
        "email": get("email"), "phone": get("phone"), "address": get("address"),
        "birth_place": get("birth_place"), "occupation": get("occupation"),
        "first_state": current.request.app.state.node.state, "language": current.lang.code,
        "answers": {name: get(name) == "yes" for name in QUESTIONS},
        "other_names": _names(get("other_names") or ""),
        "parents_first_names": _names(get("parents_first_names") or ""),
    }  # fmt: skip
    if get("education"):
        body["education"] = get("education")
    if kind is ApplicationKind.VISA:
        body |= {"purpose": get("purpose"), "arrival": get("arrival"),
                 "departure": get("departure"), "entries": get("entries"),
                 "duration_days": whole_number(get("duration_days", "")) or 0,
                 "accommodation": get("accommodation"),
                 "means_of_subsistence": get("means_of_subsistence"),
                 "travel_medical_insurance": get("travel_medical_insurance") == "yes"}
    return body



# every traveller page but the stay calculator, for ``start.add_start_pages``
pages = APIRouter(include_in_schema=False)
pages.include_router(traveller_router)
pages.include_router(router)
