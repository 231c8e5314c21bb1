"""Loading the regime files: the shipped ones load, and every bad file names file and line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cta.domain.errors import InvalidInputError, PolicyError
from cta.domain.regime import Category, NationalityRule, StayLimit
from cta.policy.loader import load_regime, load_regime_file, shipped_regimes

VALID = """\
name = "test"
kind = "national"
members = ["GEO"]

[[sources]]
id = "s"
title = "a source"
retrieved = 2025-01-12

[[version]]
effective_from = 2025-01-01
stay = { limit = 90, window = 180 }
default = { category = "visa" }

[[version.group]]
category = "visa_exempt"
sources = ["s"]
nationalities = [
  "USA", "DEU",
]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "regime.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> PolicyError:
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as caught:
        load_regime_file(path)
    assert caught.value.file == str(path)
    return caught.value


def test_the_shipped_regimes_are_three_status_quo_files_and_the_union_draft() -> None:
    assert shipped_regimes() == [
        "status-quo/ARM",
        "status-quo/AZE",
        "status-quo/GEO",
        "union-draft",
    ]


@pytest.mark.parametrize("name", ["status-quo/ARM", "status-quo/AZE", "status-quo/GEO"])
def test_each_status_quo_file_loads_with_one_open_ended_version(name: str) -> None:
    series = load_regime(name)
    (version,) = series.versions
    assert version.effective_from == date(2025, 1, 12)
    assert version.effective_to is None
    assert len(version.rules) == 200
    assert version.sources


def test_loading_is_cached() -> None:
    assert load_regime("status-quo/GEO") is load_regime("status-quo/GEO")


def test_georgia_admits_americans_for_a_year_and_indians_with_an_e_visa() -> None:
    georgia = load_regime("status-quo/GEO").versions[0]
    # "Full 1 (one) year" a stay, and one may enter again at once: no limit in a window.
    assert georgia.rule_for("USA") == NationalityRule(
        Category.VISA_EXEMPT, None, georgia.rule_for("USA").note, per_entry=365
    )
    assert georgia.category_for("IND") is Category.E_VISA


def test_georgia_gives_chinese_nationals_30_days_a_visit_and_90_in_180() -> None:
    georgia = load_regime("status-quo/GEO").versions[0]
    assert georgia.rule_for("CHN").stay == StayLimit(90, 180)
    assert georgia.rule_for("CHN").per_entry == 30
    assert georgia.rule_for("PER").stay == StayLimit(90, 180)
    assert georgia.rule_for("PER").per_entry is None
    assert georgia.rule_for("IRN").per_entry is None


def test_azerbaijan_gives_chinese_nationals_30_days_a_visit() -> None:
    azerbaijan = load_regime("status-quo/AZE").versions[0]
    assert azerbaijan.rule_for("CHN").per_entry == 30
    assert azerbaijan.rule_for("CHN").stay == StayLimit(90, 365)
    assert azerbaijan.rule_for("TUR").per_entry is None  # 15 days: registration, not a limit


def test_only_georgia_and_azerbaijan_have_per_entry_limits_today() -> None:
    with_per_entry = {
        (name, code)
        for name in ("status-quo/ARM", "status-quo/AZE", "status-quo/GEO")
        for code, rule in load_regime(name).versions[0].rules.items()
        if rule.per_entry is not None
    }
    assert ("status-quo/AZE", "CHN") in with_per_entry
    assert ("status-quo/GEO", "USA") in with_per_entry
    assert {name for name, _ in with_per_entry} == {"status-quo/AZE", "status-quo/GEO"}
    assert len(with_per_entry) == 1 + 90 + 1  # AZE CHN; GEO's year (D beside DEU); GEO CHN


def test_armenia_gives_chinese_nationals_90_days_in_180_not_the_data_sets_180() -> None:
    armenia = load_regime("status-quo/ARM").versions[0]
    assert armenia.rule_for("CHN").stay == StayLimit(90, 180)
    assert armenia.rule_for("USA").stay == StayLimit(180, 365)


