"""Never a 500: schemathesis fuzzes every operation of a real server's ``/openapi.json``.

Each operation gets valid and invalid requests (bounded: a few dozen examples each), sent with
the token of a role that may call it, so that the fuzzing reaches the use cases and not only
the 403s; every answer must be below 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from cta.domain.roles import Role
from cta.policy.countries import load_countries
from tests.integration.node_server import (
    BOTH_DATABASES,
    NodeServer,
    add_user,
    module_database,
    node_today,
    passport,
)

EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 15}

# which role fuzzes which operation: one that may call it
ROLE_FOR = {
    "POST /v1/checks": Role.BORDER_OFFICER,
    "POST /v1/crossings": Role.BORDER_OFFICER,
    "POST /v1/refusals": Role.BORDER_OFFICER,
    "POST /v1/crossings/{crossing_id}/correction": Role.BORDER_OFFICER,
    "POST /v1/refusals/{refusal_id}/correction": Role.BORDER_OFFICER,
    "POST /v1/visas": Role.CONSULAR_OFFICER,
    "POST /v1/authorizations": Role.CONSULAR_OFFICER,
    "POST /v1/visas/{permit_id}/revocation": Role.CONSULAR_OFFICER,
    "POST /v1/authorizations/{permit_id}/revocation": Role.CONSULAR_OFFICER,
    "GET /v1/persons/{person_id}": Role.BORDER_OFFICER,
    "GET /v1/persons/{person_id}/stay": Role.BORDER_OFFICER,
    "GET /v1/persons/{person_id}/export": Role.ADMIN,
    "GET /v1/overstayers": Role.ADMIN,
    "GET /v1/audit": Role.AUDITOR,
    "POST /v1/retention/purge": Role.ADMIN,
    "GET /v1/health": Role.ADMIN,
    "GET /v1/statistics": Role.ANALYST,
    "GET /v1/statistics/figures": Role.ANALYST,
    "PUT /v1/alerts/{alert_id}": Role.ADMIN,
    "GET /v1/alerts/{alert_id}": Role.ADMIN,
    "DELETE /v1/alerts/{alert_id}": Role.ADMIN,
    "GET /v1/alerts": Role.ADMIN,
    "POST /v1/screenings": Role.BORDER_OFFICER,
    "POST /v1/alert-hits": Role.BORDER_OFFICER,
    # applications: the applicant's calls need no token (one is sent, and ignored)
    "POST /v1/applications": Role.CONSULAR_OFFICER,
    "GET /v1/applications/{number}": Role.CONSULAR_OFFICER,
    "POST /v1/applications/{number}/information": Role.CONSULAR_OFFICER,
    "POST /v1/applications/purge": Role.ADMIN,
    **{f"{method} /v1/applications/{path}": Role.CONSULAR_OFFICER for method, path in (
        ("GET", "queue"), ("GET", "queue/figures"), ("POST", "{number}/claim"),
        ("GET", "{number}/file"), ("POST", "{number}/decision"),
        ("POST", "{number}/information-request"), ("POST", "{number}/interview"),
        ("POST", "{number}/annulment"), ("POST", "{number}/revocation"),
        ("POST", "{number}/appeal"), ("POST", "{number}/appeal-outcome"))},
    "POST /v1/carrier-checks": Role.CARRIER,
    "POST /v1/applications/{number}/consultations": Role.CONSULAR_OFFICER,
    "GET /v1/consultations": Role.CONSULAR_OFFICER,
    "GET /v1/consultations/{ref}": Role.CONSULAR_OFFICER,
    "POST /v1/consultations/{ref}/answer": Role.CONSULAR_OFFICER,
    "POST /v1/internal-checks": Role.ADMIN,
    "GET /v1/internal-checks": Role.ADMIN,
    "POST /v1/internal-checks/{ref}/prolong": Role.ADMIN,
    "POST /v1/internal-checks/{ref}/end": Role.ADMIN,
}

NOTHING_TO_BREAK = {"GET /v1/health"}  # no parameters: no invalid request to make


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def node(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[NodeServer, dict[Role, str]]]:
    workdir = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    with module_database(request, workdir) as url:
        tokens = {role: add_user(url, f"{role.value}.fuzz", role) for role in Role}
        # reads by id are fuzzed far faster than any officer reads: no limit to meet here
        reads = {"CTA_PERSONAL_READS_PER_MINUTE": "1000000", "CTA_PERSONAL_READS_BURST": "1000000",
                 "CTA_APPLICATIONS_PER_MINUTE": "1000000",
                 "CTA_APPLICATION_READS_PER_MINUTE": "1000000"}
        with NodeServer(url, workdir, env=reads) as server:
            _seed(server, tokens[Role.BORDER_OFFICER])
            yield server, tokens


def _seed(server: NodeServer, token: str) -> None:
    """A few persons (ids 1 to 4), so that reads by id find someone now and then."""
    with server.client(token) as client:
        for nationality in ("GEO", "ARM", "AZE", "USA"):
            body = {"mrz": passport(nationality), "crossing_point": "GEO-TBS",
                    "direction": "entry", "override_reason": "seed"}  # fmt: skip
            assert client.post("/v1/crossings", json=body).status_code == 201


def test_the_openapi_document_lists_every_operation_we_fuzz(
    node: tuple[NodeServer, dict[Role, str]],
) -> None:
    server, _ = node
    schema = schemathesis.openapi.from_url(f"{server.base_url}/openapi.json")
    found = {f"{op.method.upper()} {op.path}" for op in _operations(schema)}
    assert found == set(ROLE_FOR)


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=lambda m: m.value)
def test_no_request_makes_the_server_answer_with_a_server_error(
    node: tuple[NodeServer, dict[Role, str]], mode: GenerationMode
) -> None:
    server, tokens = node
    schema = schemathesis.openapi.from_url(f"{server.base_url}/openapi.json")
    for operation in _operations(schema):
        name = f"{operation.method.upper()} {operation.path}"
        if mode is GenerationMode.NEGATIVE and name in NOTHING_TO_BREAK:
            continue
        _fuzz(operation, server.base_url, tokens[ROLE_FOR[name]], mode)


def _operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def _fuzz(operation: Any, base_url: str, token: str, mode: GenerationMode) -> None:
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case: Any) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        if mode is GenerationMode.POSITIVE:  # a valid purpose: the fuzzing reaches the use case
            headers["X-Purpose"] = "fuzzing"
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text}"
        )
        case.validate_response(response, checks=[not_a_server_error])

    fuzz()


NATIONALITIES = sorted(load_countries().mrz_codes)


@st.composite
def crossings(draw: st.DrawFn) -> dict[str, Any]:
    """Well-formed crossings of valid passports: the fuzzer above seldom writes a valid MRZ."""
    today = node_today()
    birth = draw(st.dates(date(1900, 1, 1), today))
    expiry = draw(st.dates(today - timedelta(days=400), today + timedelta(days=20 * 365)))
    mrz = passport(draw(st.sampled_from(NATIONALITIES)), birth_date=birth, expiry_date=expiry)
    body: dict[str, Any] = {
        "mrz": mrz,
        "crossing_point": draw(st.sampled_from(["GEO-TBS", "GEO-SARPI", "GEO-GUGUTI"])),
        "direction": draw(st.sampled_from(["entry", "exit"])),
        "occurred_at": draw(
            st.none()
            | st.sampled_from(["1900-01-01T00:00:00+14:00"])
            | st.just(f"{today - timedelta(days=draw(st.integers(0, 3000)))}T12:00:00+04:00")
        ),
        "override_reason": draw(st.none() | st.just("checked by the second line")),
        "planned_exit": draw(st.none() | st.dates(today, date(9999, 12, 31)).map(str)),
    }
    return {k: v for k, v in body.items() if v is not None}


def test_valid_passports_of_any_country_never_make_a_server_error(
    node: tuple[NodeServer, dict[Role, str]],
) -> None:
    server, tokens = node
    with server.client(tokens[Role.BORDER_OFFICER]) as client:

        @settings(max_examples=60, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(body=crossings())
        def post_twice(body: dict[str, Any]) -> None:
            check = {k: v for k, v in body.items() if k not in ("occurred_at", "override_reason")}
            for path, payload in (("/v1/checks", check), ("/v1/crossings", body),
                                  ("/v1/crossings", body)):  # fmt: skip
                response = client.post(path, json=payload)
                assert response.status_code < 500, f"{path} {payload} -> {response.text}"

        post_twice()
