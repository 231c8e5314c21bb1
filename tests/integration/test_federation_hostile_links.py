"""A peer's ``IdentityLinked`` is held to what an officer's link may do (the sweep of session
15, S15-A2 and B4), on SQLite and PostgreSQL: persons become one only when they are candidates
for each other (nationality, birth date and surname, as ``DocumentFiling`` asks of an officer),
and a link names at most ``MAX_LINKED_DOCUMENTS`` documents. A link that asks more is kept, not
applied, and the chain goes on; an honest one still merges."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from cta.domain.checks import Direction
from cta.federation.records import Record
from cta.services.federation_apply import MAX_LINKED_DOCUMENTS
from cta.services.node import RecordCrossing
from tests.integration.node_server import passport, unique_number
from tests.integration.test_federation_amendments import NOW, OFFICER, Member, member
from tests.integration.test_federation_hostile_records import arm_chain, arm_crossing, table


@pytest.fixture
def aze(database_url: str) -> Iterator[Member]:
    found = member(database_url, "AZE")
    yield found
    found.node.store.engine.dispose()  # type: ignore[attr-defined]


def link(new: list[str], *same_as: list[str]) -> dict[str, Any]:
    """ARM's record that the document ``new`` is the person's who holds ``same_as``."""
    line = new[1]
    return {"document": {"document_code": "P", "issuing_state": new[0][2:5],
                         "document_number": line[:9].rstrip("<"),
                         "surname": new[0][5:].split("<<")[0], "given_names": "ANNA",
                         "nationality": line[10:13], "birth_date": None,
                         "birth_date_raw": line[13:19], "sex": "F", "expiry_date": None},
            "same_as": [[m[0][2:5], m[1][:9].rstrip("<"), "P"] for m in same_as]}  # fmt: skip


def ours(aze: Member, mrz: list[str]) -> None:
    aze.node.record(OFFICER, RecordCrossing(mrz=mrz, crossing_point="AZE-GYD",
                                            direction=Direction.ENTRY,
                                            occurred_at=NOW - timedelta(days=10),
                                            override_reason="test"))  # fmt: skip


def not_applied(aze: Member) -> dict[int, str | None]:
    return {r["seq"]: r["not_applied"] for r in table(aze, "records") if r["origin"] == "ARM"}


def test_persons_who_are_not_candidates_are_not_made_one_on_a_peer_s_word(
    aze: Member,
) -> None:
    """AZE's own traveller and a stranger ARM recorded (another surname and birth date) are
    not merged by ARM's link, nor is the link's new document filed; the chain goes on."""
    anna = passport("GBR", number=unique_number())
    eve = passport("GBR", surname="MALLORY", given_names="EVE", number=unique_number(),
                   birth_date=date(1999, 9, 9))  # fmt: skip
    new = passport("USA", surname="MALLORY", number=unique_number())
    ours(aze, anna)
    records = arm_chain([
        ("CrossingRecorded", arm_crossing(eve, "entry", 5)),
        ("IdentityLinked", link(new, anna, eve)),
        ("CrossingRecorded", arm_crossing(eve, "exit", 1)),
    ])  # fmt: skip
    result = aze.federation.ingest("ARM", records)
    assert result.rejection is None and result.head_seq == 3
    why = not_applied(aze)
    assert why[1] is None and why[3] is None
    assert why[2] is not None and "not candidates" in why[2], why[2]
    assert len(table(aze, "persons")) == 2
    assert len(table(aze, "documents")) == 2  # the link's USA passport was not filed


def test_candidates_are_made_one_and_the_new_document_is_theirs(aze: Member) -> None:
    """The honest link: AZE's traveller and ARM's record of the same person's other passport
    (same nationality, birth date and surname) become one, with the new passport."""
    first, second = passport("GBR", number=unique_number()), passport("GBR", number=unique_number())
    new = passport("GBR", number=unique_number())
    ours(aze, first)
    records = arm_chain([
        ("CrossingRecorded", arm_crossing(second, "entry", 5)),
        ("IdentityLinked", link(new, first, second)),
    ])  # fmt: skip
    assert aze.federation.ingest("ARM", records).head_seq == 2
    assert set(not_applied(aze).values()) == {None}
    [person] = table(aze, "persons")
    assert {d["person_id"] for d in table(aze, "documents")} == {person["id"]}
    assert len(table(aze, "documents")) == 3


def test_a_link_naming_more_documents_than_a_person_holds_is_not_applied(aze: Member) -> None:
    """The sweep's link of 1,500 documents made 1,500 persons one in one transaction."""
    many = [passport("GBR", number=unique_number()) for _ in range(MAX_LINKED_DOCUMENTS + 2)]
    records: list[Record] = arm_chain([("IdentityLinked", link(many[0], *many[1:]))])
    assert aze.federation.ingest("ARM", records).head_seq == 1
    why = not_applied(aze)[1]
    assert why is not None and f"at most {MAX_LINKED_DOCUMENTS}" in why, why
    assert table(aze, "documents") == [] and table(aze, "persons") == []


