"""Armenian letters into MRZ letters, as Armenian passports print them.

Armenia publishes no romanisation table with its passport rules that we could obtain; the
passport regulation is Government Decision No. 821 of 25 December 1998 (amended
26 November 2009 so that a foreign spelling already in a passport is kept). The letters below
follow the BGN/PCGN 1981 romanisation of (Eastern) Armenian (UK PCGN, confirmed 2019) with the
apostrophes of aspirates dropped and ռ as R, which is what Armenian passports show
(KHACHATRYAN, HOVHANNISYAN, GHAZARYAN, TSATURYAN, YEREVAN). Confidence: high for the letter
table, medium for the context rules below.

Context rules: ու is U; ո is VO at the start of a name component, O elsewhere; ե is YE at the
start, E elsewhere; և (and եւ) is YEV at the start, EV elsewhere. BGN/PCGN also writes YE
after a vowel; passports do not (GABRIELYAN, DANIELYAN, not GABRIYELYAN), so we do not.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["armenian_word"]

_LETTERS: Mapping[str, str] = {
    "ա": "A", "բ": "B", "գ": "G", "դ": "D", "զ": "Z", "է": "E", "ը": "Y", "թ": "T",
    "ժ": "ZH", "ի": "I", "լ": "L", "խ": "KH", "ծ": "TS", "կ": "K", "հ": "H", "ձ": "DZ",
    "ղ": "GH", "ճ": "CH", "մ": "M", "յ": "Y", "ն": "N", "շ": "SH", "չ": "CH", "պ": "P",
    "ջ": "J", "ռ": "R", "ս": "S", "վ": "V", "տ": "T", "ր": "R", "ց": "TS", "ւ": "V",
    "փ": "P", "ք": "K", "օ": "O", "ֆ": "F",
}  # fmt: skip

# Letters read differently at the start of a name component: (initial, elsewhere).
_BY_POSITION: Mapping[str, tuple[str, str]] = {
    "ե": ("YE", "E"),
    "ո": ("VO", "O"),
    "և": ("YEV", "EV"),
}


def armenian_word(word: str) -> list[str | None]:
    """MRZ letters for each lowercase letter of one name component (None where unknown).

    A digraph (ու, եւ) yields its letters on its first character and "" on its second.
    """
    out: list[str | None] = []
    index = 0
    while index < len(word):
        letter = word[index]
        following = word[index + 1] if index + 1 < len(word) else ""
        if letter in "ոե" and following == "ւ":
            out += ["U" if letter == "ո" else _positional("և", index), ""]
            index += 2
            continue
        if letter in _BY_POSITION:
            out.append(_positional(letter, index))
        else:
            out.append(_LETTERS.get(letter))
        index += 1
    return out


def _positional(letter: str, index: int) -> str:
    initial, elsewhere = _BY_POSITION[letter]
    return initial if index == 0 else elsewhere
