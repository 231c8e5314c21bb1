"""``/officer``: the border officer's console, and ``/officer/persons/{id}``: a traveller's file.

The officer chooses a post once (``POST /officer/post``: one of this state's external crossing
points and a direction, kept in the ``cta_officer_post`` cookie), then checks travellers: the
MRZ as a keyboard-wedge reader types it (each line followed by Enter; ``static/officer.js``
sends the form when the lines make a whole TD1, TD2 or TD3 MRZ, and the "Check" button does
the same without the script) is sent to ``POST /officer/check``, and the decision is drawn.
From there: ``POST /officer/record`` records the entry or exit (with an override reason when
the check refused), ``POST /officer/refuse`` records a refusal and shows the printable
refusal form (Annex V part B as a model), ``POST /officer/hit`` confirms or dismisses an
alert hit with a reason. A document the node does not know, whose holder may be a known person,
is checked again as that person (``person_id``), and recording then files it to them.

Every page calls the node's use cases with the signed-in staff member as the actor, for the
purpose "border control"; they check the role and audit every read of personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cta.domain.checks import Direction
from cta.domain.documents import parse_mrz
from cta.domain.errors import CTAError
from cta.domain.internal_checks import Reintroduction
from cta.domain.roles import Permission, Role, allows
from cta.domain.travellers import earlier_document_problem
from cta.entrypoints.web.i18n import N_
from cta.entrypoints.web.officer_view import (
    ALERT_CATEGORIES,
    DIRECTIONS,
    LETTERS,
    MRZ_SHAPES,
    OUTCOMES,
    freshness,
    mrz_lines,
    reason_heading,
    timeline,
    window,
)
from cta.entrypoints.web.pages import (
    NOT_TEXT,
    Form,
    Page,
    PageError,
    check_form,
    is_free_text,
    is_mrz_line,
    page,
    render,
    set_cookie,
    whole_number,
)
from cta.entrypoints.web.reason_text import (
    anomaly_lines,
    reason_text,
    recorded_anomaly_text,
    refusal_text,
    worded,
)
from cta.entrypoints.web.staff import ROLE_NAMES, _require, current_session, to_sign_in
from cta.services.node import Node
from cta.services.node.core import Actor, ForbiddenError, NotFoundError
from cta.services.node.crossings import BorderCheck, CheckOutcome, RecordCrossing

__all__ = ["POST_COOKIE", "PURPOSE", "router"]

router = APIRouter(include_in_schema=False)
POST_COOKIE = "cta_officer_post"
PURPOSE = "border control"
MAX_LINE = 60
NOT_MRZ = N_(
    "The machine readable zone holds control characters, which no document carries. "
    "Scan or type it again."
)


def _node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


async def _signed_in(request: Request, permission: Permission) -> Page | Response:
    session = await current_session(request)
    if session is None:
        return to_sign_in(request)
    current = page(request, session)
    _require(current, permission)
    return current


def _actor(current: Page) -> Actor:
    assert current.session is not None
    return Actor(current.session.user_name, Role(current.session.role), PURPOSE)


def _post(request: Request) -> tuple[str, str] | None:
    """The officer's crossing point and direction, when the cookie names a valid pair."""
    point, _, direction = request.cookies.get(POST_COOKIE, "").partition(" ")
    return (point, direction) if point in _points(request) and direction in DIRECTIONS else None


def _points(request: Request) -> list[str]:
    """The points an officer of this node may check at: its external points, and its
    internal points while checks are reintroduced there (docs/internal-checks.md)."""
    node = _node(request)
    return [p.code for p in node.crossing_points.of_state(node.state)
            if p.is_external or _internal(request, p.code) is not None]  # fmt: skip


def _internal(request: Request, point: str) -> Reintroduction | None:
    """The reintroduction of checks in force today at this node's internal ``point``."""
    node = _node(request)
    return next((r for r in node.internal_checks_in_force()
                 if r.state == node.state and point in r.points), None)  # fmt: skip


