"""Corrections, permits and identity links on the in-memory twin of the store: what each use
case writes and emits. The same over SQLite and PostgreSQL, through a peer too:
tests/integration/test_federation_amendments.py."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cta.domain.checks import Direction
from cta.domain.documents import DocumentFields, DocumentType, generate_mrz
from cta.domain.errors import InvalidInputError
from cta.domain.roles import Role
from cta.entrypoints.web.i18n import LANGUAGES, language
from cta.entrypoints.web.reason_text import refusal_text
from cta.services.node import (
    Actor,
    BorderCheck,
    ConflictError,
    CrossingCorrection,
    IssuePermit,
    Node,
    NotFoundError,
    RecordCrossing,
)

from .conftest import NOW
from .memory_store import MemoryStore
from .test_node_use_cases import OFFICER, passport

CONSUL = Actor("consul.01", Role.CONSULAR_OFFICER, "visa application")


def outbox(store: MemoryStore) -> list[tuple[str, int | None]]:
    return [(r["kind"], r["supersedes"]) for _, r in sorted(store.tables["outbox"].items())]


def test_a_correction_changes_the_row_and_emits_a_record_superseding_the_last_one(
    node: Node, store: MemoryStore
) -> None:
    _, entry = node.record(OFFICER, RecordCrossing(
        passport("USA"), "GEO-TBS", Direction.ENTRY, occurred_at=NOW - timedelta(days=3),
        override_reason="test"))  # fmt: skip
    node.correct_crossing(OFFICER, entry["id"], CrossingCorrection(
        "wrong day", occurred_at=NOW - timedelta(days=4)))  # fmt: skip
    node.correct_crossing(OFFICER, entry["id"], CrossingCorrection("typo", withdraw=True))
    first, second = entry["outbox_seq"], entry["outbox_seq"] + 1
    assert outbox(store) == [("CrossingRecorded", None), ("CrossingCorrected", first),
                             ("CrossingWithdrawn", second)]  # fmt: skip
    assert store.tables["crossings"] == {}
    assert store.tables["persons"][entry["person_id"]]["last_seen"] is None
    with pytest.raises(NotFoundError):
        node.correct_crossing(OFFICER, entry["id"], CrossingCorrection("again", withdraw=True))


def test_a_visa_admits_until_it_is_revoked(node: Node, store: MemoryStore) -> None:
    mrz = passport("IND")
    check = BorderCheck(mrz, "GEO-TBS", Direction.ENTRY)
    assert node.check(OFFICER, check).decision.outcome.value == "refuse"
    _, visa = node.issue_permit(CONSUL, IssuePermit(
        mrz, NOW.date(), NOW.date() + timedelta(days=30), duration_days=30))  # fmt: skip
    assert node.check(OFFICER, check).decision.outcome.value == "admit"
    node.revoke_permit(CONSUL, "visas", visa["id"], "revoked")
    assert node.check(OFFICER, check).decision.outcome.value == "refuse"
    assert [k for k, _ in outbox(store)] == ["VisaIssued", "VisaRevoked"]


def test_a_confirmed_new_passport_is_an_identity_link(node: Node, store: MemoryStore) -> None:
    _, entry = node.record(OFFICER, RecordCrossing(
        passport("USA", "OLD000001"), "GEO-TBS", Direction.ENTRY, override_reason="test"))
    _, exit_ = node.record(OFFICER, RecordCrossing(
        passport("USA", "NEW000001"), "GEO-TBS", Direction.EXIT,
        person_id=entry["person_id"]))  # fmt: skip
    assert exit_["person_id"] == entry["person_id"]
    link = [r for r in store.tables["outbox"].values() if r["kind"] == "IdentityLinked"]
    assert [r["payload"]["same_as"] for r in link] == [[["USA", "OLD000001", "P"]]]
    with pytest.raises(ConflictError, match="not a candidate"):
        other = node.record(OFFICER, RecordCrossing(
            passport("GBR", "GBR000001"), "GEO-TBS", Direction.ENTRY,
            override_reason="test"))[1]  # fmt: skip
        node.record(OFFICER, RecordCrossing(
            passport("GBR", "GBR000001"), "GEO-TBS", Direction.EXIT,
            person_id=entry["person_id"]))  # fmt: skip
    assert other["person_id"] != entry["person_id"]
    assert "name_change" not in link[0]["payload"]  # the same surname: a candidate's link


def _renamed(number: str, surname: str, given: str = "NINO") -> list[str]:
    """A USA passport of the traveller ``passport`` makes (born 1990-04-12), in ``surname``."""
    fields = DocumentFields(DocumentType.TD3, "P", "USA", surname, given, number, "USA",
                            date(1990, 4, 12), "F", date(2034, 1, 1))  # fmt: skip
    return list(generate_mrz(fields))


def _entry(node: Node, mrz: list[str], days_ago: int) -> int:
    _, entered = node.record(OFFICER, RecordCrossing(
        mrz, "GEO-TBS", Direction.ENTRY, occurred_at=NOW - timedelta(days=days_ago),
        override_reason="test"))  # fmt: skip
    return int(entered["person_id"])


def test_a_change_of_name_joins_the_person_filed_under_the_new_name(
    node: Node, store: MemoryStore,
) -> None:
    """Her passport after marriage was filed as a person of its own (no candidate: another
    surname); the officer, shown the earlier passport, confirms her: the check weighs both
    persons' crossings, recording makes them one, and the link is marked a change of name.
    A bare ``person_id`` (no earlier document seen) joins no two surnames."""
    old = passport("USA", "OLD000002")
    her = _entry(node, old, 30)
    married = _renamed("NEW000002", "GELASHVILI")
    apart = _entry(node, married, 5)
    assert apart != her
    alone = node.check(OFFICER, BorderCheck(married, "GEO-TBS", Direction.EXIT))
    assert alone.person_id == apart and alone.joined is None
    assert [a.code for a in alone.coded_anomalies] == []
    joined = node.check(OFFICER, BorderCheck(married, "GEO-TBS", Direction.EXIT, person_id=her))
    assert joined.person_id == her and joined.joined == apart
    # her entry 30 days ago (no exit recorded) and her entry 5 days ago, in one history
    assert [a.code for a in joined.coded_anomalies] == ["entry_without_exit"]
    with pytest.raises(ConflictError, match="not a candidate"):  # no earlier document seen
        node.record(OFFICER, RecordCrossing(married, "GEO-TBS", Direction.EXIT, person_id=her))
    mother = _born(1960, "MUM000002")  # known here: her passport, scanned by mistake
    _entry(node, mother, 10)
    with pytest.raises(InvalidInputError, match=r"earlier_mrz: .*born on another day"):
        node.record(OFFICER, RecordCrossing(married, "GEO-TBS", Direction.EXIT, person_id=her,
                                            earlier_mrz=mother))  # fmt: skip
    _, exit_ = node.record(OFFICER, RecordCrossing(married, "GEO-TBS", Direction.EXIT,
                                                   person_id=her, earlier_mrz=old))
    assert exit_["person_id"] == her
    holders = {r["document_number"]: r["person_id"] for r in store.tables["documents"].values()}
    assert holders["NEW000002"] == holders["OLD000002"] == her and apart not in holders.values()
    link = [r["payload"] for r in store.tables["outbox"].values() if r["kind"] == "IdentityLinked"]
    assert [p.get("name_change") for p in link] == [True]


def _born(year: int, number: str) -> list[str]:
    fields = DocumentFields(DocumentType.TD3, "P", "USA", "GELASHVILI", "NANA", number, "USA",
                            date(year, 3, 3), "F", date(2034, 1, 1))  # fmt: skip
    return list(generate_mrz(fields))


@pytest.mark.parametrize(("given", "days_ago", "code"), [
    ("ELENE", 6, "not_the_same_traveller"),  # her twin sister: other given names
    ("NINO", 30, "crossed_together"),  # the same names, but they crossed together
])  # fmt: skip
def test_an_earlier_document_joins_no_two_travellers(
    node: Node, store: MemoryStore, given: str, days_ago: int, code: str,
) -> None:
    """The officer saw the earlier passport, but the passport in hand is on file as someone
    who cannot be her: refused with a code the console words in its language, nothing joined."""
    old = passport("USA", "OLD000003")
    her = _entry(node, old, 30)
    other = _renamed("TWN000003", "GELASHVILI", given)
    _entry(node, other, days_ago)
    with pytest.raises(ConflictError) as refused:
        node.record(OFFICER, RecordCrossing(other, "GEO-TBS", Direction.EXIT, person_id=her,
                                            earlier_mrz=old))  # fmt: skip
    assert refused.value.code == code
    assert len({r["person_id"] for r in store.tables["documents"].values()}) == 2
    for lang in LANGUAGES:  # the console says it in its language, the document named
        shown = refusal_text(language(lang), refused.value)
        assert 'lang="en"' not in shown and "TWN000003" in shown, shown
