"""The regime's kinds of reintroduction of internal border checks in a policy file: the one
kind of the format before the 2024 amendment (``default``), the named kinds after it, and a
bad kind refused naming the file and the line (``cta.policy.loader``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cta.domain.errors import PolicyError
from cta.domain.internal_checks import InternalCheckKinds, InternalCheckLimits
from cta.policy.loader import load_regime_file

HEAD = """\
name = "test"
kind = "union"
members = ["AZE", "ARM", "GEO"]

[[sources]]
id = "sbc"
title = "a source"
retrieved = 2026-12-07

[[version]]
effective_from = 2027-01-01
default = { category = "visa" }
"""

KINDS = (
    'internal_checks.unnamed = "foreseeable"\n'
    'internal_checks.unforeseeable = { period_months = 1, total_months = 3, sources = ["sbc"] }\n'
    "internal_checks.foreseeable = { period_months = 6, total_months = 24, extensions = 2, "
    "extension_months = 6 }\n"
)


def load(tmp_path: Path, body: str) -> InternalCheckKinds | None:
    path = tmp_path / "regime.toml"
    path.write_text(HEAD + body, encoding="utf-8")
    return load_regime_file(path).versions[0].internal_checks


def error_of(tmp_path: Path, body: str) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        load(tmp_path, body)
    assert caught.value.file == str(tmp_path / "regime.toml")
    return caught.value


def test_the_format_before_kinds_is_one_kind_named_default(tmp_path: Path) -> None:
    found = load(tmp_path, 'internal_checks = { period_days = 30, total_months = 6, '
                           'sources = ["sbc"] }\n')  # fmt: skip
    assert found == InternalCheckKinds((InternalCheckLimits(30, 6),), "default")
    assert found.of(None).key == "internal_checks"
    assert load(tmp_path, "") is None  # none: the regime allows no reintroduction


def test_named_kinds_with_their_limits_and_the_kind_of_a_declaration_naming_none(
    tmp_path: Path,
) -> None:
    found = load(tmp_path, KINDS)
    assert found is not None
    assert found.names == ("unforeseeable", "foreseeable")
    assert found.unnamed == "foreseeable"
    assert found.of("foreseeable") == InternalCheckLimits(
        period_months=6, total_months=24, extensions=2, extension_months=6,
        name="foreseeable", key="internal_checks.foreseeable")  # fmt: skip
    # as a subtable too, and one kind needs no 'unnamed'
    one = load(tmp_path, "[version.internal_checks]\n"
                         "general = { period_days = 10, total_months = 2 }\n")  # fmt: skip
    assert one == InternalCheckKinds(
        (InternalCheckLimits(period_days=10, total_months=2, name="general",
                             key="internal_checks.general"),), "general")  # fmt: skip


@pytest.mark.parametrize(("body", "line", "problem"), [
    (KINDS.replace("internal_checks.foreseeable", "internal_checks.Foreseeable"
                   ).replace('"foreseeable"', '"Foreseeable"'), 15,
     "kind 'Foreseeable' in 'internal_checks': a kind is named in lower-case letters"),
    (KINDS.replace("period_months = 1,", "period_months = 1, period_days = 30,"), 14,
     "kind 'unforeseeable' of 'internal_checks': give one period, 'period_days' or "
     "'period_months'"),
    (KINDS.replace("extensions = 2, ", ""), 15,
     "kind 'foreseeable' of 'internal_checks': 'extensions' and 'extension_months' go together"),
    (KINDS.replace("total_months = 24", "total_months = 0"), 15,
     "'total_months' in kind 'foreseeable' of 'internal_checks' must be a whole number, 1 or "
     "more"),
    (KINDS.replace("total_months = 3, ", ""), 14,
     "kind 'unforeseeable' of 'internal_checks' has no 'total_months'"),
    (KINDS.replace('sources = ["sbc"]', 'sources = ["nope"]'), 14,
     "source 'nope' is not in the [[sources]] tables"),
    (KINDS.replace("extension_months = 6", "extension_months = 6, renewable = true"), 15,
     "unknown key 'renewable' in kind 'foreseeable' of 'internal_checks'"),
    (KINDS.replace('unnamed = "foreseeable"', 'unnamed = "immediate"'), 13,
     "'internal_checks.unnamed' is 'immediate', not one of its kinds (unforeseeable, "
     "foreseeable)"),
    (KINDS.replace('internal_checks.unnamed = "foreseeable"\n', ""), 13,
     "'internal_checks.unnamed' is missing"),
])  # fmt: skip
def test_a_bad_kind_is_refused_naming_the_file_and_its_line(
    tmp_path: Path, body: str, line: int, problem: str
) -> None:
    error = error_of(tmp_path, body)
    assert problem in str(error)
    assert error.line == line, str(error)
