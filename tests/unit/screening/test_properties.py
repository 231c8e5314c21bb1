"""Properties: an alert's own names, as a passport prints them, always hit it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cta.domain.names import to_mrz
from cta.domain.screening import THRESHOLD, ScreeningIndex, ScreeningQuery, skeleton

from .builders import alert

AZ = "abcçdeəfgğhxıijkqlmnoöprsştuüvyz"
HY = "աբգդեզէըթժիլխծկհձղճմյնշոչպջռսվտրցւփքօֆ"
KA = "აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ"
RU = "абвгдеёжзийклмнопрстуфхцчшщыэюя"


def words(alphabet: str) -> st.SearchStrategy[str]:
    return st.text(alphabet, min_size=2, max_size=12).map(str.capitalize)


names = st.one_of(*(st.tuples(words(a), words(a)) for a in (AZ, HY, KA, RU)))


@settings(max_examples=150, deadline=None)
@given(names, st.dates().map(lambda d: d.isoformat()), st.booleans())
def test_a_query_built_from_an_alerts_own_mrz_names_always_hits_it(
    name: tuple[str, str], birth: str, swapped: bool
) -> None:
    first, last = name
    index = ScreeningIndex.build([alert(id="A", names=[f"{first} {last}"], birth_date=birth)])
    surname, given_names = to_mrz(last), to_mrz(first)
    if swapped:
        surname, given_names = given_names, surname
    query = ScreeningQuery(surname=surname, given_names=given_names,
                           birth_year=int(birth[:4]), birth_month=int(birth[5:7]),
                           birth_day=int(birth[8:10]))
    hits = index.screen(query)
    assert [h.alert_id for h in hits] == ["A"]
    assert hits[0].score >= THRESHOLD


@given(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", max_size=20))
def test_a_skeleton_is_never_longer_than_its_token_by_much_and_is_stable(token: str) -> None:
    once = skeleton(token)
    assert len(once) <= len(token) + 2
    assert skeleton(token) == once


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60), st.text(max_size=60))
def test_any_text_as_names_is_screened_or_refused_never_a_crash(surname: str,
                                                                given_names: str) -> None:
    from cta.domain.errors import InvalidInputError
    from cta.domain.screening import query_from_json

    index = ScreeningIndex.build([alert(id="A", names=["Elçin Məmmədov"])])
    try:
        query = query_from_json({"surname": surname, "given_names": given_names})
    except InvalidInputError:
        return
    for hit in index.screen(query, min_score=0.0):
        assert 0.0 <= hit.score <= 1.0
