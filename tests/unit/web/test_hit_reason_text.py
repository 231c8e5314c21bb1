"""The screening's reasons for a hit are worded in the page's language from the key and values
each carries, also after the screening process's socket and when read back from a check's or a
review's message; the English sentences (the API's) are as they always were."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterator
from datetime import date
from types import ModuleType

import pytest

from cta.adapters.screening import decode_hits, encode_hits
from cta.domain.alerts import AlertCategory
from cta.domain.checks import AlertHit, decide
from cta.domain.screening import Hit, ScreeningIndex
from cta.domain.screening.reasons import KEYS, HitReason, from_wire, read_reason, to_wire
from cta.entrypoints.web.i18n import LANGUAGES, language
from cta.entrypoints.web.reason_text import (
    HIT_REASONS,
    english,
    hit_reason_text,
    hit_reasons_text,
    reason_text,
    review_text,
)
from tests.unit.screening import (
    test_alert_names_by_word,
    test_given_names,
    test_index,
    test_names_across_scripts,
    test_typing_slips,
)
from tests.unit.screening.builders import ELCHIN, index_of, traveller

SCREENING_TESTS = (test_index, test_names_across_scripts, test_alert_names_by_word,
                   test_typing_slips, test_given_names)  # fmt: skip
# what the screening tests do not meet: a document hit whose names do not match at all, and
# the birth dates' rarer cases (screened at a low threshold, so that each is a hit)
ODD_ONES = (
    ({"id": "X-1", "category": "refuse_entry", "names": ["Anna Berg"], "birth_date": "1985-03-12",
      "document_numbers": ["C01X00T47"]},
     {"surname": "ZOLOTAREV", "given_names": "PAVEL", "birth_date": "1985-03-12",
      "document_number": "C01X00T47"}),
    (ELCHIN, {"surname": "MAMMADOV", "given_names": "ELCHIN", "birth_date": "1985-12-03"}),
    (ELCHIN, {"surname": "MAMMADOV", "given_names": "ELCHIN", "birth_date": "1986-03-12"}),
    (ELCHIN, {"surname": "MAMMADOV", "given_names": "ELCHIN"}),
    (ELCHIN, {"surname": "MAMMADOV", "given_names": "ELCHIN", "birth_date": "1985-02-12",
              "nationality": "RUS"}),
    (ELCHIN, {"surname": "MAMMADOV", "given_names": "ELCHIN", "birth_date": "1985-11-12"}),
    (ELCHIN, {"surname": "MAMMADOV", "given_names": "ELCHIN", "birth_date": "1985-03-25"}),
)  # fmt: skip


def _run(module: ModuleType) -> None:
    """Every test of ``module`` that takes no argument, or only its parametrised ones."""
    for name, test in inspect.getmembers(module, inspect.isfunction):
        if not name.startswith("test_"):
            continue
        marks = [m for m in getattr(test, "pytestmark", []) if m.name == "parametrize"]
        wanted = inspect.signature(test).parameters
        if not wanted:
            test()
        elif len(marks) == 1 and set(wanted) == set(_names(marks[0].args[0])):
            for values in marks[0].args[1]:
                if isinstance(values, tuple) and hasattr(values, "marks"):  # pytest.param
                    values = values.values
                arguments = values if len(wanted) > 1 else (values,)
                test(**dict(zip(_names(marks[0].args[0]), arguments, strict=True)))


def _names(spec: str | tuple[str, ...] | list[str]) -> list[str]:
    return [n.strip() for n in spec.split(",")] if isinstance(spec, str) else list(spec)


@pytest.fixture(scope="module")
def produced() -> Iterator[list[Hit]]:
    """The hits the screening's own tests and ``ODD_ONES`` produce (the real producers)."""
    met: list[Hit] = []
    screen = ScreeningIndex.screen

    def kept(self: ScreeningIndex, *args: object, **kwargs: object) -> list[Hit]:
        hits = screen(self, *args, **kwargs)  # type: ignore[arg-type]
        met.extend(hits)
        return hits

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ScreeningIndex, "screen", kept)
        for module in SCREENING_TESTS:
            _run(module)
        for alert, query in ODD_ONES:
            index_of(alert).screen(traveller(**query), min_score=0.0)
    yield met


def test_every_reason_the_screening_gives_is_keyed_and_worded_in_every_language(
    produced: list[Hit],
) -> None:
    reasons = [why for hit in produced for why in hit.reasons]
    assert {r.key for r in reasons if isinstance(r, HitReason)} == set(KEYS)
    for reason in reasons:
        assert isinstance(reason, HitReason), reason
        assert reason.key in HIT_REASONS, reason
        assert hit_reason_text(language("en"), reason) != english(reason), reason
        for code in LANGUAGES:
            shown = hit_reason_text(language(code), reason)
            assert 'lang="en"' not in shown and "%(" not in shown, (code, reason, shown)
            assert code == "en" or shown != reason, (code, reason)


def test_every_reason_reads_back_from_its_sentence_and_crosses_the_socket(
    produced: list[Hit],
) -> None:
    """What a check's or a review's message keeps (the sentence) gives the key and values
    back; the screening process's answer gives the same reasons, keyed."""
    for hit in produced:
        for reason in hit.reasons:
            again = read_reason(str(reason))
            assert again is not None and again.key == reason.key, reason  # type: ignore[attr-defined]
            assert again == reason
        [sent] = decode_hits(json.loads(json.dumps(encode_hits([hit]))))
        assert sent == hit
        assert [r.key for r in sent.reasons] == [r.key for r in hit.reasons]  # type: ignore[attr-defined]
    wire = json.dumps(encode_hits(produced)).encode()
    assert len(wire) < len(json.dumps([list(h.reasons) for h in produced]).encode())


