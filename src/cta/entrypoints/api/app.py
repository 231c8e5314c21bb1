"""The node's HTTP API: thin handlers over ``cta.services.node.Node``.

Every endpoint but ``/v1/health`` needs a bearer token (``cta users add``); roles decide what a
token may do (``cta.domain.roles``). Errors are JSON ``{"detail": ...}``: 401 no or bad token,
403 wrong role, 404 unknown person, 409 a conflict with what is stored, 413 a body over
``CTA_MAX_BODY_BYTES``, 422 invalid input; 500 (a fault of ours) and 503 (the database cannot
be written or reached) add ``error_id``, which the node's log shows with the cause (``edge``).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future
from contextlib import asynccontextmanager
from typing import Annotated, Any

from anyio import to_thread
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from cta.adapters.storage.engine import THREADS
from cta.adapters.storage.store import DuplicateError, SqlStore
from cta.domain.checks import Direction
from cta.domain.errors import CTAError
from cta.domain.instants import jsonable
from cta.entrypoints.api.applications import router as applications_router
from cta.entrypoints.api.carriers import carriers_router
from cta.entrypoints.api.consultations import router as consultations_router
from cta.entrypoints.api.deps import (
    AlertId,
    Day,
    FromDay,
    IdempotencyKey,
    PersonPath,
    Reader,
    RowPath,
    ToDay,
    User,
    Who,
    _user,
)
from cta.entrypoints.api.edge import DEFAULT_MAX_BODY_BYTES, BodyLimit, ErrorIds, error_answer, log
from cta.entrypoints.api.internal_checks import router as internal_checks_router
from cta.entrypoints.api.lean import lean_route
from cta.entrypoints.api.mail_health import MailHealth
from cta.entrypoints.api.once import OnceRoute
from cta.entrypoints.api.schemas import (
    AlertBody,
    AlertHitBody,
    AuthorizationBody,
    CheckBody,
    CorrectionBody,
    CrossingBody,
    RefusalBody,
    RefusalCorrectionBody,
    RevocationBody,
    ScreeningBody,
    VisaBody,
)
from cta.entrypoints.schemas import problem_message
from cta.entrypoints.web import add_start_pages, workbench_router
from cta.federation.auth import NonceCache, request_target
from cta.federation.serve import WaitingPolls, answer_records_request_async
from cta.services.alerts import ScreeningUnavailableError, hit_json
from cta.services.applications import Applications
from cta.services.checks import decision_json
from cta.services.federation import FederationService
from cta.services.mail import enqueue_mail
from cta.services.node import (
    Actor,
    BorderCheck,
    ConflictError,
    CrossingCorrection,
    ForbiddenError,
    Idempotency,
    IssuePermit,
    Node,
    NotFoundError,
    RecordCrossing,
    RefusalCorrection,
)
from cta.services.ports import DatabaseUnavailableError
from cta.services.read_limits import ReadLimiter
from cta.services.statistics import GroupBy, crossing_statistics
from cta.services.statistics_pages import as_json as figures_json
from cta.services.statistics_pages import statistics_figures

__all__ = ["create_app"]


def create_app(
    node: Node,
    federation: FederationService | None = None,
    reads: ReadLimiter | None = None,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> FastAPI:
    """The API of one node (and its federation endpoint when it is a member); ``reads``
    limits each user's reads of personal data (None: no limit); request bodies over
    ``max_body_bytes`` are answered 413 unread."""
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # the node's work runs in this many threads (anyio's default is 40): as many as the
        # database pool holds, and fewer threads contending for the interpreter lock
        to_thread.current_default_thread_limiter().total_tokens = THREADS
        yield
        node.alerts.save_if_changed()  # the next start of this worker is warm

    app = FastAPI(
        lifespan=lifespan,
        title=f"CTA node {node.state}",
        version="1",
        description="Border checks and the entry/exit record of one member state.",
        docs_url=None,  # /docs: a page of ours; the viewers at /developer/ (add_start_pages)
        redoc_url=None,
    )
    app.router.route_class = OnceRoute  # every JSON object of a body gives each key once
    _errors(app)
    # the mail outbox's queued and failing counts in /v1/health (cta.services.mail)
    mail_health = MailHealth(node.store) if isinstance(node.store, SqlStore) else None
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_middleware(ErrorIds)  # the outer one: its JSON 500 covers the body limit's faults
    app.state.node = node
    app.state.reads = reads
    app.include_router(workbench_router)  # GET /policy/workbench: no personal data
    app.include_router(carriers_router(_user))  # POST /v1/carrier-checks: carriers only
    add_start_pages(app, federation)  # GET /, /docs, /developer/..., /static/...
    # the application use cases, one for the API and the pages; decisions are mailed to the
    # applicant through the outbox (cta.services.mail)
    app.state.applications = Applications(node, mail=enqueue_mail)
    app.state.consultations = app.state.applications.consultations
    app.include_router(applications_router)  # /v1/applications...: docs/applications.md
    app.include_router(consultations_router)  # /v1/consultations...
    app.include_router(internal_checks_router)  # /v1/internal-checks: docs/internal-checks.md

    # The busiest endpoints are coroutines that hand the node's work to one worker thread
    # and answer with a ready JSONResponse: a plain ``def`` endpoint costs FastAPI several
    # thread hand-overs (dependencies, the endpoint, validating what it returned) per request.

    @app.get("/v1/health", responses={503: {"description": "the database cannot be written "
                                            "or reached, or the screening process cannot "
                                            "answer: `database` or `screening` says why"}})
    async def health() -> JSONResponse:
        """``ok``, or 503 ``degraded`` with what is wrong with the database (a second old at
        most; a database that does not answer within half a second is said to be so) or with
        the node's screening process (a second old at most). ``mail``: the mail outbox's
        ``queued`` and ``failing`` counts (ten seconds old at most)."""
        problem = await _database_problem(node)
        screening = await _probed(node.alerts.probe(), "the screening process")
        if problem is None and screening is None:
            mail = await mail_health.summary() if mail_health is not None else None
            return JSONResponse({"status": "ok", "state": node.state, "database": "ok",
                                 "screening": "ok", "mail": mail})  # fmt: skip
        return JSONResponse({"status": "degraded", "state": node.state,
                             "database": problem or "ok", "screening": screening or "ok",
                             "detail": problem or screening}, status_code=503)  # fmt: skip

    # what the two busiest calls answer, through FastAPI's routes below or through their lean
    # routes (lean.py: the same answers without FastAPI's machinery for requests in order)

    async def check_answer(who: Actor, body: CheckBody, _key: str | None) -> JSONResponse:
        return JSONResponse(await run_in_threadpool(_check_answer, node, who, body))

    async def crossing_answer(who: Actor, body: CrossingBody, key: str | None) -> JSONResponse:
        request = RecordCrossing(
            mrz=body.mrz, crossing_point=body.crossing_point, direction=Direction(body.direction),
            planned_exit=body.planned_exit, person_id=body.person_id,
            occurred_at=body.occurred_at, override_reason=body.override_reason,
            visa_mrz=body.visa_mrz,
        )  # fmt: skip
        return await run_in_threadpool(_recorded, node, who, request, key,
                                       body.model_dump(mode="json"))  # fmt: skip

    @app.post("/v1/checks")
    async def check(body: CheckBody, who: Who) -> dict[str, Any]:
        """Decide a border check over this node's records; stores only an audit entry."""
        return await check_answer(who, body, None)

    @app.post("/v1/crossings", status_code=201)
    async def record_crossing(
        body: CrossingBody, who: Who, key: IdempotencyKey = None
    ) -> JSONResponse:
        """Record an entry or an exit the officer confirms."""
        return await crossing_answer(who, body, key)

    @app.post("/v1/refusals", status_code=201)
    async def record_refusal(
        body: RefusalBody, who: Who, key: IdempotencyKey = None
    ) -> JSONResponse:
        """Record a refusal of entry, on the grounds of the form's letters given (``reasons``),
        else of the check's reasons; a refusal with no ground at all is refused (409)."""
        request = RecordCrossing(
            mrz=body.mrz, crossing_point=body.crossing_point, direction=Direction.ENTRY,
            person_id=body.person_id, occurred_at=body.occurred_at, refused=True,
            letters=tuple(body.reasons) if body.reasons is not None else None,
        )  # fmt: skip
        return await run_in_threadpool(_recorded, node, who, request, key,
                                       body.model_dump(mode="json"))  # fmt: skip

    @app.post("/v1/crossings/{crossing_id}/correction")
    def correct_crossing(crossing_id: RowPath, body: CorrectionBody, who: Who) -> dict[str, Any]:
        """Correct an entry or exit this node recorded, or withdraw it (recorded in error);
        the peers get a record superseding the old one."""
        return node.correct_crossing(who, crossing_id, CrossingCorrection(
            reason=body.reason, occurred_at=body.occurred_at, crossing_point=body.crossing_point,
            direction=Direction(body.direction) if body.direction else None,
            withdraw=body.withdraw))  # fmt: skip

    @app.post("/v1/refusals/{refusal_id}/correction")
    def correct_refusal(
        refusal_id: RowPath, body: RefusalCorrectionBody, who: Who
    ) -> dict[str, Any]:
        """Correct a refusal this node recorded (time, point, the form's letters), or withdraw
        it (recorded in error); the peers get a record superseding the old one."""
        return node.correct_refusal(who, refusal_id, RefusalCorrection(
            reason=body.reason, occurred_at=body.occurred_at, crossing_point=body.crossing_point,
            letters=tuple(body.reasons) if body.reasons is not None else None,
            withdraw=body.withdraw))  # fmt: skip

    @app.post("/v1/visas", status_code=201)
    def issue_visa(body: VisaBody, who: Who, key: IdempotencyKey = None) -> JSONResponse:
        """Issue a common visa (consular officer): it holds at every crossing point of the
        area."""
        return _issued(node, who, body.model_dump(mode="json"), key, IssuePermit(
            mrz=body.mrz, valid_from=body.valid_from, valid_to=body.valid_to,
            duration_days=body.duration_days, entries=body.entries, person_id=body.person_id,
            format=body.format))  # fmt: skip

    @app.post("/v1/authorizations", status_code=201)
    def issue_authorization(
        body: AuthorizationBody, who: Who, key: IdempotencyKey = None
    ) -> JSONResponse:
        """Issue a travel authorisation (consular officer), valid across the area."""
        return _issued(node, who, body.model_dump(mode="json"), key, IssuePermit(
            mrz=body.mrz, valid_from=body.valid_from, valid_to=body.valid_to,
            person_id=body.person_id))  # fmt: skip

    @app.post("/v1/visas/{permit_id}/revocation")
    def revoke_visa(permit_id: RowPath, body: RevocationBody, who: Who) -> dict[str, Any]:
        """Revoke a visa this node issued; every node drops it."""
        return node.revoke_permit(who, "visas", permit_id, body.reason)

    @app.post("/v1/authorizations/{permit_id}/revocation")
    def revoke_authorization(
        permit_id: RowPath, body: RevocationBody, who: Who
    ) -> dict[str, Any]:
        """Revoke a travel authorisation this node issued; every node drops it."""
        return node.revoke_permit(who, "authorizations", permit_id, body.reason)

    @app.put("/v1/alerts/{alert_id:path}")
    def put_alert(alert_id: AlertId, body: AlertBody, who: Who) -> dict[str, Any]:
        """Create or change an alert (admin); the answer gives its new version."""
        record = body.model_dump(mode="json", exclude_none=True)
        if record.setdefault("id", alert_id) != alert_id:
            raise HTTPException(422, f"id {record['id']!r} is not the alert of the path")
        versions = node.put_alerts(who, [record])
        return {"id": alert_id, "version": versions[alert_id]}

    @app.get("/v1/alerts/{alert_id:path}")
    def alert(alert_id: AlertId, who: Reader) -> dict[str, Any]:
        """One alert, as stored, with its version and whether it was withdrawn."""
        return node.alert_of(who, alert_id)

    @app.delete("/v1/alerts/{alert_id:path}")
    def withdraw_alert(alert_id: AlertId, who: Who) -> dict[str, Any]:
        """Withdraw an alert (admin): it never hits again; the record stays for the audit."""
        return node.withdraw_alert(who, alert_id)

    @app.get("/v1/alerts")
    def alerts(
        who: Reader,
        after: Annotated[str, Query(max_length=100)] = "",
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        active_only: bool = True,
    ) -> dict[str, Any]:
        """Alerts by id after ``after`` (paginated; admin)."""
        return node.alert_list(who, after, limit, active_only)

    @app.post("/v1/screenings")
    def screening(body: ScreeningBody, who: Reader, on: Day | None = None) -> dict[str, Any]:
        """Screen a traveller against the alerts outside a border check (a visa application)."""
        return node.screen(who, body.model_dump(mode="json", exclude_none=True), on)

    @app.post("/v1/alert-hits", status_code=201)
    def alert_hit(body: AlertHitBody, who: Who) -> dict[str, Any]:
        """Confirm or dismiss a hit of the traveller of this MRZ on an alert (recorded, audited);
        later checks of the same document follow it while the alert is unchanged."""
        return node.decide_hit(who, body.mrz, body.alert_id, body.decision, body.reason)

    if federation is not None:
        nonces = NonceCache()
        polls = WaitingPolls()  # each peer's long polls waiting in this worker (the bound)

        @app.get("/v1/federation/records", include_in_schema=False)
        async def federation_records(request: Request) -> JSONResponse:
            """This node's sealed records, to members only (signed node requests); a long poll
            waits on the event loop, in none of the threads border checks need."""
            target = request_target(request.scope["raw_path"], request.scope["query_string"])
            answer = await answer_records_request_async(
                federation.federation, "GET", target, request.headers, node.clock(),
                federation.served_page, nonces, federation.await_records, polls,
                run_in_threadpool, functools.partial(_hung_up, request),
            )  # fmt: skip
            # a page of 1,000 records is megabytes of JSON: written in a thread, not the loop
            return await run_in_threadpool(JSONResponse, answer.body, status_code=answer.status)

    @app.get("/v1/persons/{person_id}")
    def traveller_file(person_id: PersonPath, who: Reader) -> dict[str, Any]:
        """Everything this node holds on one person."""
        return _jsonable(node.traveller_file(who, person_id))

    @app.get("/v1/persons/{person_id}/stay")
    def stay(person_id: PersonPath, who: Reader, on: Day | None = None) -> dict[str, Any]:
        """Days used, the stay allowed and overstays of one person on a date."""
        return node.stay_status(who, person_id, on or node.today())

    @app.get("/v1/persons/{person_id}/export")
    def export(person_id: PersonPath, who: Reader) -> dict[str, Any]:
        """Subject-access export: the person's data and who read it, and why."""
        return _jsonable(node.export_person(who, person_id))

    @app.get("/v1/overstayers")
    def overstayers(
        who: Reader,
        on: Day | None = None,
        after: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> dict[str, Any]:
        """Persons inside the area who are over their stay limit on a date (paginated)."""
        return node.overstayers(who, on or node.today(), after, limit)

    @app.get("/v1/audit")
    def audit(
        who: Who,
        after: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        """The audit log, oldest first, after an entry id (paginated)."""
        items = _jsonable(node.audit_log(who, after, limit))
        return {"items": items, "next_after": items[-1]["id"] if len(items) == limit else None}

    @app.post("/v1/retention/purge")
    def purge(who: Who) -> dict[str, Any]:
        """Delete persons past their retention period."""
        return node.purge(who)

    @app.get("/v1/statistics")
    def statistics(
        who: User,
        first: FromDay,
        last: ToDay,
        by: Annotated[GroupBy, Query()] = "day",
    ) -> dict[str, Any]:
        """Entries, exits and refusals counted by day, crossing point or nationality, each a
        sum of cells (day, point, nationality) whose counts under 5 are rounded to 0 or 5,
        the same for every query (docs/statistics.md); for analysts: no person is named."""
        return crossing_statistics(node.aggregates, who.role, first, last, by)

    @app.get("/v1/statistics/figures")
    def statistics_figures_(
        who: User,
        first: FromDay,
        last: ToDay,
    ) -> dict[str, Any]:
        """The statistics pages' figures (at most 366 days): crossings by day and state and
        by point, flows between members, overstays by week, refusals by reason, applications
        by outcome and time to decision, nationalities; each a sum of rounded cells
        (docs/statistics.md); for analysts: no person is named."""
        found = statistics_figures(node.aggregates, who.role, node.regime_on(last), first, last)
        return figures_json(first, last, found)

    _busiest_first(app)
    lean_route(app.router.routes, "/v1/checks", node, CheckBody, check_answer)
    lean_route(app.router.routes, "/v1/crossings", node, CrossingBody, crossing_answer)
    return app


# The paths every officer's desk calls all day, matched before any other route.
BUSIEST = ("/v1/checks", "/v1/crossings", "/v1/health")


def _busiest_first(app: FastAPI) -> None:
    """Put the routes of ``BUSIEST`` first in the app's list. The router tries routes in order,
    and each included router (the pages, applications, consultations...) costs FastAPI a walk
    of its own routes: a check went through thirteen of them, up to 2 ms of matching on a busy
    machine (35 µs after), more than the node's work for it. Their paths are literal and no
    other route has them, so which route answers a request is unchanged: only the order it is
    found in (tests/unit/test_api_routes.py)."""
    routes = app.router.routes
    first = [r for r in routes if getattr(r, "path", None) in BUSIEST]
    routes[:] = first + [r for r in routes if not any(r is f for f in first)]


async def _hung_up(request: Request) -> None:
    """Return when the client of ``request`` (a GET, its body read or empty) hangs up."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def _database_problem(node: Node, wait: float = 0.5) -> str | None:
    watch = getattr(node.store, "watch", None)  # SqlStore's (adapters.storage.watch)
    if watch is None:
        return None
    # the last second's answer, or a new probe in its own thread
    return await _probed(watch.probe(), "the database", wait)


async def _probed(probe: Future[str | None], what: str, wait: float = 0.5) -> str | None:
    """A probe's answer, or that ``what`` did not answer within ``wait`` seconds."""
    if not probe.done():
        try:
            await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(probe)), wait)
        except TimeoutError:
            return f"{what} did not answer within {wait:g} s"
    problem: str | None = probe.result()
    return problem


