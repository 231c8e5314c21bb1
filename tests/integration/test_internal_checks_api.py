"""Temporary checks at internal borders through a real ``cta serve`` and the real ``cta``
command, on SQLite and PostgreSQL: a declaration over the regime's limit is refused naming it;
during the period checks at GEO-SADAKHLO run (document and alerts only) and are recorded as
internal checks that never change a stay; a lapsed or ended reintroduction checks nothing."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, insert

from cta.adapters.storage import tables as t
from cta.domain.internal_checks import InternalCheckKinds, InternalCheckLimits
from cta.domain.roles import Role
from cta.policy.loader import load_regime
from tests.integration.node_server import (
    BOTH_DATABASES,
    CTA,
    NodeServer,
    _environment,
    add_user,
    module_database,
    node_today,
    passport,
)
from tests.integration.web_client import csrf_token, signed_in

DAY = timedelta(days=1)


def kinds_today() -> InternalCheckKinds:
    """The kinds of the union draft's version in force at the node today (one kind,
    ``default``, before 2027-07-01; the 2024 amendment's from then on)."""
    found = load_regime("union-draft").as_if_on(node_today()).internal_checks
    assert found is not None
    return found


def unnamed() -> InternalCheckLimits:
    """The kind a declaration naming none takes today, with its limits."""
    return kinds_today().of(None)


def over_one_period() -> str:
    """The first day beyond one period of that kind, from today."""
    return (unnamed().period_end(node_today()) + DAY).isoformat()


def one_period() -> str:
    """The words its refusal uses for one period: 'at most 30 days for one period'."""
    return f"at most {unnamed().period_text()[0]} for one period"


