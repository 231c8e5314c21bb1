"""The common visa over real HTTP (``cta serve``), on SQLite and PostgreSQL: its number and MRZ
at issue, and the visa's MRZ scanned beside the passport at the border (checks and crossings).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select

from cta.adapters.storage import tables as t
from cta.domain.documents import check_digit, parse_mrz
from cta.domain.roles import Role
from tests.integration.node_server import (
    BOTH_DATABASES,
    NodeServer,
    add_user,
    module_database,
    node_today,
    passport,
    unique_number,
)


@dataclass
class Api:
    server: NodeServer
    database_url: str
    consul: str
    officer: str

    def post(self, who: str, path: str, body: dict[str, Any]) -> httpx.Response:
        with self.server.client(who, "visa test") as client:
            return client.post(path, json=body)


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    workdir = tmp_path_factory.mktemp(f"visa-{request.param}")
    with module_database(request, workdir) as url:
        consul = add_user(url, "consul.visa", Role.CONSULAR_OFFICER)
        officer = add_user(url, "officer.visa", Role.BORDER_OFFICER)
        with NodeServer(url, workdir) as server:
            yield Api(server, url, consul, officer)


def issue(api: Api, mrz: list[str], **change: Any) -> dict[str, Any]:
    today = node_today()
    body = {"mrz": mrz, "valid_from": today.isoformat(),
            "valid_to": (today + timedelta(days=90)).isoformat(), "duration_days": 30, **change}
    response = api.post(api.consul, "/v1/visas", body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def check(api: Api, **body: Any) -> httpx.Response:
    return api.post(api.officer, "/v1/checks", {"crossing_point": "GEO-TBS",
                                                "direction": "entry", **body})  # fmt: skip


def test_an_issued_visa_has_a_number_and_an_mrz_that_reads_back(api: Api) -> None:
    mrz = passport("IND", surname="SHARMA", given_names="PRIYA", number=unique_number())
    visa = issue(api, mrz)
    short = issue(api, passport("IND"), format="MRV-B")
    number = visa["visa_number"]
    assert len(number) == 9 and number.startswith("GEO") and short["visa_number"] != number
    read = parse_mrz(visa["mrz"], today=node_today())
    assert read.valid and read.type.value == "MRVA" and read.document_number == number
    assert (read.surname, read.nationality, read.optional_data) == (
        "SHARMA", "IND", visa["document_number"])
    assert read.expiry_date is not None and read.expiry_date.isoformat() == visa["valid_to"]
    assert [len(line) for line in short["mrz"]] == [36, 36]
    engine = create_engine(api.database_url)
    with engine.connect() as connection:
        row = connection.execute(select(t.visas.c.visa_number, t.visas.c.mrz).where(
            t.visas.c.id == visa["id"])).one()  # fmt: skip
    engine.dispose()
    assert (row.visa_number, row.mrz) == (number, visa["mrz"])


def test_a_visa_format_that_is_not_mrv_a_or_b_is_422_naming_the_field(api: Api) -> None:
    body = {"mrz": passport("IND"), "valid_from": node_today().isoformat(),
            "valid_to": node_today().isoformat(), "duration_days": 1, "format": "TD3"}  # fmt: skip
    response = api.post(api.consul, "/v1/visas", body)
    assert response.status_code == 422 and "format" in response.text, response.text


def test_the_passport_and_its_visa_scanned_together_admit_and_show_the_visa(api: Api) -> None:
    mrz = passport("IND", number=unique_number())
    visa = issue(api, mrz)
    response = check(api, mrz=mrz, visa_mrz=visa["mrz"])
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["decision"] == "admit", answer["reasons"]
    assert answer["visa"]["visa_number"] == visa["visa_number"]
    assert answer["visa"]["person_id"] == answer["person_id"] == visa["person_id"]
    assert check(api, mrz=mrz).json()["visa"] is None  # no visa scanned, none shown


def test_a_visa_mrz_alone_is_422_asking_for_the_passport(api: Api) -> None:
    visa = issue(api, passport("IND"))
    response = check(api, visa_mrz=visa["mrz"])
    assert response.status_code == 422
    assert "mrz: scan the passport too" in response.text, response.text
    swapped = check(api, mrz=visa["mrz"]).json()  # the visa scanned as the passport
    assert swapped["decision"] == "refuse" and "present the passport" in str(swapped["reasons"])
    passport_twice = check(api, mrz=passport("IND"), visa_mrz=passport("IND"))
    assert passport_twice.status_code == 422 and "not a visa's" in passport_twice.text


def test_an_altered_visa_mrz_refers_with_the_field_that_differs(api: Api) -> None:
    mrz = passport("IND", number=unique_number())
    lines = issue(api, mrz)["mrz"]
    later = (node_today() + timedelta(days=400)).strftime("%y%m%d")
    forged = [lines[0], lines[1][:21] + later + check_digit(later) + lines[1][28:]]
    answer = check(api, mrz=mrz, visa_mrz=forged).json()
    assert answer["decision"] == "refer"
    assert [r["code"] for r in answer["reasons"]] == ["D"]
    assert f"valid-until date '{later}'" in answer["reasons"][0]["message"]


def test_a_visa_mrz_issued_nowhere_in_the_area_refers(api: Api) -> None:
    mrz = passport("IND", number=unique_number())
    lines = issue(api, mrz)["mrz"]
    unknown = "GEOZZZZZZ"
    forged = [lines[0], unknown + check_digit(unknown) + lines[1][10:]]
    answer = check(api, mrz=mrz, visa_mrz=forged).json()
    assert answer["decision"] == "refer" and answer["visa"] is None
    assert "GEOZZZZZZ was not issued in the area" in answer["reasons"][0]["message"]


def test_a_single_entry_visa_is_used_by_its_entry(api: Api) -> None:
    mrz = passport("IND", number=unique_number())
    visa = issue(api, mrz, entries=1, valid_from=(node_today() - timedelta(days=10)).isoformat())
    entered = api.post(api.officer, "/v1/crossings", {
        "mrz": mrz, "visa_mrz": visa["mrz"], "crossing_point": "GEO-TBS", "direction": "entry",
        "occurred_at": (datetime.now(UTC) - timedelta(days=3)).isoformat()})  # fmt: skip
    assert entered.status_code == 201, entered.text
    left = api.post(api.officer, "/v1/crossings", {
        "mrz": mrz, "crossing_point": "GEO-TBS", "direction": "exit",
        "occurred_at": (datetime.now(UTC) - timedelta(days=1)).isoformat()})  # fmt: skip
    assert left.status_code == 201, left.text
    answer = check(api, mrz=mrz, visa_mrz=visa["mrz"]).json()
    assert answer["decision"] == "refuse"
    assert "allowed 1 entries, all used" in answer["reasons"][0]["message"]


def test_a_check_with_a_visa_is_audited_with_its_purpose(api: Api) -> None:
    mrz = passport("IND", number=unique_number())
    visa = issue(api, mrz)
    assert check(api, mrz=mrz, visa_mrz=visa["mrz"]).status_code == 200
    engine = create_engine(api.database_url)
    with engine.connect() as connection:
        rows = connection.execute(select(t.audit_log.c.action, t.audit_log.c.purpose).where(
            t.audit_log.c.person_id == visa["person_id"])).all()  # fmt: skip
    engine.dispose()
    assert ("check", "visa test") in [tuple(r) for r in rows]
