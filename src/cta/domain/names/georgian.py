"""Georgian letters into MRZ letters, as Georgian passports print them.

Source: the national romanisation system of Georgia, adopted in February 2002 by the State
Department of Geodesy and Cartography and the Institute of Linguistics of the Georgian Academy
of Sciences, approved by Presidential Decree No. 109 of 24 February 2011 and adopted by
BGN/PCGN in 2009. The system marks ejectives (კ, პ, ტ, ყ, ჭ, წ) with an apostrophe; the MRZ
has no apostrophe (ICAO 9303-3 §4.6 drops it), so კ and ქ both become K, ჭ and ჩ CH, წ and ც
TS. Passports print ყ as Q (QIPIANI). The UNGEGN Working Group on Romanization Systems
reported in 2006 that passports then had no fixed rules, so older documents vary
(e.g. TSERETELI, CERETELI); confidence: high for documents issued since 2011.

Mkhedruli letters only; Mtavruli capitals are folded to Mkhedruli before lookup. ჶ (fi,
used in some loanwords and names) is F; other archaic letters are refused.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["georgian_word"]

_LETTERS: Mapping[str, str] = {
    "ა": "A", "ბ": "B", "გ": "G", "დ": "D", "ე": "E", "ვ": "V", "ზ": "Z", "თ": "T",
    "ი": "I", "კ": "K", "ლ": "L", "მ": "M", "ნ": "N", "ო": "O", "პ": "P", "ჟ": "ZH",
    "რ": "R", "ს": "S", "ტ": "T", "უ": "U", "ფ": "P", "ქ": "K", "ღ": "GH", "ყ": "Q",
    "შ": "SH", "ჩ": "CH", "ც": "TS", "ძ": "DZ", "წ": "TS", "ჭ": "CH", "ხ": "KH", "ჯ": "J",
    "ჰ": "H", "ჶ": "F",
}  # fmt: skip


def georgian_word(word: str) -> list[str | None]:
    """MRZ letters for each letter of one name component (None where unknown)."""
    return [_LETTERS.get(letter) for letter in word]