def test_the_wire_keeps_a_sentence_with_no_key_and_refuses_an_unknown_code() -> None:
    assert from_wire(to_wire("surname agrees")) == "surname agrees"
    with pytest.raises(ValueError, match="a code and its values"):
        from_wire(["??", 1])


def test_a_sentence_no_reason_makes_is_not_read_back() -> None:
    assert read_reason("surname agrees") is None
    assert read_reason("born 1985, the alert says 01986") is None  # its values say 1986
    assert read_reason("names match (0.90): IVAN ~ IVAN (similar, 0.90)") is not None
    shown = hit_reason_text(language("ru"), "surname <agrees>")
    assert shown == '<span lang="en">surname &lt;agrees&gt;</span>'


def test_a_possible_match_s_reasons_are_worded_in_the_check_s_reason_and_under_the_hit() -> None:
    """The H reason joins the hit's reasons in its English message (the API's): the page words
    each one; one it cannot read stays English, marked."""
    from tests.unit.checks.builders import check

    hits = index_of(ELCHIN).screen(traveller(surname="MAMMADOV", given_names="ELCHIN",
                                             birth_date="1985-03-12", nationality="AZE"))
    [hit] = hits
    weighed = AlertHit(hit.alert_id, hit.category, hit.score, hit.reasons)
    [reason] = [r for r in decide(check(alert_hits=[weighed])).reasons if r.code == "H"]
    assert reason.message == ("alert AZE-1 (refuse_entry) may match (score 1.00: names match "
                              "(0.97): MAMMADOV = MAMMADOV, ELCHIN ≈ ELCIN (spelling variant); "
                              "birth dates agree (1985-03-12); nationality AZE agrees): confirm "
                              "or dismiss the hit")
    ru = language("ru")
    shown = reason_text(ru, reason).replace("\u202f", " ")
    assert 'lang="en"' not in shown
    assert "имена совпадают (0,97): MAMMADOV = MAMMADOV, ELCHIN ≈ ELCIN (вариант написания); " \
        "даты рождения совпадают (12 марта 1985 г.); гражданство совпадает (Азербайджан)" \
        in shown
    assert [reason_text(ru, why) for why in weighed.reasons] == \
        [hit_reason_text(ru, why) for why in hit.reasons]
    mixed = hit_reasons_text(ru, "birth years agree (1985); surname agrees")
    assert mixed == 'годы рождения совпадают (1985); <span lang="en">surname agrees</span>'


def test_an_application_s_alert_hit_review_words_the_screening_s_reasons() -> None:
    """The stored review is ``{code, message}`` only (as application_review words it): each of
    the hit's reasons is read back from the message."""
    [hit] = index_of(ELCHIN).screen(traveller(surname="MAMMADOV", given_names="ELCHIN",
                                              birth_date="1985-03-12"))
    said = {"code": "alert_hit", "message": f"alert {hit.alert_id} ({hit.category.value}), "
            f"score {hit.score:.2f}: {'; '.join(hit.reasons)}"}  # as application_review says
    shown = review_text(language("ka"), said)
    assert 'lang="en"' not in shown and "names match" not in shown
    assert "სახელები ემთხვევა (0,97): MAMMADOV = MAMMADOV, ELCHIN ≈ ELCIN (დაწერილობის " \
        "ვარიანტი)" in shown
    assert review_text(language("en"), said).startswith(
        "alert AZE-1 (refuse entry), score 1: names match (0.97): MAMMADOV = MAMMADOV")


def test_scores_are_said_with_two_decimals_and_years_are_not_grouped() -> None:
    reason = read_reason("names match (0.90): SMIT ~ SMITH (similar, 0.80), ANNA = ANNA")
    assert reason is not None
    assert hit_reason_text(language("ru"), reason) == (
        "имена совпадают (0,90): SMIT ~ SMITH (похоже, 0,80), ANNA = ANNA")
    assert hit_reason_text(language("ru"), "born 1985, the alert says 1995") == (
        "год рождения: 1985, в оповещении: 1995")
    assert re.search(r"\d \d", hit_reason_text(language("ru"), "birth years agree (1985)")) is None


def test_a_hit_reason_equals_its_sentence_and_copies_keep_its_key() -> None:
    import copy
    import pickle

    [hit] = index_of(ELCHIN).screen(traveller(surname="MAMMADOV", given_names="ELCHIN",
                                              birth_date="1985-03-12"))
    reason = hit.reasons[1]
    assert isinstance(reason, HitReason) and reason == "birth dates agree (1985-03-12)"
    for again in (copy.deepcopy(reason), pickle.loads(pickle.dumps(reason))):
        assert again == reason and again.key == reason.key and again.values == reason.values
    assert json.dumps(list(hit.reasons)) == json.dumps([str(r) for r in hit.reasons])
    assert hit.category is AlertCategory.REFUSE_ENTRY
    assert date(1985, 3, 12).isoformat() not in hit_reason_text(language("hy"), reason)