def _check_answer(node: Node, who: Actor, body: CheckBody) -> dict[str, Any]:
    outcome = node.check(who, _check(body))
    return {
        **decision_json(outcome.decision),
        "on": outcome.on.isoformat(),
        "person_id": outcome.person_id,
        "candidates": outcome.candidates,
        "anomalies": list(outcome.anomalies),
        "alert_hits": [hit_json(h) | {"decisions_elsewhere": outcome.decisions_elsewhere.get(
            h.alert_id, [])} for h in outcome.alert_hits],
        "dismissed_hits": outcome.dismissed_hits,
        "based_on": outcome.based_on,
        "document": outcome.document.to_json(),
        "visa": outcome.visa,
        "internal_check": outcome.internal_check,
    }


def _check(body: CheckBody) -> BorderCheck:
    return BorderCheck(
        mrz=body.mrz, crossing_point=body.crossing_point, direction=Direction(body.direction),
        planned_exit=body.planned_exit, person_id=body.person_id, visa_mrz=body.visa_mrz,
    )  # fmt: skip


def _idempotency(key: str | None, body: dict[str, Any]) -> Idempotency | None:
    if key is None:
        return None
    return Idempotency(key, hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest())


def _issued(
    node: Node, who: Actor, body: dict[str, Any], key: str | None, request: IssuePermit
) -> JSONResponse:
    idempotency = _idempotency(key, body)
    try:
        status, answer = node.issue_permit(who, request, idempotency=idempotency)
    except DuplicateError:  # the same key at the same time from another worker: its answer
        status, answer = node.issue_permit(who, request, idempotency=idempotency)
    return JSONResponse(answer, status_code=status)


