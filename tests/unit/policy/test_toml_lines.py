"""The line finder that puts a line number on every policy error."""

from __future__ import annotations

from cta.policy.toml_lines import LineFinder, strip_comment

TEXT = """\
name = "x"  # a comment with "USA" in it
members = ["GEO"]

[[version]]
effective_from = 2025-01-01
stay = { limit = 90, window = 180 }

[[version.group]]
category = "visa"
nationalities = [
  "USA", "DEU",
  "USA",
]

[[version]]
effective_from = 2026-01-01

[[version.group]]
category = "visa_exempt"
nationalities = ["FRA"]

[version.derive]
rule = "any"
"""


def test_a_comment_is_stripped_but_a_hash_inside_a_string_is_kept() -> None:
    assert strip_comment('a = "x#y" # note') == 'a = "x#y" '
    assert strip_comment("a = 'x#y'") == "a = 'x#y'"


def test_the_top_level_key_is_found_on_its_line() -> None:
    assert LineFinder(TEXT).key_line((), "members") == 2


def test_the_second_version_table_is_found_on_its_header_line() -> None:
    assert LineFinder(TEXT).table_line(("version", 1)) == 15


def test_a_key_of_a_version_is_found_in_that_version_only() -> None:
    finder = LineFinder(TEXT)
    assert finder.key_line(("version", 0), "effective_from") == 5
    assert finder.key_line(("version", 1), "effective_from") == 16


def test_a_group_is_found_inside_its_own_version() -> None:
    assert LineFinder(TEXT).table_line(("version", 1, "group", 0)) == 18


def test_a_value_in_a_multiline_array_is_found_on_its_own_line() -> None:
    finder = LineFinder(TEXT)
    path = ("version", 0, "group", 0)
    assert finder.value_line(path, "nationalities", "DEU") == 11
    assert finder.value_line(path, "nationalities", "USA", nth=2) == 12


def test_a_value_in_a_comment_is_not_found() -> None:
    assert LineFinder(TEXT).value_line((), "name", "USA") == 1


def test_a_key_written_as_a_subtable_is_found_on_its_header() -> None:
    assert LineFinder(TEXT).key_line(("version", 1), "derive") == 22


def test_a_missing_key_falls_back_to_the_table_line() -> None:
    assert LineFinder(TEXT).key_line(("version", 1, "group", 0), "stay") == 18
