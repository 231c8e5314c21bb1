"""What one record carries fits the 64 KiB a record holds (the sweep of session 17).

A record over the bound is refused by the node's own sealer, at every round: none of the
node's later records is sealed or sent, so its peers never hear of another crossing, refusal
or decision of that node. Two honest ways made one: an annulment through the API (20 reasons
of 2,000 Georgian letters, 120 KB), and an automatic consultation quoting 50 grounds of the
member's data (100 KB even in Latin letters).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from cta.adapters.storage import tables as t
from cta.domain.applications import ApplicationKind
from cta.domain.roles import Role
from cta.services.applications import Applications, Submission
from cta.services.node import Idempotency
from tests.integration.area import Member, area_on, in_sync, read_rows, wait_until
from tests.integration.node_server import add_user, node_today, passport
from tests.integration.test_federation_amendments import Member as InProcess
from tests.integration.test_federation_amendments import geo, member, sync  # geo: a fixture

__all__ = ["geo"]

YES = {"convictions": True, "conflict_zones": False, "removal_orders": False}
GEORGIAN = "ა" * 2000  # three bytes each in UTF-8


@pytest.fixture(scope="module", params=["sqlite"])
def nodes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Member]]:
    yield from area_on(request, tmp_path_factory, "sweep17")


def _granted(node: Member) -> tuple[str, str]:
    """An authorisation granted at ``node`` by a consul of its own; (number, consul's token)."""
    consul = add_user(node.url, f"consul.{uuid.uuid4().hex[:6]}", Role.CONSULAR_OFFICER)
    body = {"kind": "authorization", "mrz": passport("USA"), "email": "n@example.org",
            "phone": "+995 555 1234", "address": "Tbilisi", "birth_place": "Tbilisi",
            "occupation": "teacher", "first_state": node.state, "language": "ka",
            "answers": YES}  # fmt: skip
    with node.server.client(None, None) as public:
        answer = public.post("/v1/applications", json=body,
                             headers={"Idempotency-Key": uuid.uuid4().hex})  # fmt: skip
    assert answer.status_code == 201, answer.text
    number = answer.json()["number"]
    today = node_today(node.state)
    with node.server.client(consul, "consular examination") as client:
        assert client.post(f"/v1/applications/{number}/claim").status_code == 200
        granted = client.post(f"/v1/applications/{number}/decision", json={
            "outcome": "granted", "valid_from": today.isoformat(),
            "valid_to": (today + timedelta(days=300)).isoformat()})  # fmt: skip
    assert granted.status_code == 200, granted.text
    return number, consul


def test_an_annulment_whose_reasons_would_not_fit_one_record_is_refused_and_the_chain_goes_on(
    nodes: dict[str, Member],
) -> None:
    """20 reasons of 2,000 Georgian letters: 422, nothing changed (it was taken, and ARM's
    sealer failed on its record at every round from then on); 20 reasons of 2,000 Latin
    letters are taken, and the annulment reaches the other members."""
    arm = nodes["ARM"]
    number, consul = _granted(arm)
    with arm.server.client(consul, "consular examination") as client:
        refused = client.post(f"/v1/applications/{number}/annulment",
                              json={"reasons": [GEORGIAN] * 20})  # fmt: skip
        assert refused.status_code == 422, refused.text[:300]
        assert "bytes together" in refused.text
        assert client.get(f"/v1/applications/{number}/file").json()["status"] == "granted"
        taken = client.post(f"/v1/applications/{number}/annulment",
                            json={"reasons": ["x" * 2000] * 20})  # fmt: skip
        assert taken.status_code == 200, taken.text[:300]
    decided = t.application_decisions.c

    def annulled_everywhere() -> bool:
        return all(read_rows(nodes[s], select(decided.outcome).where(
            decided.number == number, decided.outcome == "annulled")) for s in nodes)  # fmt: skip

    wait_until(annulled_everywhere, what="the annulment reached AZE and GEO")
    wait_until(lambda: in_sync(nodes), what="every outbox sealed and sent")


@pytest.fixture
def arm(tmp_path: Path) -> Iterator[InProcess]:
    found = member(f"sqlite:///{tmp_path / 'arm.sqlite'}", "ARM")
    yield found
    found.node.store.engine.dispose()  # type: ignore[attr-defined]


def test_an_automatic_consultation_quoting_many_grounds_is_sealed_and_reaches_the_member(
    arm: InProcess, geo: InProcess
) -> None:
    """The automatic processing's grounds, 50 of 2,000 Georgian letters (300 KB): ARM's
    sealer refused the record (``payload: ... bytes is more than 65536``) and stopped there.
    Now the grounds stop where the record is full, the last saying how many more there are."""
    apps = Applications(arm.node)
    mrz = passport("USA")
    submission = Submission(ApplicationKind.AUTHORIZATION, mrz, "ARM", "en", "a@example.org",
                            YES, {"mrz": mrz, "occupation": "teacher"})  # fmt: skip
    _, answer = apps.submit(submission, "127.0.0.1", Idempotency(uuid.uuid4().hex, "h"))
    grounds = [{"code": "past_application", "message": GEORGIAN}] * 50
    consultations = apps.consultations
    with arm.node.store.transaction() as tx:
        assert consultations.lookup is not None
        summary = consultations.lookup(tx, answer["number"])
        assert summary is not None
        consultations.request(tx, summary, "GEO", "Is this the traveller you refused?", grounds,
                              asked_by=None)  # fmt: skip
    sent = [r for r in sync(arm, geo) if r.kind == "ConsultationRequested"]
    assert len(sent) == 1
    asked = geo.node.store.engine.connect()  # type: ignore[attr-defined]
    try:
        [row] = asked.execute(select(t.consultations.c.grounds)).all()
    finally:
        asked.close()
    filed = row[0]
    assert 1 < len(filed) < 50 and filed[-1]["code"] == "more"
    assert filed[-1]["message"].startswith(f"{50 - len(filed) + 1} more grounds")