def _recorded(
    node: Node, who: Actor, request: RecordCrossing, key: str | None, body: dict[str, Any]
) -> JSONResponse:
    idempotency = _idempotency(key, body)
    try:
        status, answer = node.record(who, request, idempotency=idempotency)
    except DuplicateError:
        # the same key, at the same time, from another worker: its answer is the one
        status, answer = node.record(who, request, idempotency=idempotency)
    return JSONResponse(answer, status_code=status)


def _jsonable(value: Any) -> Any:
    return jsonable(value)  # every time RFC 3339 with its offset (cta.domain.instants)


def _errors(app: FastAPI) -> None:
    statuses: list[tuple[type[Exception], int]] = [
        (ForbiddenError, 403), (NotFoundError, 404), (ConflictError, 409), (CTAError, 422),
    ]  # fmt: skip

    def handler(status: int) -> Callable[[Request, Exception], JSONResponse]:
        def handle(_request: Request, exc: Exception) -> JSONResponse:
            return JSONResponse({"detail": str(exc)}, status_code=status)

        return handle

    for error, status in statuses:
        app.add_exception_handler(error, handler(status))

    def unavailable(request: Request, exc: Exception) -> JSONResponse:
        status, body = error_answer(exc)  # 503 with an error id; the cause is known: no trace
        log.error("error %s: %s %s answered %d: %s", body["error_id"], request.method,
                  request.url.path, status, body["detail"])  # fmt: skip
        return JSONResponse(body, status_code=status)

    app.add_exception_handler(DatabaseUnavailableError, unavailable)
    app.add_exception_handler(ScreeningUnavailableError, unavailable)

    def invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = [_problem(e, exc.body) for e in exc.errors()]
        kind = request.headers.get("content-type", "")
        if isinstance(exc.body, bytes) and any(p["field"] == "body" for p in problems):
            # FastAPI reads a body not said to be JSON as bytes and finds no object in it
            problems = [{"field": "body", "message": (
                "send the body as JSON with Content-Type: application/json "
                f"(it came as {kind or 'no content type'!r})")}]
        return JSONResponse({"detail": problems}, status_code=422)

    app.add_exception_handler(RequestValidationError, invalid)

    async def unreadable(request: Request, exc: Exception) -> Response:
        """FastAPI's 400 "There was an error parsing the body" said as the other bodies that
        are not JSON are (422, the field "body"), with the reason."""
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code != 400 or exc.detail != "There was an error parsing the body":
            return await http_exception_handler(request, exc)
        cause = exc.__cause__
        why = ("arrays or objects nested too deeply" if isinstance(cause, RecursionError)
               else "a number of over 4,300 digits" if "digits" in str(cause)
               else "unreadable")  # fmt: skip
        message = f"the body is not valid JSON: {why}"
        return JSONResponse({"detail": [{"field": "body", "message": message}]}, status_code=422)

    app.add_exception_handler(StarletteHTTPException, unreadable)


def _problem(error: Any, body: Any) -> dict[str, str]:
    """One problem of a request as ``{field, message}``: dates said as YYYY-MM-DD, and a body
    that is not JSON placed by line and column (FastAPI names it ``body.<offset>``)."""
    loc = error.get("loc", ())
    if error.get("type") == "json_invalid":
        offset = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else 0
        text = body if isinstance(body, str) else ""
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        ctx = error.get("ctx")
        why = ctx.get("error", "unreadable") if isinstance(ctx, dict) else "unreadable"
        if "appears twice in one object" in why:  # JSON, but not one reading (once.py)
            return {"field": "body", "message": f"{why} (line {line} column {column}): give "
                    "each key once"}  # fmt: skip
        return {"field": "body",
                "message": f"the body is not valid JSON: {why} at line {line} column {column}"}
    return {"field": ".".join(str(p) for p in loc), "message": problem_message(error)}