def renamed_at_arm(aze: Member, maiden: list[str], married: list[str]) -> None:
    """AZE's traveller crossed with ``maiden``; ARM recorded ``married`` as a person of its own,
    then its officer linked the two as a change of name; AZE has taken both records."""
    ours(aze, maiden)
    records = arm_chain([
        ("CrossingRecorded", arm_crossing(married, "entry", 5)),
        ("IdentityLinked", link(married, maiden) | {"name_change": True}),
    ])  # fmt: skip
    assert aze.federation.ingest("ARM", records).head_seq == 2


def test_a_change_of_name_joins_the_traveller_filed_under_each_name(aze: Member) -> None:
    """She crossed here with her passport before marriage; ARM filed her new passport (another
    surname) as a person of its own, and AZE had that record too, then ARM's officer saw the
    earlier passport and linked them, marking a change of name: AZE makes the two one (before,
    no merge of two surnames: the two nodes counted her stays apart)."""
    born = date(1988, 6, 21)
    maiden = passport("GBR", surname="BERIDZE", given_names="TAMAR", birth_date=born)
    married = passport("GBR", surname="GELASHVILI", given_names="TAMAR", birth_date=born)
    renamed_at_arm(aze, maiden, married)
    assert set(not_applied(aze).values()) == {None}
    [person] = table(aze, "persons")
    assert [d["person_id"] for d in table(aze, "documents")] == [person["id"]] * 2
    assert len(table(aze, "crossings")) == 2


@pytest.mark.parametrize("flag", [False, None])
def test_two_surnames_are_not_joined_without_the_officer_s_change_of_name(
    aze: Member, flag: bool | None,
) -> None:
    """The same link without ``name_change`` (or with it false) joins candidates only: a
    passport of another surname stays its own person here."""
    born = date(1988, 6, 21)
    maiden = passport("GBR", surname="BERIDZE", birth_date=born)
    married = passport("GBR", surname="GELASHVILI", birth_date=born)
    ours(aze, maiden)
    payload = link(married, maiden) | ({} if flag is None else {"name_change": flag})
    records = arm_chain([("CrossingRecorded", arm_crossing(married, "entry", 5)),
                         ("IdentityLinked", payload)])  # fmt: skip
    assert aze.federation.ingest("ARM", records).head_seq == 2
    why = not_applied(aze)[2]
    assert why is not None and "not candidates" in why, why
    assert len(table(aze, "persons")) == 2


@pytest.mark.parametrize(("other", "expected"), [
    ({"birth_date": date(1988, 6, 22)}, "not candidates"),  # a relative, born another day
    ({"nationality": "USA"}, "not candidates"),  # a stranger of another nationality
])  # fmt: skip
def test_a_change_of_name_keeps_the_nationality_and_the_birth_date(
    aze: Member, other: dict[str, Any], expected: str,
) -> None:
    """A peer's link marked a change of name still joins no one of another birth date or
    nationality (as no officer's link here may)."""
    born = date(1988, 6, 21)
    maiden = passport("GBR", surname="BERIDZE", birth_date=born)
    married = passport(other.get("nationality", "GBR"), surname="GELASHVILI",
                       birth_date=other.get("birth_date", born))  # fmt: skip
    renamed_at_arm(aze, maiden, married)
    why = not_applied(aze)[2]
    assert why is not None and expected in why, why
    assert len(table(aze, "persons")) == 2