def test_azerbaijan_admits_no_armenian_nationals_and_turks_visa_free() -> None:
    azerbaijan = load_regime("status-quo/AZE").versions[0]
    assert azerbaijan.category_for("ARM") is Category.NO_ADMISSION
    assert azerbaijan.category_for("TUR") is Category.VISA_EXEMPT
    assert azerbaijan.category_for("USA") is Category.E_VISA


def test_a_german_passport_reading_d_has_the_rule_of_deu() -> None:
    for name in ("status-quo/ARM", "status-quo/AZE", "status-quo/GEO"):
        regime = load_regime(name).versions[0]
        assert regime.rule_for("D") == regime.rule_for("DEU")


def test_the_union_draft_starts_on_its_planned_date_with_90_days_in_180() -> None:
    union = load_regime("union-draft").versions[0]
    assert union.effective_from == date(2027, 1, 1)
    assert union.members == frozenset({"AZE", "ARM", "GEO"})
    assert union.rule_for("USA").stay == StayLimit(90, 180)
    assert union.rule_for("USA").per_entry is None
    assert union.rule_for("CHN").per_entry is None  # derived: the union's own stay
    assert union.documents.max_age_years == 10
    assert union.documents.min_validity_months == 3
    assert {"P", "I"} <= union.documents.member_document_codes


def test_the_union_draft_derives_authorization_for_americans_and_visa_for_stateless() -> None:
    union = load_regime("union-draft").versions[0]
    assert union.category_for("USA") is Category.AUTHORIZATION
    assert union.category_for("XXA") is Category.VISA
    assert union.category_for("AZE") is Category.FREE_MOVEMENT
    assert "AZE" not in union.rules


def test_an_unknown_shipped_name_is_invalid_input() -> None:
    with pytest.raises(InvalidInputError):
        load_regime("status-quo/FRA")


def test_an_unreadable_file_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError):
        load_regime_file(tmp_path / "missing.toml")


def test_arrays_nested_too_deep_for_tomllib_are_invalid_input_naming_the_file(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "a = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(InvalidInputError, match=f"^{path}: arrays or tables nested too deep"):
        load_regime_file(path)


def test_a_valid_file_loads(tmp_path: Path) -> None:
    series = load_regime_file(write(tmp_path, VALID))
    assert series.versions[0].category_for("USA") is Category.VISA_EXEMPT
    assert series.versions[0].category_for("FRA") is Category.VISA


def test_a_toml_syntax_error_names_its_line(tmp_path: Path) -> None:
    error = error_of(tmp_path, VALID.replace('kind = "national"', "kind = national"))
    assert error.line == 2
    assert "not valid TOML" in error.problem


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ('title = "a source"', 'title = "a source"\ncolour = "red"', 8, "unknown key 'colour'"),
        (
            "effective_from = 2025-01-01",
            "effective_from = 2025-01-01\nfoo = 1",
            12,
            "unknown key 'foo'",
        ),
        ('"USA", "DEU",', '"USA", "XYZ",', 19, "unknown country code 'XYZ'"),
        ('members = ["GEO"]', 'members = ["GGG"]', 3, "unknown country code 'GGG'"),
        ('category = "visa_exempt"', 'category = "visa_free"', 16, "unknown category"),
        ('"USA", "DEU",', '"USA", "DEU",\n  "USA",', 20, "USA is listed twice"),
        ("limit = 90, window = 180", "limit = 200, window = 180", 12, "stay limit 200"),
        ('category = "visa_exempt"\n', "", 15, "no category"),
        ('"USA", "DEU",', '"USA", "GEO",', 19, "GEO is a member"),
        (
            "effective_from = 2025-01-01",
            "effective_from = 2025-01-01\neffective_to = 2024-12-31",
            12,
            "before effective_from",
        ),
        ('kind = "national"', 'kind = "federal"', 2, "kind 'federal'"),
        ('sources = ["s"]', 'sources = ["nope"]', 17, "source 'nope'"),
        ('default = { category = "visa" }', 'default = { note = "x" }', 13, "no category"),
        ("effective_from = 2025-01-01", 'effective_from = "2025-01-01"', 11, "must be a date"),
    ],
)
def test_a_bad_file_names_its_line_and_problem(
    tmp_path: Path, old: str, new: str, line: int, words: str
) -> None:
    assert old in VALID
    error = error_of(tmp_path, VALID.replace(old, new, 1))
    assert words in error.problem
    assert error.line == line
    assert str(error).startswith(f"{error.file}:{line}: ")


