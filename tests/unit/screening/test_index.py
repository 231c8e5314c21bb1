"""The index: documents, withdrawn and expired alerts, snapshots, bad input."""

from __future__ import annotations

from datetime import date

import pytest

from cta.domain.errors import InvalidInputError
from cta.domain.screening import ScreeningIndex, alert_from_json

from .builders import ELCHIN, PASSPORT, alert, hit_ids, index_of, traveller


def test_a_document_number_hits_exactly_after_normalisation() -> None:
    index = index_of(PASSPORT)
    [hit] = index.screen(traveller(document_number="c01x 00t-47"))
    assert (hit.alert_id, hit.kind, hit.score) == ("GEO-2", "document", 1.0)


def test_an_ocr_confusion_in_a_document_number_is_a_near_miss() -> None:
    index = index_of(PASSPORT)
    [hit] = index.screen(traveller(document_number="CO1XOOT47"))
    assert hit.kind == "document_near_miss"
    assert "C01X00T47" in hit.reasons[0]


def test_another_document_number_is_no_hit() -> None:
    assert index_of(PASSPORT).screen(traveller(document_number="C01X00T48")) == []


def test_a_withdrawn_alert_never_hits_and_can_be_filed_again() -> None:
    index = index_of(ELCHIN, PASSPORT)
    index.remove("AZE-1")
    index.remove("GEO-2")
    assert len(index) == 0
    assert hit_ids(index, surname="MAMMADOV", given_names="ELCHIN") == []
    assert index.screen(traveller(document_number="C01X00T47")) == []
    index.add(alert_from_json(ELCHIN))
    assert hit_ids(index, surname="MAMMADOV", given_names="ELCHIN") == ["AZE-1"]


def test_removing_an_unknown_alert_or_adding_one_twice_is_an_error() -> None:
    index = index_of(ELCHIN)
    with pytest.raises(InvalidInputError, match="not in the index"):
        index.remove("nope")
    with pytest.raises(InvalidInputError, match="already in the index"):
        index.add(alert_from_json(ELCHIN))


def test_an_expired_or_future_alert_never_hits() -> None:
    index = index_of({**ELCHIN, "valid_from": "2026-01-01", "valid_to": "2026-12-31"})
    query = traveller(surname="MAMMADOV", given_names="ELCHIN", birth_date="1985-03-12")
    assert [h.alert_id for h in index.screen(query, on=date(2026, 6, 1))] == ["AZE-1"]
    assert index.screen(query, on=date(2027, 1, 1)) == []
    assert index.screen(query, on=date(2025, 12, 31)) == []


def test_a_snapshot_reads_back_to_an_index_that_answers_the_same() -> None:
    withdrawn = {"id": "X-9", "category": "arrest", "names": ["Ani Ter-Voskanyan"]}
    index = index_of(ELCHIN, PASSPORT, withdrawn)
    index.remove("X-9")
    index.add(alert(id="X-10", names=["Արամ Խաչատրյան"], birth_date="1979"))
    again = ScreeningIndex.from_snapshot(index.snapshot())
    assert len(again) == len(index) == 3
    queries = [
        traveller(surname="MAMMADOV", given_names="ELCHIN", birth_date="1985-03-12"),
        traveller(document_number="CO1XOOT47"),
        traveller(surname="KHACHATRIAN", given_names="ARAM", birth_date="1979"),
        traveller(surname="TERVOSKANYAN", given_names="ANI"),
    ]
    for query in queries:
        assert again.screen(query) == index.screen(query)
    again.add(alert(id="X-11", names=["Ani Ter-Voskanyan"]))
    assert [h.alert_id for h in again.screen(queries[3])] == ["X-11"]


