"""The fast path for valid documents agrees with the full field-by-field reader."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cta.domain.documents import (
    DocumentFields,
    DocumentType,
    TravelDocument,
    generate_mrz,
    parse_mrz,
)
from cta.domain.documents.formats import FORMATS, format_for_shape
from cta.domain.documents.parse import _read
from tests.unit.documents import specimens
from tests.unit.documents.specimens import TODAY
from tests.unit.documents.test_generate import document_fields

DOCUMENT_FORMAT = FORMATS[DocumentType.TD3]
NOISE = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<<<<<<<ox-"


@given(
    document_fields(),
    st.integers(min_value=0),
    st.sampled_from(NOISE),
    st.sampled_from([None, {"UTO", "D", "AZE"}]),
)
def test_a_document_with_or_without_one_changed_character_reads_the_same_on_both_paths(
    fields: DocumentFields, where: int, char: str, known_codes: set[str] | None
) -> None:
    lines = list(generate_mrz(fields))
    line = where % len(lines)
    position = where // len(lines) % len(lines[line])
    lines[line] = lines[line][:position] + char + lines[line][position + 1 :]
    fmt = format_for_shape(lines)
    assert fmt is not None
    slow = _read(fmt, tuple(lines), TODAY, known_codes)
    assert parse_mrz(lines, today=TODAY, known_codes=known_codes) == slow


def test_a_valid_document_read_on_the_fast_path_is_an_ordinary_frozen_travel_document() -> None:
    document = parse_mrz(specimens.TD3, today=TODAY)
    assert type(document) is TravelDocument
    assert document == _read(DOCUMENT_FORMAT, specimens.TD3, TODAY, None)
    assert hash(document) == hash(_read(DOCUMENT_FORMAT, specimens.TD3, TODAY, None))
    with pytest.raises(FrozenInstanceError):
        document.sex = "M"  # type: ignore[misc]
    assert replace(document, sex="M").sex == "M"
