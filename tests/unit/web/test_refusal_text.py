"""The node's refusals that the consoles meet carry a code and values: a page words each in its
language; a refusal with no code, an unknown code or a value it cannot say stays the node's
English, marked. The message (the API's ``detail``) is unchanged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cta.domain.applications import ApplicationStatus, IllegalTransitionError, move
from cta.domain.errors import CTAError, InvalidInputError
from cta.entrypoints.web.i18n import LANGUAGES, language
from cta.entrypoints.web.reason_text import REFUSALS, refusal_text
from cta.services.node import ConflictError
from cta.services.read_limits import TooManyReadsError

SOURCE = Path(__file__).parents[3] / "src" / "cta"


def _raised_codes() -> set[str]:
    """Every refusal code the source gives an error (``code=...`` and its conditional forms)."""
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in re.finditer(r"(?:Error|__init__)\((?:[^()]|\([^()]*\))*?code=([^,]+?),",
                                text, re.S):  # fmt: skip
            found.update(re.findall(r'(?<!\[)"(\w+)"', call.group(1)))  # not row["key"]
        for call in re.finditer(r'code = \("(\w+)" [^\n]*\n\s*"(\w+)"\) if [^\n]+ else "(\w+)"',
                                text):  # fmt: skip
            found.update(call.groups())
    return found


def test_every_code_the_node_gives_a_refusal_has_a_wording_and_every_wording_a_code() -> None:
    assert _raised_codes() == set(REFUSALS)


def test_the_code_and_values_do_not_change_the_message() -> None:
    refused = ConflictError("application X is claimed by no one: claim it first",
                            code="not_claimed", params={"number": "X", "officer": None})
    assert str(refused) == "application X is claimed by no one: claim it first"
    assert refused.args == ("application X is claimed by no one: claim it first",)
    assert CTAError("plain").code == "" and CTAError("plain").params == {}


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_an_illegal_step_and_too_many_reads_are_worded_from_the_real_errors(code: str) -> None:
    lang = language(code)
    with pytest.raises(IllegalTransitionError) as step:
        move(ApplicationStatus.REFUSED, ApplicationStatus.INFORMATION_REQUESTED)
    shown = refusal_text(lang, step.value)
    assert 'lang="en"' not in shown
    assert lang.gettext("refused") in shown and lang.gettext("information requested") in shown
    reads = refusal_text(lang, TooManyReadsError("officer.x has read ... in 3 s", 3))
    assert 'lang="en"' not in reads and "3" in reads
    if code != "en":
        assert shown != str(step.value)


def test_a_refusal_the_page_cannot_word_is_the_node_s_english_marked() -> None:
    ru = language("ru")
    plain = InvalidInputError("reason: U+00AD at position 3 <b>")
    assert refusal_text(ru, plain) == ('<span lang="en">reason: U+00AD at position 3 '
                                       "&lt;b&gt;</span>")
    unknown = ConflictError("something new", code="something_new", params={})
    assert refusal_text(ru, unknown) == '<span lang="en">something new</span>'
    odd = ConflictError("application X is weird: nothing to claim", code="nothing_to_claim",
                        params={"number": "X", "status": "weird"})
    assert refusal_text(ru, odd) == ('<span lang="en">application X is weird: nothing to '
                                     "claim</span>")
    missing = ConflictError("application X is claimed by someone", code="claimed_by_another",
                            params={"number": "X"})
    assert 'lang="en"' in refusal_text(ru, missing)


def test_a_refusal_is_worded_with_its_values_escaped() -> None:
    refused = ConflictError("application <X> is claimed by <b>bob</b>: claim it first",
                            code="claim_first", params={"number": "<X>", "officer": "<b>bob</b>"})
    assert refusal_text(language("ru"), refused) == (
        "заявление &lt;X&gt; взято сотрудником &lt;b&gt;bob&lt;/b&gt;: сначала возьмите его себе")