def test_a_damaged_snapshot_is_an_error_not_a_crash() -> None:
    data = index_of(ELCHIN).snapshot()
    with pytest.raises(InvalidInputError):
        ScreeningIndex.from_snapshot(b"not a snapshot")
    with pytest.raises(InvalidInputError):
        ScreeningIndex.from_snapshot(data[: len(data) // 2])


def test_many_additions_compact_without_losing_an_alert() -> None:
    index = ScreeningIndex()
    for n in range(300):
        index.add(alert(id=f"A-{n}", names=[f"Elçin Məmmədov{'a' * (n % 7)}"],
                        birth_date=f"{1950 + n % 50}"))
        if n % 3 == 0:
            index.remove(f"A-{n}")
    index.compact()
    assert len(index) == 200
    found = hit_ids(index, surname="MAMMADOV", given_names="ELCHIN", birth_date="1951")
    assert "A-1" in found and "A-0" not in found


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"surname": "MAM\x07MADOV"}, "control character U\\+0007"),
        ({"surname": "A" * 201}, "at most 200"),
        ({"surname": "Mаmmadov"}, "mixes Cyrillic and Latin"),
        ({"surname": "", "given_names": ""}, "nothing to screen"),
        ({"surname": 5}, "surname: expected a string"),
        ({"birth_date": "1985-13-01", "surname": "X"}, "birth_date"),
        ({"document_number": "AB#12"}, "document_number"),
        ({"nickname": "X"}, "nickname: unknown key"),
        ({"surname": "X", "sex": "Q"}, "sex"),
    ],
)
def test_bad_travellers_get_an_error_naming_the_field(fields: dict[str, object],
                                                     message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        traveller(**fields)


def test_mixed_scripts_between_words_are_read_each_in_its_own() -> None:
    index = index_of(ELCHIN)
    assert hit_ids(index, surname="Мамедов", given_names="ELCHIN",
                   birth_date="1985-03-12") == ["AZE-1"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"category": "spying"}, "category"),
        ({"names": ["Ελένη"]}, "names\\[0\\]"),
        ({"names": "Elçin"}, "names: expected a list"),
        ({"names": []}, "a readable name or a document number"),
        ({"names": ["X Y"], "birth_date": "85"}, "birth_date"),
        ({"names": ["X Y"], "valid_from": "2027-01-02", "valid_to": "2027-01-01"}, "valid_to"),
        ({"names": ["X Y"], "nationalities": ["Azerbaijan"]}, "nationalities\\[0\\]"),
    ],
)
def test_bad_alerts_get_an_error_naming_the_field(fields: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        alert(**fields)


def test_an_alert_name_may_be_an_object_or_mrz_style() -> None:
    index = ScreeningIndex.build([
        alert(id="A", names=[{"surname": "Məmmədov", "given_names": "Elçin"}]),
        alert(id="B", names=["MAMMADOV<<ELCHIN"]),
    ])
    assert sorted(hit_ids(index, surname="MAMMADOV", given_names="ELCHIN")) == ["A", "B"]


@pytest.mark.parametrize("fields", [
    {"id": "GEO-1/x"}, {"id": ".."}, {"birth_date": "9999"}, {"birth_date": "1985-00"},
    {"valid_from": "0001-01-01"}, {"valid_to": "20270101"},
], ids=lambda f: "-".join(map(str, f.values())))  # fmt: skip
def test_an_alert_stored_before_the_entering_rules_is_still_read_and_screened(
    fields: dict[str, object],
) -> None:
    """Entering an alert refuses these (the node's put, ``cta alerts import``); reading one
    back (the index at a start, a peer's record) takes it, or it would stop being screened."""
    record = {"id": "GEO-1", "category": "arrest", "names": ["MAMMADOV<<ELCHIN"], **fields}
    with pytest.raises(InvalidInputError):
        alert_from_json(record, entering=True)
    index = ScreeningIndex.build([alert_from_json(record)])
    hits = index.screen(traveller(surname="MAMMADOV", given_names="ELCHIN"), on=date(2026, 12, 7))
    assert [h.alert_id for h in hits] == [record["id"]]
