"""The README's settings and the node's (``cta.settings.Settings``) are the same list: a setting
added without a line in the README, a README (or docs/) naming a ``CTA_*`` variable nothing
reads, and a default the README states that is no longer the code's, each fail here.

``CTA_*`` names that are not settings of the node (read by the CLI itself) are listed in
``NOT_SETTINGS`` and must still be read somewhere in ``src/cta``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cta.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
# docs/benchmarks.md quotes settings as they were when a run was made; it is history, not a manual
DOCS = {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md"))
        if p.name != "benchmarks.md"}  # fmt: skip
NOT_SETTINGS = {
    "CTA_DEBUG": "src/cta/entrypoints/cli/__init__.py",  # a traceback instead of one line
    "CTA_TOKEN": "src/cta/entrypoints/cli/imports.py",  # an admin's token for the CLI
}
# how far after a setting's name the README may give its default: "`CTA_PORT` (8090)",
# "`CTA_KEYS_DIR` (default `var/keys`)", "| `CTA_SMTP_PORT` | its port (25) |"
NEAR = 160


def _variables() -> dict[str, object]:
    return {f"CTA_{name.upper()}": field.default for name, field in Settings.model_fields.items()}


def _named(text: str) -> set[str]:
    """Every ``CTA_NAME`` in a text; ``CTA_SMTP_*`` (a family) is left to ``_families``."""
    return {m.group(0) for m in re.finditer(r"CTA_[A-Z0-9_]*[A-Z0-9]\b(?!\*)", text)}


def _families(text: str) -> set[str]:
    return {m.group(1) for m in re.finditer(r"(CTA_(?:[A-Z0-9]+_)*)\*", text)}


def _default_text(default: object) -> str | None:
    if isinstance(default, bool) or default in ("", None):
        return None  # said in words ("default on", "empty: …"), not as a value
    if isinstance(default, float) and default.is_integer():
        return str(int(default))
    return str(default)


@pytest.mark.parametrize("variable", sorted(_variables()))
def test_every_setting_has_a_line_in_the_readme(variable: str) -> None:
    assert f"`{variable}`" in README, (
        f"{variable} is a setting (cta.settings.Settings) the README does not name: add it to "
        "the README's settings (\"The national node\", **Settings**) with its default and meaning"
    )


# an empty or boolean default is said in words ("default on", "empty: …"): not checked here
@pytest.mark.parametrize("variable", sorted(
    v for v, default in _variables().items() if _default_text(default) is not None))
def test_the_readme_states_each_default_the_code_has(variable: str) -> None:
    expected = _default_text(_variables()[variable])
    assert expected is not None
    spans = [README[m.end():m.end() + NEAR] for m in re.finditer(re.escape(variable), README)]
    numbers = [re.sub(r"(?<=\d),(?=\d{3})", "", span) for span in spans]  # "1,024" is 1024
    assert any(re.search(rf"(?<![\w.]){re.escape(expected)}(?![\w])", s) for s in numbers), (
        f"the README never gives {variable}'s default, {expected}, right after its name "
        f"(within {NEAR} characters)"
    )


@pytest.mark.parametrize("name", ["README.md", *DOCS])
def test_no_document_names_a_variable_nothing_reads(name: str) -> None:
    text = README if name == "README.md" else DOCS[name]
    known = set(_variables()) | set(NOT_SETTINGS)
    unknown = sorted(_named(text) - known)
    assert not unknown, f"{name} names {unknown}: no setting and nothing in src/cta reads them"
    for family in _families(text):
        assert any(v.startswith(family) for v in known), f"{name} names {family}*: no such setting"


@pytest.mark.parametrize("variable", sorted(NOT_SETTINGS))
def test_the_variables_that_are_not_settings_are_read(variable: str) -> None:
    source = (ROOT / NOT_SETTINGS[variable]).read_text(encoding="utf-8")
    assert variable in source, f"{variable} is no longer read in {NOT_SETTINGS[variable]}"
    assert f"`{variable}`" in README, f"the README does not say what {variable} does"