def test_overlapping_versions_name_the_later_versions_date(tmp_path: Path) -> None:
    second = '\n[[version]]\neffective_from = 2026-01-01\ndefault = { category = "visa" }\n'
    error = error_of(tmp_path, VALID + second)
    assert "overlaps" in error.problem
    assert error.line == 23


def test_versions_that_follow_each_other_load(tmp_path: Path) -> None:
    first = VALID.replace(
        "effective_from = 2025-01-01", "effective_from = 2025-01-01\neffective_to = 2025-12-31"
    )
    second = '\n[[version]]\neffective_from = 2026-01-01\ndefault = { category = "visa" }\n'
    series = load_regime_file(write(tmp_path, first + second))
    assert series.in_force_on(date(2026, 6, 1)) is series.versions[1]


UNION = """\
name = "u"
kind = "union"
members = ["AZE", "ARM", "GEO"]

[[version]]
effective_from = 2027-01-01
stay = { limit = 90, window = 180 }
default = { category = "visa" }
derive = { rule = "all", from = ["status-quo/AZE", "status-quo/ARM", "status-quo/GEO"] }

[[version.group]]
category = "authorization"
nationalities = ["IND"]
"""


def test_a_union_file_derives_at_load_time_and_its_own_entries_override(tmp_path: Path) -> None:
    union = load_regime_file(write(tmp_path, UNION)).versions[0]
    assert union.category_for("IND") is Category.AUTHORIZATION  # e-visa everywhere today
    assert union.category_for("USA") is Category.VISA  # not visa-free in Azerbaijan
    assert union.category_for("RUS") is Category.AUTHORIZATION


def test_a_union_gives_third_country_nationals_only_authorization_or_visa(
    tmp_path: Path,
) -> None:
    error = error_of(tmp_path, UNION.replace('"authorization"', '"visa_exempt"'))
    assert error.line == 12


def test_a_union_cannot_derive_from_an_unknown_regime(tmp_path: Path) -> None:
    error = error_of(tmp_path, UNION.replace("status-quo/ARM", "status-quo/FRA"))
    assert "not a shipped regime" in error.problem
    assert error.line == 9


def test_an_unknown_derive_rule_is_refused(tmp_path: Path) -> None:
    error = error_of(tmp_path, UNION.replace('rule = "all"', 'rule = "most"'))
    assert error.line == 9


def test_a_national_visa_sets_its_own_stay_but_a_union_visa_counts_90_days_in_180() -> None:
    assert load_regime("status-quo/GEO").versions[0].rule_for("IND").stay is None
    union = load_regime("union-draft").versions[0]
    assert union.rule_for("IND").stay == StayLimit(90, 180)


def test_a_nationality_not_admitted_has_no_stay() -> None:
    assert load_regime("status-quo/AZE").versions[0].rule_for("ARM").stay is None


def test_sources_written_as_a_list_of_strings_are_refused(tmp_path: Path) -> None:
    text = VALID.replace(
        '[[sources]]\nid = "s"\ntitle = "a source"\nretrieved = 2025-01-12\n', 'sources = ["s"]\n'
    ).replace('sources = ["s"]\nnationalities', "nationalities")
    error = error_of(tmp_path, text)
    assert "[[sources]] tables" in error.problem
    assert error.line == 5


def test_a_file_without_versions_is_refused(tmp_path: Path) -> None:
    error = error_of(tmp_path, VALID.split("[[version]]")[0])
    assert "at least one version" in error.problem
    assert error.line == 1


# -- per-entry stay limits (``stay = { per_entry = N }``) ------------------------------------

GROUP_STAY = 'category = "visa_exempt"\nstay = { per_entry = 365 }'


