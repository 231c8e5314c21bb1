"""Every message of the web pages is translated in every language's catalog, and the check
itself fails on a catalog that misses one, leaves one empty or fuzzy, or breaks a placeholder."""

from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog

from cta.entrypoints.web.i18n import LANGUAGES
from tests.unit.web.catalogs import catalog, extracted, problems


@pytest.fixture(scope="module")
def messages() -> set[str | tuple[str, str]]:
    found = extracted()
    assert len(found) > 50  # the extraction reads the code and the templates
    assert "Count my days" in found and "Stay calculator" in found  # templates and N_()
    return found


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_the_catalog_translates_every_message_of_the_pages(
    code: str, messages: set[str | tuple[str, str]]
) -> None:
    assert problems(messages, catalog(code)) == []


def _copy(code: str) -> Catalog:
    return catalog(code)


def test_the_check_finds_a_missing_message(messages: set[str | tuple[str, str]]) -> None:
    found = _copy("ru")
    found.delete("Count my days")
    assert problems(messages, found) == ["missing: 'Count my days'"]


def test_the_check_finds_an_empty_and_a_fuzzy_message(
    messages: set[str | tuple[str, str]],
) -> None:
    found = _copy("ka")
    found["Sign in"].string = ""
    found["Sign out"].flags.add("fuzzy")
    assert sorted(problems(messages, found)) == ["fuzzy: 'Sign out'", "untranslated: 'Sign in'"]


def test_the_check_finds_a_lost_placeholder(messages: set[str | tuple[str, str]]) -> None:
    found = _copy("az")
    found["Trip %(n)s"].string = "Səfər"
    assert problems(messages, found) == ["placeholders differ: 'Trip %(n)s' -> 'Səfər'"]


def test_the_check_finds_a_message_no_page_uses(messages: set[str | tuple[str, str]]) -> None:
    found = _copy("hy")
    found.add("A message nobody shows", "Հաղորդագրություն")
    assert problems(messages, found) == ["unused: 'A message nobody shows'"]


def test_the_template_catalog_is_what_extraction_finds_today(
    messages: set[str | tuple[str, str]],
) -> None:
    from babel.messages.pofile import read_po

    from cta.entrypoints.web.i18n import LOCALE_DIR

    with (LOCALE_DIR / "messages.pot").open("rb") as pot:
        template = read_po(pot)
    ids = {m.id if isinstance(m.id, str) else (m.id[0], m.id[1]) for m in template if m.id}
    assert ids == messages  # else: run pybabel extract (README, "Web pages")