@dataclass
class Node:
    server: NodeServer
    url: str
    tokens: dict[Role, str]

    def as_(self, role: Role) -> httpx.Client:
        return self.server.client(self.tokens[role], "internal border checks test")

    def post(self, role: Role, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        with self.as_(role) as client:
            return client.post(path, json=body)

    def get(self, role: Role, path: str) -> Any:
        with self.as_(role) as client:
            response = client.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    def cta(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = _environment(self.url, 1, "GEO") | {"CTA_TOKEN": self.tokens[Role.ADMIN]}
        return subprocess.run([str(CTA), "internal-checks", *args], env=env, text=True,
                              capture_output=True, timeout=120, check=False)  # fmt: skip


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def geo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    workdir = tmp_path_factory.mktemp(f"internal-{request.param}")
    with module_database(request, workdir) as url:
        tokens = {role: add_user(url, f"{role.value}.01", role)
                  for role in (Role.ADMIN, Role.BORDER_OFFICER)}  # fmt: skip
        with NodeServer(url, workdir) as server:
            yield Node(server, url, tokens)


def check(node: Node, mrz: list[str], point: str = "GEO-SADAKHLO") -> httpx.Response:
    return node.post(Role.BORDER_OFFICER, "/v1/checks",
                     {"mrz": mrz, "crossing_point": point, "direction": "entry"})


def test_checks_run_and_are_recorded_during_the_period_and_never_change_a_stay(
    geo: Node,
) -> None:
    mrz = passport("USA")
    assert check(geo, mrz).status_code == 422  # no reintroduction yet: no check there
    over = geo.post(Role.ADMIN, "/v1/internal-checks", {
        "crossing_points": ["GEO-SADAKHLO"], "from": node_today().isoformat(),
        "to": over_one_period(), "ground": "a serious threat"})
    assert over.status_code == 422 and one_period() in over.text
    declared = geo.post(Role.ADMIN, "/v1/internal-checks", {
        "crossing_points": ["GEO-SADAKHLO"], "from": node_today().isoformat(),
        "to": (node_today() + 9 * DAY).isoformat(), "ground": "a serious threat"})
    assert declared.status_code == 201, declared.text
    ref = declared.json()["id"]
    assert geo.post(Role.BORDER_OFFICER, "/v1/internal-checks", {
        "crossing_points": ["GEO-SADAKHLO"], "from": node_today().isoformat(),
        "to": node_today().isoformat(), "ground": "x"}).status_code == 403
    # a traveller who entered at the airport 5 days ago, with a stay counted
    entered = geo.post(Role.BORDER_OFFICER, "/v1/crossings", {
        "mrz": mrz, "crossing_point": "GEO-TBS", "direction": "entry",
        "occurred_at": (datetime.now(UTC) - 5 * DAY).isoformat(),
        "override_reason": "authorisation seen on paper"})
    assert entered.status_code == 201, entered.text
    person = entered.json()["person_id"]
    stay = geo.get(Role.BORDER_OFFICER, f"/v1/persons/{person}/stay")
    answer = check(geo, mrz)
    assert answer.status_code == 200, answer.text
    assert answer.json()["decision"] == "admit"  # no authorisation asked inside the area
    assert answer.json()["internal_check"]["id"] == ref
    assert answer.json()["internal_check"]["until"] == (node_today() + 9 * DAY).isoformat()
    recorded = geo.post(Role.BORDER_OFFICER, "/v1/crossings", {
        "mrz": mrz, "crossing_point": "GEO-SADAKHLO", "direction": "entry"})
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["kind"] == "InternalCheckRecorded"
    refused = geo.post(Role.BORDER_OFFICER, "/v1/refusals", {
        "mrz": passport("ARM", expiry_date=node_today() - DAY), "crossing_point": "GEO-SADAKHLO"})
    assert refused.status_code == 201, refused.text
    assert [r["code"] for r in refused.json()["reasons_recorded"]] == ["A"]
    assert geo.get(Role.BORDER_OFFICER, f"/v1/persons/{person}/stay") == stay
    crossings = geo.get(Role.BORDER_OFFICER, f"/v1/persons/{person}")["crossings"]
    assert [c["crossing_point"] for c in crossings] == ["GEO-TBS"]
    listed = geo.get(Role.BORDER_OFFICER, "/v1/internal-checks")["internal_checks"]
    assert [(r["id"], r["status"]) for r in listed if r["id"] == ref] == [(ref, "in_force")]
    ended = geo.post(Role.ADMIN, f"/v1/internal-checks/{ref}/end")
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    assert check(geo, mrz).status_code == 422  # ended: no check there from today
    again = geo.post(Role.ADMIN, f"/v1/internal-checks/{ref}/prolong",
                     {"to": (node_today() + 20 * DAY).isoformat(), "ground": "again"})
    assert again.status_code == 422 and "declare checks anew" in again.text


def test_a_lapsed_reintroduction_checks_nothing(geo: Node) -> None:
    """A reintroduction whose last day was yesterday (written as if declared then): the
    checks stopped by themselves, no one acting."""
    engine = create_engine(geo.url)
    try:
        with engine.begin() as connection:
            connection.execute(insert(t.internal_checks).values(
                ref="GEO-IC-900", state="GEO", crossing_points=["GEO-GUGUTI"],
                first_day=node_today() - 10 * DAY, last_day=node_today() - DAY,
                ground="a past threat",
                prolongations=[], declared_at=datetime.now(UTC) - 10 * DAY))
    finally:
        engine.dispose()
    assert check(geo, passport("USA"), "GEO-GUGUTI").status_code == 422
    listed = geo.get(Role.BORDER_OFFICER, "/v1/internal-checks")["internal_checks"]
    assert [r["status"] for r in listed if r["id"] == "GEO-IC-900"] == ["lapsed"]
    prolonged = geo.post(Role.ADMIN, "/v1/internal-checks/GEO-IC-900/prolong",
                         {"to": (node_today() + 5 * DAY).isoformat(), "ground": "again"})
    assert prolonged.status_code == 422 and "lapsed" in prolonged.text


def test_the_cli_declares_prolongs_ends_and_lists(geo: Node) -> None:
    over = geo.cta("declare", "GEO-AKHKERPI", "--from", node_today().isoformat(),
                   "--to", over_one_period(), "--ground", "threat")
    assert over.returncode == 1 and one_period() in over.stderr
    done = geo.cta("declare", "GEO-AKHKERPI", "--from", node_today().isoformat(),
                   "--to", (node_today() + 29 * DAY).isoformat(), "--ground", "threat", "--json")
    assert done.returncode == 0, done.stderr
    ref = json.loads(done.stdout)["id"]
    assert check(geo, passport("AZE"), "GEO-AKHKERPI").status_code == 200
    prolonged = geo.cta("prolong", ref, "--to", (node_today() + 50 * DAY).isoformat(),
                        "--ground", "the threat persists", "--json")
    assert prolonged.returncode == 0, prolonged.stderr
    assert json.loads(prolonged.stdout)["until"] == (node_today() + 50 * DAY).isoformat()
    listed = geo.cta("list", "--in-force", "--json")
    assert ref in [r["id"] for r in json.loads(listed.stdout)["internal_checks"]]
    assert geo.cta("end", ref).returncode == 0
    assert check(geo, passport("AZE"), "GEO-AKHKERPI").status_code == 422
    no_token = subprocess.run([str(CTA), "internal-checks", "end", ref], text=True,
                              env=_environment(geo.url, 1, "GEO"), capture_output=True,
                              timeout=120, check=False)  # fmt: skip
    assert no_token.returncode == 2 and "token" in no_token.stderr


def test_the_console_and_the_start_page_show_checks_in_force(geo: Node) -> None:
    declared = geo.post(Role.ADMIN, "/v1/internal-checks", {
        "crossing_points": ["GEO-NINOTSMINDA"], "from": node_today().isoformat(),
        "to": (node_today() + 6 * DAY).isoformat(), "ground": "a serious threat"})
    assert declared.status_code == 201, declared.text
    ref = declared.json()["id"]
    token = add_user(geo.url, "officer.web", Role.BORDER_OFFICER)
    with signed_in(geo.server, token) as client:
        console = client.get("/officer")
        assert "Ninotsminda" in console.text  # a post while checks are in force there
        chosen = client.post("/officer/post", data={"csrf_token": csrf_token(console),
                                                    "crossing_point": "GEO-NINOTSMINDA",
                                                    "direction": "entry"})  # fmt: skip
        assert chosen.status_code == 303
        page = client.get("/officer?lang=en")
        assert 'id="internal-checks"' in page.text
        until = node_today() + 6 * DAY
        assert "in force here until" in page.text and str(until.year) in page.text
        assert "только документ и оповещения" in client.get("/officer?lang=ru").text
        checked = client.post("/officer/check", data={"csrf_token": csrf_token(page),
                                                      "mrz": "\n".join(passport("USA"))})
        assert 'data-outcome="admit"' in checked.text and 'id="latest-exit"' not in checked.text
        recorded = client.post("/officer/record", data={"csrf_token": csrf_token(page),
                                                        "mrz": "\n".join(passport("USA"))})
        assert recorded.status_code == 200  # in Russian, the language chosen above
        assert "Внутренняя проверка записана" in recorded.text
        start = client.get("/?lang=en")
        assert 'id="internal-checks"' in start.text and "Ninotsminda" in start.text
    assert geo.post(Role.ADMIN, f"/v1/internal-checks/{ref}/end").status_code == 200
    with geo.server.client(purpose=None) as client:
        assert "Ninotsminda" not in client.get("/?lang=en").text



def test_the_kind_is_declared_answered_listed_and_refused_when_the_regime_has_none_such(
    geo: Node,
) -> None:
    """``kind`` in ``POST /v1/internal-checks`` and ``cta internal-checks declare --kind``: the
    regime's kind in force (read from the policy file, so that the test holds before and
    after the union draft's version with the 2024 kinds), absent: the one it gives a
    declaration naming none; a kind the regime does not name is refused naming its kinds."""
    today = node_today().isoformat()
    body = {"crossing_points": ["GEO-GUGUTI"], "from": today, "to": today, "ground": "a threat"}
    plain = geo.post(Role.ADMIN, "/v1/internal-checks", body)
    assert plain.status_code == 201, plain.text
    assert (plain.json()["kind"], plain.json()["beyond_limits"]) == (unnamed().name, None)
    named = geo.post(Role.ADMIN, "/v1/internal-checks", body | {"kind": kinds_today().names[-1]})
    assert named.status_code == 201 and named.json()["kind"] == kinds_today().names[-1]
    strange = geo.post(Role.ADMIN, "/v1/internal-checks", body | {"kind": "martial_law"})
    assert strange.status_code == 422
    assert strange.json()["detail"] == (
        "kind: 'martial_law' is not one of the regime's kinds of reintroduction: "
        f"{', '.join(kinds_today().names)} (its policy file's internal_checks)")
    malformed = geo.post(Role.ADMIN, "/v1/internal-checks", body | {"kind": "Martial Law"})
    assert malformed.status_code == 422 and "kind" in malformed.text
    listed = {r["id"]: r for r in geo.get(Role.BORDER_OFFICER,
                                           "/v1/internal-checks")["internal_checks"]}
    assert listed[plain.json()["id"]]["kind"] == unnamed().name
    assert listed[named.json()["id"]]["beyond_limits"] is None
    cli = geo.cta("declare", "GEO-GUGUTI", "--from", today, "--to", today, "--ground", "threat",
                  "--kind", unnamed().name, "--json")
    assert cli.returncode == 0, cli.stderr
    ref = json.loads(cli.stdout)["id"]
    assert json.loads(cli.stdout)["kind"] == unnamed().name
    refused = geo.cta("declare", "GEO-GUGUTI", "--from", today, "--to", today, "--ground",
                      "threat", "--kind", "martial_law")
    assert refused.returncode == 1 and "kind: 'martial_law' is not one of" in refused.stderr
    lines = geo.cta("list").stdout.splitlines()
    assert [line.split()[2] for line in lines if line.startswith(f"{ref} ")] == [unnamed().name]
    for r in (plain, named):
        assert geo.post(Role.ADMIN, f"/v1/internal-checks/{r.json()['id']}/end").status_code == 200
    assert geo.post(Role.ADMIN, f"/v1/internal-checks/{ref}/end").status_code == 200


def test_the_start_page_names_a_kind_in_every_language(geo: Node) -> None:
    """A reintroduction of one of the 2024 kinds is named on the start page (in the five
    languages); one of the one kind before them, ``default``, as before. Written as a peer's
    would be, since which kinds a declaration may take depends on the day."""
    engine = create_engine(geo.url)
    try:
        with engine.begin() as connection:
            connection.execute(insert(t.internal_checks).values(
                ref="AZE-IC-77", state="AZE", kind="unforeseeable",
                crossing_points=["AZE-QIRMIZI-KORPU"], first_day=node_today() - DAY,
                last_day=node_today() + 5 * DAY, ground="a threat", prolongations=[],
                declared_at=datetime.now(UTC) - DAY, origin="AZE", record_seq=1))
    finally:
        engine.dispose()
    words = {"en": "(an unforeseeable threat: immediate action)",
             "az": "(gözlənilməz təhlükə: təcili tədbir)",
             "hy": "(չկանխատեսված սպառնալիք՝ անհապաղ գործողություն)",
             "ka": "(გაუთვალისწინებელი საფრთხე: დაუყოვნებელი მოქმედება)",
             "ru": "(непредвиденная угроза: немедленные меры)"}  # fmt: skip
    time.sleep(5.1)  # the start page reads the reintroductions in force at most every 5 s
    with geo.server.client(purpose=None) as client:
        for lang, kind in words.items():
            page = client.get(f"/?lang={lang}").text
            assert kind in page, lang