def _console(current: Page, status: int = 200, **context: Any) -> Response:
    request = current.request
    points = sorted(_points(request), key=current.lang.crossing_point)
    assert current.session is not None
    context = {"mrz": "", "visa_mrz": "", "outcome": None, "notice": None} | context
    role = current.session.role
    may_record = role in {r.value for r in Role} and allows(Role(role), Permission.RECORD_CROSSING)
    post = _post(request)
    internal = _internal(request, post[0]) if post is not None else None
    return render(current, "officer/console.html", status=status, post=post,
                  internal=internal, points=points, directions=DIRECTIONS, role=role,
                  role_names=ROLE_NAMES, may_record=may_record,
                  alert_categories=ALERT_CATEGORIES, reason_text=reason_text,
                  anomaly_lines=anomaly_lines, **context)  # fmt: skip


@router.get("/officer")
async def console(request: Request) -> Response:
    current = await _signed_in(request, Permission.CHECK)
    return current if isinstance(current, Response) else _console(current)


@router.post("/officer/post")
async def choose_post(request: Request) -> Response:
    current = await _signed_in(request, Permission.CHECK)
    if isinstance(current, Response):
        return current
    form = await check_form(request, current.session)
    point, direction = form.get("crossing_point"), form.get("direction")
    errors = []
    if point not in _points(request):
        errors.append(("crossing_point", N_("Choose the crossing point where you work.")))
    if direction not in DIRECTIONS:
        errors.append(("direction-entry", N_("Choose whether you check entries or exits.")))
    if errors:
        return _console(current, 422, errors=errors)
    response = RedirectResponse("/officer", status_code=303)
    set_cookie(response, current, POST_COOKIE, f"{point} {direction}")
    return response


def _request(request: Request, form: Form) -> tuple[BorderCheck, list[tuple[str, str]]]:
    """The check the form asks for, or the fields in error."""
    post = _post(request)
    if post is None:
        raise PageError(400, N_("Choose your crossing point and direction first."))
    errors: list[tuple[str, str]] = []
    lines = mrz_lines(form.get("mrz"))
    visa = mrz_lines(form.get("visa_mrz"))
    if (problem := _mrz_problem(lines)) is not None:
        errors.append(("mrz", problem))
    if visa and tuple(len(x) for x in visa) not in {(36, 36), (44, 44)}:  # MRV-B, MRV-A
        errors.append(("visa_mrz", N_("The visa's machine readable zone must be 2 lines of 44 "
                                      "or 36 characters.")))
    elif not all(is_mrz_line(x) for x in visa):
        errors.append(("visa_mrz", NOT_MRZ))
    person = form.get("person_id").strip()
    person_id = whole_number(person)
    if person and person_id is None:
        errors.append(("mrz", N_("The person to link is not a number.")))
    earlier = mrz_lines(form.get("earlier_mrz"))  # carried from "another document" below
    if earlier and _mrz_problem(earlier) is not None:
        errors.append(("mrz", N_("The other document's lines carried by the form are not a "
                                 "machine readable zone: scan it again.")))
    check = BorderCheck(lines, post[0], Direction(post[1]), person_id=person_id,
                        visa_mrz=visa or None, earlier_mrz=earlier or None)  # fmt: skip
    return check, errors


def _mrz_problem(lines: list[str]) -> str | None:
    """What is wrong with a travel document's scanned or typed lines, if anything."""
    if not lines:
        return N_("Scan or type the machine readable zone of the document.")
    if tuple(len(x) for x in lines) not in MRZ_SHAPES or any(len(x) > MAX_LINE for x in lines):
        return N_("The machine readable zone must be 2 lines of 44 or 36 characters, or 3 "
                  "lines of 30.")
    if not all(is_mrz_line(x) for x in lines):  # of the right length: a control character
        return NOT_MRZ
    return None


