"""An alert name read word by word (remembered per word) gives what reading the whole name
gives: the same tokens, and the same error naming the same character and position."""

from __future__ import annotations

import itertools

import pytest

from cta.domain.errors import CTAError
from cta.domain.screening.normalise import STOP_TOKENS, _mrz_words, alert_name_tokens

WORDS = (
    "Məmmədov", "Elçin", "oğlu", "QIZI", "Мамедов", "Эльчин", "оглы", "Щербакова", "Һүсејн",
    "Ҹаваншир", "Խաչատրյան", "Ոսկան", "ნინო", "ჭავჭავაძე", "Ter-Voskanyan", "O'Brien",
    "Anna-Maria", "MAMMADOV<<ELCHIN", "Zoë", "e\u0301lise", "Elç1n", "X\tY", "Ani,", "-",
)  # fmt: skip


def _whole(name: str) -> list[str] | str:
    """The tokens the whole name gives read at once, or its error."""
    try:
        return [w for w in _mrz_words(name.replace("<", " ")) if w not in STOP_TOKENS]
    except CTAError as exc:
        return str(exc)


def _by_word(name: str) -> list[str] | str:
    try:
        return alert_name_tokens(name)
    except CTAError as exc:
        return str(exc)


@pytest.mark.parametrize("separator", [" ", "  ", "<"])
def test_every_pair_and_triple_of_words_reads_as_the_whole_name(separator: str) -> None:
    names = itertools.chain(itertools.permutations(WORDS, 2), itertools.combinations(WORDS, 3))
    for words in names:
        name = separator.join(words)
        assert _by_word(name) == _whole(name), name


def test_a_word_read_the_azerbaijani_way_makes_the_whole_name_read_so() -> None:
    assert alert_name_tokens("Һүсејн Мамедов") == ["HUSEYN", "MAMEDOV"]
    with pytest.raises(CTAError, match="at position 1"):
        alert_name_tokens("Ҹаваншир Щербакова")
    with pytest.raises(CTAError, match="at position 13"):
        alert_name_tokens("Məmmədov Elç1n")