def test_a_change_of_name_joins_no_two_earlier_holders_of_other_surnames(aze: Member) -> None:
    """The change of name is between the new document's holder and the earlier documents'
    holders; those must still be candidates among themselves."""
    born = date(1988, 6, 21)
    one = passport("GBR", surname="BERIDZE", birth_date=born)
    another = passport("GBR", surname="KAPANADZE", birth_date=born)
    new = passport("GBR", surname="GELASHVILI", birth_date=born)
    ours(aze, one)
    ours(aze, another)
    records = arm_chain([("IdentityLinked", link(new, one, another) | {"name_change": True})])
    assert aze.federation.ingest("ARM", records).head_seq == 1
    why = not_applied(aze)[1]
    assert why is not None and "not candidates" in why, why
    assert len(table(aze, "persons")) == 2


def test_a_change_of_name_that_is_not_a_truth_value_is_named(aze: Member) -> None:
    maiden = passport("GBR", surname="BERIDZE")
    ours(aze, maiden)
    records = arm_chain([("IdentityLinked", link(passport("GBR", surname="GELASHVILI"), maiden)
                          | {"name_change": "yes"})])  # fmt: skip
    assert aze.federation.ingest("ARM", records).head_seq == 1
    why = not_applied(aze)[1]
    assert why is not None and "name_change: true or false" in why, why


def test_a_change_of_name_joins_no_one_of_other_given_names_nor_two_who_crossed_together(
    aze: Member,
) -> None:
    """A member's link marked a change of name (forged, or its officer careless) still joins no
    two of AZE's travellers with other given names (twins: the same surname and birth date),
    nor two who crossed AZE's border the same way on one day (review R2)."""
    born = date(1988, 6, 21)
    her = passport("GBR", surname="BERIDZE", given_names="TAMAR", birth_date=born)
    twin = passport("GBR", surname="BERIDZE", given_names="NINO", birth_date=born)
    namesake = passport("GBR", surname="SMITH", given_names="TAMAR", birth_date=born)
    for mrz in (her, twin, namesake):
        ours(aze, mrz)  # all three entered on one day
    records = arm_chain([("IdentityLinked", link(twin, her) | {"name_change": True}),
                         ("IdentityLinked", link(namesake, her) | {"name_change": True})])
    assert aze.federation.ingest("ARM", records).head_seq == 2
    why = not_applied(aze)
    assert why[1] is not None and "not candidates" in why[1], why[1]
    assert why[2] is not None and "both crossed on" in why[2], why[2]
    assert len(table(aze, "persons")) == 3


def test_a_link_naming_twins_passports_as_one_person_s_is_not_applied(aze: Member) -> None:
    """Twins are candidates (one surname, nationality and birth date): a member's link naming
    both their passports would have made them one, unless they had crossed together here."""
    born = date(1995, 5, 5)
    sister = passport("GBR", surname="MAISURADZE", given_names="NINO", birth_date=born)
    brother = passport("GBR", surname="MAISURADZE", given_names="GIORGI", birth_date=born)
    aze.node.record(OFFICER, RecordCrossing(mrz=sister, crossing_point="AZE-GYD",
                                            direction=Direction.ENTRY,
                                            occurred_at=NOW - timedelta(days=10),
                                            override_reason="test"))  # fmt: skip
    aze.node.record(OFFICER, RecordCrossing(mrz=brother, crossing_point="AZE-GYD",
                                            direction=Direction.ENTRY,
                                            occurred_at=NOW - timedelta(days=3),
                                            override_reason="test"))  # fmt: skip
    new = passport("GBR", surname="MAISURADZE", given_names="NINO", birth_date=born)
    records = arm_chain([("IdentityLinked", link(new, sister, brother))])
    assert aze.federation.ingest("ARM", records).head_seq == 1
    why = not_applied(aze)[1]
    assert why is not None and "not candidates" in why, why
    assert len(table(aze, "persons")) == 2