async def _call(current: Page, field: str, work: Any, *args: Any) -> tuple[Any, list[Any]]:
    """A use case's answer, or the error to show beside ``field`` (404 and 403 as pages)."""
    try:
        return await run_in_threadpool(work, _actor(current), *args), []
    except ForbiddenError:
        raise PageError(403, N_("Your role may not do this.")) from None
    except NotFoundError:
        raise PageError(404, N_("There is no such traveller on this node.")) from None
    except CTAError as problem:  # bad input, a conflict: said beside the field
        # translated here: ``render`` fills a message's values as numbers, this one is text;
        # the refusal in the page's words by its code, else the node's English, marked
        why = worded(current.lang, N_("The node refused this: %(why)s"),
                     [("why", refusal_text(current.lang, problem))])
        return None, [(field, why)]


def _decision(current: Page, outcome: CheckOutcome, check: BorderCheck) -> dict[str, Any]:
    node = _node(current.request)
    decision = outcome.decision
    refusing = sorted({r.code for r in decision.reasons if r.refuses})
    return {
        "outcome": outcome, "decision": decision, "word": OUTCOMES[decision.outcome.value],
        "letters": LETTERS, "heading": reason_heading, "refusing": refusing,
        "document": outcome.document,
        "fresh": freshness(current.lang, outcome.based_on, node.state, node.clock()),
        "person_id": check.person_id or outcome.person_id, "direction": check.direction.value,
        "confirmed": check.person_id is not None,
    }  # fmt: skip


async def _check_and_show(
    current: Page, form: Form, notice: str | None = None, problems: list[Any] | None = None,
    status: int = 200,
) -> Response:  # fmt: skip
    """The check decided again and drawn; ``problems``: what the officer's last action met."""
    check, errors = _request(current.request, form)
    values = {"mrz": "\n".join(check.mrz), "visa_mrz": "\n".join(check.visa_mrz or ()),
              "earlier_mrz": "\n".join(check.earlier_mrz or ())}
    if errors:
        return _console(current, 422, errors=errors, **values)
    outcome, errors = await _call(current, "mrz", _node(current.request).check, check)
    if errors:
        return _console(current, 422, errors=errors, **values)
    shown = _decision(current, outcome, check)
    ticked, _ = _ticked(form)
    if ticked:  # the officer's own ticks and remarks, kept when the refusal met an error
        shown["refusing"] = ticked
    return _console(current, status, notice=notice, errors=problems or [], **values, **shown,
                    remarks=form.get("remarks").strip()[:500])  # fmt: skip


@router.post("/officer/check")
async def check_traveller(request: Request) -> Response:
    current = await _signed_in(request, Permission.CHECK)
    if isinstance(current, Response):
        return current
    return await _check_and_show(current, await check_form(request, current.session))


@router.post("/officer/other-document")
async def check_as_holder_of_another_document(request: Request) -> Response:
    """The traveller shows another document of theirs that this node knows (the passport
    before a change of name, say): the document in hand is checked again as the person who
    holds that one here, and recording then files it to them (an identity link, as "same
    person" does for a candidate). The other document is checked too, as any scan is."""
    current = await _signed_in(request, Permission.CHECK)
    if isinstance(current, Response):
        return current
    form = await check_form(request, current.session)
    check, errors = _request(request, form)
    if errors:
        return _retry(current, form, errors, status=422)
    other = mrz_lines(form.get("other_mrz"))
    if (problem := _mrz_problem(other)) is not None:
        return await _check_and_show(current, form, problems=[("other_mrz", problem)],
                                     status=422)  # fmt: skip
    earlier = BorderCheck(other, check.crossing_point, check.direction)
    found, errors = await _call(current, "other_mrz", _node(request).check, earlier)
    if errors:
        return await _check_and_show(current, form, problems=errors, status=422)
    why = earlier_document_problem(_birth_of(check.mrz, found.on),
                                   found.document.document_code, found.document.birth_date_raw,
                                   known=found.person_id is not None)  # fmt: skip
    if why is not None:
        problem = _EARLIER_DOCUMENT[why]
        return await _check_and_show(current, form, problems=[("other_mrz", problem)],
                                     status=422)  # fmt: skip
    linked = Form({**form.fields, "person_id": str(found.person_id),
                   "earlier_mrz": "\n".join(other)})  # recording joins on this evidence
    return await _check_and_show(current, linked, notice=N_(
        "Checked again as the person who holds the other document here."))