def test_a_group_may_give_only_a_per_entry_limit(tmp_path: Path) -> None:
    regime = load_regime_file(
        write(tmp_path, VALID.replace('category = "visa_exempt"', GROUP_STAY))
    )
    rule = regime.versions[0].rule_for("USA")
    assert rule.stay is None  # its own stay table wins over the version's, as a whole
    assert rule.per_entry == 365


def test_a_stay_may_give_a_limit_in_a_window_and_a_per_entry_limit(tmp_path: Path) -> None:
    text = VALID.replace(
        "stay = { limit = 90, window = 180 }", "stay = { limit = 90, window = 180, per_entry = 30 }"
    )
    regime = load_regime_file(write(tmp_path, text)).versions[0]
    assert regime.rule_for("USA") == NationalityRule(
        Category.VISA_EXEMPT, StayLimit(90, 180), "", per_entry=30
    )
    assert regime.rule_for("FRA").per_entry is None  # a national visa sets its own stay


def test_a_version_per_entry_limit_alone_applies_to_groups_without_a_stay(tmp_path: Path) -> None:
    text = VALID.replace("stay = { limit = 90, window = 180 }", "stay = { per_entry = 30 }")
    rule = load_regime_file(write(tmp_path, text)).versions[0].rule_for("USA")
    assert rule.stay is None
    assert rule.per_entry == 30


def test_a_union_version_per_entry_limit_reaches_derived_and_default_rules(
    tmp_path: Path,
) -> None:
    text = UNION.replace(
        "stay = { limit = 90, window = 180 }", "stay = { limit = 90, window = 180, per_entry = 60 }"
    )
    union = load_regime_file(write(tmp_path, text)).versions[0]
    for code in ("RUS", "USA", "IND", "XXA"):  # derived, derived, own group, default
        assert union.rule_for(code).stay == StayLimit(90, 180)
        assert union.rule_for(code).per_entry == 60
    assert union.rule_for("GEO").per_entry is None  # members move freely


def test_no_admission_has_no_per_entry_limit(tmp_path: Path) -> None:
    text = VALID.replace(
        "stay = { limit = 90, window = 180 }", "stay = { per_entry = 30 }"
    ).replace('default = { category = "visa" }', 'default = { category = "no_admission" }')
    assert load_regime_file(write(tmp_path, text)).versions[0].rule_for("FRA").per_entry is None


@pytest.mark.parametrize(
    ("stay", "words"),
    [
        ("{ per_entry = 0 }", "'per_entry' in 'stay' must be a whole number of days, 1 or more"),
        ("{ per_entry = -5 }", "1 or more (not -5)"),
        ('{ per_entry = "30" }', "'per_entry' in 'stay' must be a whole number"),
        ("{ per_entry = 30.5 }", "'per_entry' in 'stay' must be a whole number"),
        ("{ per_entry = true }", "'per_entry' in 'stay' must be a whole number"),
        ("{ limit = 90 }", "'stay' has 'limit' without 'window'"),
        ("{ window = 180, per_entry = 30 }", "'stay' has 'window' without 'limit'"),
        ("{}", "'stay' is empty"),
        ("{ per_visit = 30 }", "unknown key 'per_visit'"),
        ("{ limit = 90, window = 180, per_entry = 90 }", "'per_entry' 90 is not below the limit"),
        ("{ limit = 90, window = 90, per_entry = 30 }", "stay limit 90 days in a window of 90"),
        ('{ limit = "90", window = 180 }', "needs whole numbers 'limit' and 'window'"),
        ("365", "'stay' must be a table"),
    ],
)
def test_a_bad_stay_table_names_its_line_and_problem(tmp_path: Path, stay: str, words: str) -> None:
    # The version's stay (line 12) and a group's own stay (line 17).
    version = VALID.replace("stay = { limit = 90, window = 180 }", f"stay = {stay}")
    error = error_of(tmp_path, version)
    assert words in error.problem
    assert error.line == 12
    group = VALID.replace('category = "visa_exempt"', f'category = "visa_exempt"\nstay = {stay}')
    error = error_of(tmp_path, group)
    assert words in error.problem
    assert error.line == 17
    assert str(error).startswith(f"{error.file}:17: ")
