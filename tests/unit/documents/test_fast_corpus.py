"""The fast path and the full reader agree on a large corpus, the bench's kind of mix.

The property tests of ``test_fast_path`` draw a hundred documents each; this one reads
thousands from a fixed seed, clean and spoiled the ways a scanner or a forger spoils them
(a check digit, an OCR look-alike, any character, an impossible date, an unknown country),
as of two days of check and with and without a list of known codes. Every field of every
document, every issue and warning with its message must be the same on both paths.
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Container
from dataclasses import FrozenInstanceError, replace
from datetime import date, timedelta

import pytest

from cta.domain.documents import DocumentFields, DocumentType, MRZIssue, generate_mrz, parse_mrz
from cta.domain.documents.formats import FORMATS, format_for_shape
from cta.domain.documents.model import new_issue
from cta.domain.documents.parse import _read

SEED = 14
COUNT = 4_000
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MRZ_CHARACTERS = "0123456789" + LETTERS + "<"
LOOK_ALIKES = {"0": "O", "O": "0", "1": "I", "I": "1", "8": "B", "B": "8", "5": "S", "S": "5"}
CODES = {
    DocumentType.TD1: ["I", "ID", "AC", "C", "IV"],
    DocumentType.TD2: ["I", "IP", "A", "AC"],
    DocumentType.TD3: ["P", "PO", "PD", "V"],
    DocumentType.MRVA: ["V", "VA", "P"],
    DocumentType.MRVB: ["V", "VB"],
}
KNOWN = frozenset({"UTO", "D", "AZE", "ARM", "GEO", "FRA", "GBR"})
STATES = [*sorted(KNOWN), "QQQ", "ZZX"]
ANCHOR = date(2026, 11, 29)


def _word(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(rng.randint(low, high)))


def _fields(rng: random.Random) -> DocumentFields:
    kind = rng.choice(list(DocumentType))
    fmt = FORMATS[kind]
    length = rng.randint(10, 13) if fmt.long_document_number and rng.random() < 0.05 else 9
    number = "".join(rng.choice(MRZ_CHARACTERS[:36]) for _ in range(rng.randint(6, length)))
    room = (
        fmt.optional_data.end
        - fmt.optional_data.start
        - (len(number) - 7 if len(number) > 9 else 0)
    )
    born = ANCHOR - timedelta(days=rng.randint(1, 99 * 365))
    birth: date | str = born
    if rng.random() < 0.05:  # an unknown day, or month and day (Part 3 §4.8)
        birth = f"{born.year % 100:02d}{born.month:02d}<<"[: rng.choice((6, 2))].ljust(6, "<")
    optional = "".join(
        rng.choice(MRZ_CHARACTERS[:36]) for _ in range(rng.randint(0, min(room, 14)))
    )
    return DocumentFields(
        type=kind,
        document_code=rng.choice(CODES[kind]),
        issuing_state=rng.choice(STATES),
        surname=" ".join(_word(rng, 1, 12) for _ in range(rng.choice((1, 1, 2)))),
        given_names=" ".join(_word(rng, 1, 10) for _ in range(rng.randint(0, 3))),
        document_number=number,
        nationality=rng.choice(STATES),
        birth_date=birth,
        sex=rng.choice(("M", "F", None)),
        expiry_date=ANCHOR + timedelta(days=rng.randint(-20 * 365, 12 * 365)),
        optional_data=optional if rng.random() < 0.5 else "",
        optional_data_2=_word(rng, 0, 11) if kind is DocumentType.TD1 else "",
    )


def _spoil(rng: random.Random, lines: list[str]) -> None:
    """Change one character: a look-alike, a digit (a check digit, a date), or any."""
    line = rng.randrange(len(lines))
    text = lines[line]
    how = rng.random()
    if how < 0.3:
        places = [i for i, char in enumerate(text) if char in LOOK_ALIKES]
        if places:
            i = rng.choice(places)
            lines[line] = text[:i] + LOOK_ALIKES[text[i]] + text[i + 1 :]
            return
    i = rng.randrange(len(text))
    char = rng.choice("0123456789") if how < 0.7 else rng.choice(MRZ_CHARACTERS + "x")
    lines[line] = text[:i] + char + text[i + 1 :]


def _corpus() -> list[list[str]]:
    rng = random.Random(SEED)
    documents: list[list[str]] = []
    while len(documents) < COUNT:
        fields = _fields(rng)
        if rng.random() < 0.1:  # an impossible date, its check digit right (13th month, 30 Feb)
            raw = f"{rng.randrange(100):02d}" + rng.choice(("1301", "0230", "0229", "0431", "0000"))
            fields = replace(fields, **{rng.choice(("birth_date", "expiry_date")): raw})
        try:
            lines = list(generate_mrz(fields))
        except ValueError:
            continue  # a combination that does not fit: draw again
        for _ in range(rng.choice((0, 0, 0, 1, 1, 2, 3))):
            _spoil(rng, lines)
        documents.append(lines)
    return documents


@pytest.mark.parametrize("today", [ANCHOR, date(2071, 3, 1)])
@pytest.mark.parametrize("known_codes", [KNOWN, None])
def test_thousands_of_documents_read_the_same_on_the_fast_path_and_the_full_reader(
    today: date, known_codes: Container[str] | None
) -> None:
    valid = with_issues = 0
    for lines in _corpus():
        fmt = format_for_shape(lines)
        assert fmt is not None
        full = _read(fmt, tuple(lines), today, known_codes)
        fast = parse_mrz("\n".join(lines), today=today, known_codes=known_codes)
        assert fast == full, lines
        assert [i.message for i in fast.errors] == [i.message for i in full.errors]
        assert fast.warnings == full.warnings
        valid += fast.valid
        with_issues += not fast.valid
    assert valid > COUNT // 5 and with_issues > COUNT // 5  # both paths were exercised


def test_the_table_of_dates_is_not_built_at_import() -> None:
    """Every ``cta`` process imports the fast path; the table fills as documents are read."""
    code = (
        "import cta.domain.documents.fast as f, datetime as d; n = len(f._TABLE); "
        "f.proven_birth_date('7408122', d.date(2026, 1, 1)); print(n, len(f._TABLE))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [
        "0",
        "366",
    ]  # 1974 alone (29 February too), as a 1974 date was read


def test_an_issue_built_fast_is_an_ordinary_frozen_mrz_issue() -> None:
    args = ("sex", "sex is 'X'", 2, (21, 21), "X", "M, F or <")
    issue = new_issue(*args)
    assert type(issue) is MRZIssue
    assert issue == MRZIssue(*args) and hash(issue) == hash(MRZIssue(*args))
    assert repr(issue) == repr(MRZIssue(*args))
    with pytest.raises(FrozenInstanceError):
        issue.message = ""  # type: ignore[misc]