# why an earlier document cannot say whose the document in hand is, in the officer's words
_EARLIER_DOCUMENT = {
    "visa": N_("That is a visa: scan the traveller's earlier passport or identity card."),
    "unknown": N_("This node has no record of that document: its holder is not known here."),
    "born_apart": N_("That document's holder was born on another day: it is not this "
                     "traveller's."),
}


def _birth_of(lines: Sequence[str], today: date) -> str | None:
    """The birth date as the document's MRZ writes it (YYMMDD), None if it cannot be read."""
    try:
        return parse_mrz(list(lines), today=today).birth_date_raw
    except CTAError:
        return None


@router.post("/officer/record")
async def record_crossing(request: Request) -> Response:
    current = await _signed_in(request, Permission.RECORD_CROSSING)
    if isinstance(current, Response):
        return current
    form = await check_form(request, current.session)
    check, errors = _request(request, form)
    if errors:
        return _retry(current, form, errors)
    reason = form.get("override_reason").strip()[:500] or None
    if reason is not None and not is_free_text(reason):
        return await _check_and_show(current, form, problems=[("override_reason", NOT_TEXT)],
                                     status=422)  # fmt: skip
    record = RecordCrossing(**_fields(check), override_reason=reason)
    answer, errors = await _call(current, "override_reason", _record, _node(request), record)
    if errors:
        return await _check_and_show(current, form, problems=errors, status=409)
    return render(current, "officer/recorded.html", answer=answer, direction=check.direction.value,
                  point=check.crossing_point, on=date.fromisoformat(answer["local_date"]),
                  anomaly_text=recorded_anomaly_text,
                  internal=answer["kind"] == "InternalCheckRecorded")  # fmt: skip


def _retry(current: Page, form: Form, errors: list[Any], status: int = 409) -> Response:
    return _console(current, status, errors=errors, mrz=form.get("mrz"),
                    visa_mrz=form.get("visa_mrz"))  # fmt: skip


def _fields(check: BorderCheck) -> dict[str, Any]:
    return {"mrz": check.mrz, "crossing_point": check.crossing_point,
            "direction": check.direction, "person_id": check.person_id,
            "visa_mrz": check.visa_mrz, "earlier_mrz": check.earlier_mrz}  # fmt: skip


def _record(actor: Actor, node: Node, record: RecordCrossing) -> dict[str, Any]:
    _, body = node.record(actor, record)
    return body


@router.post("/officer/refuse")
async def record_refusal(request: Request) -> Response:
    current = await _signed_in(request, Permission.RECORD_CROSSING)
    if isinstance(current, Response):
        return current
    form = await check_form(request, current.session)
    check, errors = _request(request, form)
    if errors:
        return _retry(current, form, errors)
    chosen, why = _ticked(form)
    if why:
        return await _check_and_show(current, form, problems=[("letter-A", why)], status=422)
    record = RecordCrossing(**_fields(check), refused=True, letters=tuple(chosen))
    answer, errors = await _call(current, "letter-A", _record, _node(request), record)
    if errors:
        return await _check_and_show(current, form, problems=errors, status=409)
    document = mrz_document(_node(request), check.mrz)
    node = _node(request)
    return render(current, "officer/refusal_form.html", answer=answer, chosen=chosen,
                  letters=LETTERS, document=document, point=check.crossing_point,
                  at=node.clock(), remarks=form.get("remarks").strip()[:500],
                  officer=_actor(current).name)  # fmt: skip


