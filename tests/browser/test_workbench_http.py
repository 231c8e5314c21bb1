"""GET /policy/workbench over real HTTP from a real `cta serve`: no token, escaped, 422 if bad,
in the five languages."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.integration.node_server import NodeServer


def _get(node: NodeServer, **params: str) -> httpx.Response:
    with node.client() as client:
        return client.get("/policy/workbench", params=params)


def test_the_page_needs_no_token_and_shows_the_aggregates(node: NodeServer) -> None:
    page = _get(node, on="2027-01-01")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'id="impact"' in page.text and 'id="impact-chart-visitors"' in page.text
    # rule all, Georgia: Armenians (1,229,300 entries) gain free movement
    assert "<td>all</td><td>GEO</td><td>3</td><td>70</td><td>180</td>" in page.text
    assert "1,229,300" in page.text
    assert "<script" not in page.text and "http://" not in page.text.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )


def test_the_page_compares_a_nationality_and_counts_a_trip(node: NodeServer) -> None:
    page = _get(
        node, nationality="USA", on="2027-01-01", trip="GEO:60,ARM:40", **{"from": "2027-06-01"}
    )
    assert page.status_code == 200
    assert "<td>AZE</td><td>e-visa</td>" in page.text
    assert ("union, rule any: over the limit of the area (90 days in any 180) on 10 days, from "
            "Aug 30, 2027") in page.text
    over_rows = re.findall(r'<tr class="over" data-day="(\d{4}-\d{2}-\d{2})">', page.text)
    assert over_rows[0] == "2027-08-30" and len(over_rows) == 10


def test_bad_input_is_named_on_the_page_escaped_with_status_422(node: NodeServer) -> None:
    page = _get(node, nationality="<script>alert(1)</script>", trip="GEO:0")
    assert page.status_code == 422
    assert "<script>alert(1)</script>" not in page.text
    assert "no nationality &#39;&lt;script&gt;alert(1)&lt;/script&gt;&#39;" in page.text
    assert page.text.count("no nationality") == 1
    assert 'id="impact"' in page.text  # the rest of the page is still shown


def test_an_impossible_date_is_named(node: NodeServer) -> None:
    page = _get(node, on="2027-02-30")
    assert page.status_code == 422
    assert "The date &#39;2027-02-30&#39; is not a date like 2027-01-01" in page.text


def test_the_page_is_not_in_the_openapi_document(node: NodeServer) -> None:
    with node.client() as client:
        assert "/policy/workbench" not in client.get("/openapi.json").json()["paths"]


WORKBENCH_FILES = {"workbench.py", "workbench_view.py", "templates/workbench.html"}
FULL = {"nationality": "USA", "on": "2027-01-01", "trip": "GEO:60,ARM:40", "from": "2027-06-01"}


def _text(html: str) -> str:
    """What a reader sees: the text between the tags, the value of no attribute."""
    from html import unescape

    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _english_pieces(code: str) -> set[str]:
    """The words of the workbench's messages that its catalog in ``code`` says otherwise:
    each message's text between its placeholders, when long enough to be words of a
    sentence and not the same in the translation."""
    from cta.entrypoints.web.i18n import language
    from tests.unit.web.catalogs import extracted

    lang, pieces = language(code), set()
    for message in extracted(WORKBENCH_FILES):
        for english in [message] if isinstance(message, str) else list(message):
            translated = lang.translations.gettext(english)
            for piece in re.split(r"%\(\w+\)s", english):
                piece = piece.strip(" ,.:;()")
                if len(piece) >= 4 and piece not in translated:
                    pieces.add(piece)
    return pieces


@pytest.mark.parametrize("code", ["az", "hy", "ka", "ru"])
def test_every_language_renders_the_whole_page_with_no_untranslated_string(
    node: NodeServer, code: str
) -> None:
    with node.client() as client:
        page = client.get("/policy/workbench", params=FULL | {"lang": code})
        wrong = client.get("/policy/workbench", params={"nationality": "Atlantis", "trip": "X"})
    assert page.status_code == 200 and f'<html lang="{code}">' in page.text
    assert page.cookies.get("cta_lang") == code  # remembered, as on every page
    assert wrong.status_code == 422 and f'<html lang="{code}">' in wrong.text
    for shown in (page, wrong):
        text = _text(shown.text)
        left = sorted(p for p in _english_pieces(code) if re.search(
            rf"(?<![\w-]){re.escape(p)}(?![\w-])", text))  # fmt: skip
        assert left == [], (code, left)
    assert 'id="trip-problems"' in page.text and 'id="impact-chart-visitors"' in page.text
    with node.client() as client:  # the check has teeth: the English page is full of them
        english = _text(client.get("/policy/workbench", params=FULL | {"lang": "en"}).text)
    assert len([p for p in _english_pieces(code) if p in english]) > 40


def test_dates_numbers_and_country_names_are_the_language_s(node: NodeServer) -> None:
    with node.client() as client:
        ru = client.get("/policy/workbench", params=FULL | {"lang": "ru"}).text
        ka = client.get("/policy/workbench", params=FULL | {"lang": "ka"}).text
        en = client.get("/policy/workbench", params=FULL | {"lang": "en"}).text
    assert "Соединённые штаты (USA)" in ru and "ამერიკის შეერთებული შტატები (USA)" in ka
    assert "1 янв. 2027\u202fг." in ru and "Jan 1, 2027" in en
    assert "1\xa0229\xa0300" in ru and "1,229,300" in en  # Armenians entering Georgia
    assert 'data-day="2027-08-30"' in ru  # the rows keep their ISO date for machines
    assert "Грузия" in ru and "<option value=\"Соединённые штаты\">" in ru


def test_a_nationality_is_found_by_its_name_in_any_language_with_yo_or_e(
    node: NodeServer,
) -> None:
    with node.client() as client:
        for typed in ("Соединенные штаты", "соединённые ШТАТЫ", "ამერიკის შეერთებული შტატები"):
            page = client.get("/policy/workbench", params={"nationality": typed,
                                                           "lang": "en"})  # fmt: skip
            assert page.status_code == 200, typed
            assert "United States (USA)" in page.text, typed