def _ticked(form: Form) -> tuple[list[str], str | None]:
    """The letters the officer ticked (``letter-X`` = ``X``), or why they cannot be recorded."""
    ticked = {name.removeprefix("letter-"): value for name, value in form.fields.items()
              if name.startswith("letter-")}  # fmt: skip
    if any(code not in LETTERS or value != code for code, value in ticked.items()):
        return [], N_("Choose reasons among the letters A to I of the refusal form.")
    if not ticked:
        return [], N_("Choose at least one reason for the refusal.")
    return [code for code in LETTERS if code in ticked], None


def mrz_document(node: Node, lines: Any) -> Any:
    """The document read from its MRZ (what the refusal form names), as the check read it."""
    from cta.services.checks import read_document

    return read_document(lines, on=node.today(), countries=node.reference.countries)


@router.post("/officer/hit")
async def decide_hit(request: Request) -> Response:
    current = await _signed_in(request, Permission.DECIDE_ALERT_HIT)
    if isinstance(current, Response):
        return current
    form = await check_form(request, current.session)
    _, errors = _request(request, form)
    if errors:
        return _retry(current, form, errors)
    decision, reason = form.get("decision"), form.get("reason").strip()[:500]
    alert = form.get("alert_id")
    field = f"reason-{alert}"
    problems: list[Any] = []
    if decision not in ("confirmed", "dismissed"):
        problems = [(field, N_("Choose whether the hit is this traveller."))]
    elif not reason:
        problems = [(field, N_("Say why you confirm or dismiss the hit."))]
    elif not is_free_text(reason) or not is_free_text(alert):
        problems = [(field, NOT_TEXT)]
    if problems:
        return await _check_and_show(current, form, problems=problems, status=422)
    node = _node(request)
    _, errors = await _call(current, field, node.decide_hit, mrz_lines(form.get("mrz")), alert,
                            decision, reason)  # fmt: skip
    if errors:
        return await _check_and_show(current, form, problems=errors, status=409)
    said = N_("The hit was confirmed.") if decision == "confirmed" else N_(
        "The hit was dismissed.")
    return await _check_and_show(current, form, notice=said)


@router.get("/officer/persons/{person_id}")
async def traveller_file(request: Request, person_id: str) -> Response:
    current = await _signed_in(request, Permission.READ_PERSON)
    if isinstance(current, Response):
        return current
    number = whole_number(person_id)
    if number is None:
        raise PageError(404, N_("There is no such traveller on this node."))
    node = _node(request)
    file, _ = await _call(current, "", node.traveller_file, number)
    today = node.today()
    status, _ = await _call(current, "", node.stay_status, number, today)
    if file is None or status is None:
        raise PageError(404, N_("There is no such traveller on this node."))
    days = window(file, today)
    return render(current, "officer/person.html", file=file, stay=status,
                  alert_categories=ALERT_CATEGORIES, reason_text=reason_text,
                  alerts=await _alerts_of(current, file["person"]),
                  events=timeline(current.lang, file), days=days, today=today,
                  present=[d for d in days if d.present],
                  inside_since=date.fromisoformat(status["inside_since"])
                  if status.get("inside_since") else None)  # fmt: skip


async def _alerts_of(current: Page, person: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The alerts that may match the person (the node's screening, audited there), or None
    when the role may not screen."""
    assert current.session is not None
    if not allows(Role(current.session.role), Permission.SCREEN):
        return None
    query = {k: person[k] for k in ("surname", "given_names", "nationality") if person.get(k)}
    if person.get("birth_date"):
        query["birth_date"] = person["birth_date"].isoformat()
    if person.get("sex") in ("M", "F"):
        query["sex"] = person["sex"]
    found, _ = await _call(current, "", _node(current.request).screen, query)
    return list(found["hits"]) if found else []
