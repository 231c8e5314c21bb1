"""The canonical encoding: the exact bytes record hashes and signatures cover, and what it
refuses so that two honest encoders cannot disagree."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cta.federation.canonical import MAX_INT, canonical_json
from cta.federation.errors import RecordFormatError
from cta.federation.records import Record, RecordRef, format_at, parse_at, seal

from .helpers import T0, key

VECTOR_KEY = key("vector")
VECTOR_SALT = "00112233445566778899aabbccddeeff"
VECTOR_PAYLOAD = {"z": [1, -2, True, None], "a": "Tbilisi თბილისი\n\"q\"\\", "m": {"b": 0, "a": ""}}


def test_keys_are_sorted_and_there_is_no_whitespace() -> None:
    encoded = canonical_json({"b": 1, "a": {"d": [1, 2], "c": None}})
    assert encoded == b'{"a":{"c":null,"d":[1,2]},"b":1}'


def test_text_is_utf8_with_only_the_shortest_escapes() -> None:
    encoded = canonical_json({"k": 'გ"\\\n\t\x01\x7fé\u2028'})
    assert encoded == '{"k":"გ\\"\\\\\\n\\t\\u0001\x7fé\u2028"}'.encode()


def test_text_is_not_normalised() -> None:
    composed, decomposed = "\u00e9", "e\u0301"
    assert canonical_json(composed) != canonical_json(decomposed)


@pytest.mark.parametrize(
    ("value", "field", "words"),
    [
        ({"amount": 1.5}, "value.amount", "fraction"),
        ({"list": [1, 2.0]}, "value.list[1]", "fraction"),
        ({"big": 2**53}, "value.big", "2**53"),
        ({"small": -(2**53)}, "value.small", "2**53"),
        ({"day": date(2027, 6, 1)}, "value.day", "ISO 8601"),
        ({"é": 1}, "value", "printable ASCII"),
        ({"": 1}, "value", "printable ASCII"),
        ({1: 1}, "value", "not text"),
        ({"s": "\ud800"}, "value.s", "surrogate"),
        ({"b": b"bytes"}, "value.b", "bytes is not a JSON value"),
        ({"set": {1}}, "value.set", "set is not a JSON value"),
    ],
)
def test_what_has_no_canonical_form_is_refused_naming_its_place(
    value: Any, field: str, words: str
) -> None:
    with pytest.raises(RecordFormatError) as caught:
        canonical_json(value)
    assert caught.value.field == field
    assert words in caught.value.problem


def test_nesting_is_limited() -> None:
    deep: Any = 1
    for _ in range(18):
        deep = [deep]
    with pytest.raises(RecordFormatError, match="nested deeper"):
        canonical_json(deep)


def test_the_largest_safe_integers_are_fine() -> None:
    assert canonical_json([MAX_INT, -MAX_INT]) == b"[9007199254740991,-9007199254740991]"


ascii_keys = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-MAX_INT, MAX_INT) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ascii_keys, inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_the_encoding_reads_back_as_the_same_value_and_is_a_fixed_point(value: Any) -> None:
    encoded = canonical_json(value)
    assert json.loads(encoded) == value
    assert canonical_json(json.loads(encoded)) == encoded


@given(st.dictionaries(ascii_keys, st.integers(-9, 9), max_size=8))
def test_insertion_order_does_not_matter(value: dict[str, int]) -> None:
    reversed_order = dict(reversed(list(value.items())))
    assert canonical_json(value) == canonical_json(reversed_order)


def test_times_are_utc_with_six_fraction_digits() -> None:
    assert format_at(T0) == "2027-06-01T08:00:00.000000Z"
    assert parse_at("2027-06-01T08:00:00.000000Z") == T0


@pytest.mark.parametrize(
    "text",
    ["2027-06-01T08:00:00Z", "2027-06-01T08:00:00.000000+00:00", "2027-06-01 08:00:00.000000Z",
     "2027-02-30T08:00:00.000000Z", 20270601],
)  # fmt: skip
def test_any_other_spelling_of_a_time_is_refused(text: Any) -> None:
    with pytest.raises(RecordFormatError) as caught:
        parse_at(text)
    assert caught.value.field == "at"


def vector() -> Record:
    return seal("GEO", 1, T0, "CrossingRecorded", VECTOR_PAYLOAD, "0" * 64, VECTOR_KEY,
                supersedes=RecordRef("ARM", 7), salt=VECTOR_SALT)  # fmt: skip


def test_the_header_of_the_test_vector_is_exactly_these_bytes() -> None:
    record = vector()
    body = ('{"payload":{"a":"Tbilisi თბილისი\\n\\"q\\"\\\\","m":{"a":"","b":0},'
            '"z":[1,-2,true,null]},"salt":"00112233445566778899aabbccddeeff"}')
    assert record.payload_hash == hashlib.sha256(body.encode()).hexdigest()
    header = ('{"at":"2027-06-01T08:00:00.000000Z","kind":"CrossingRecorded","origin":"GEO",'
              f'"payload_hash":"{record.payload_hash}","prev_hash":"{"0" * 64}","seq":1,'
              '"supersedes":{"origin":"ARM","seq":7},"v":1}')
    assert record.header_bytes() == header.encode()
    assert record.hash == hashlib.sha256(header.encode()).hexdigest()


def test_the_test_vector_is_stable_across_versions() -> None:
    """Pinned values, quoted in docs/federation.md: a change here breaks every stored chain."""
    record = vector()
    assert record.payload_hash == PINNED_PAYLOAD_HASH
    assert record.hash == PINNED_HASH
    assert record.signature == PINNED_SIGNATURE


PINNED_PAYLOAD_HASH = "b941b83ea1774186eee331805ab600e04958c28fbc10439c84de1a403ac16978"
PINNED_HASH = "723accc119fe4585ac1e3d769e0a4176f03dfb7669b1779d6271b863fc1d7b34"
PINNED_SIGNATURE = (
    "o4YBpqFmq8ayZovmNPjfipH6Hnm+tLQAuJee7vtkgfbO6gREKa+WdPERJZQQ5mWWP/J16LBtLeSZs+soQvDjCA=="
)
PINNED_PUBLIC_KEY = "h3TOL9yQQHwWFo6pZwPgUGIde7he5g6wQ0uvn8/y5IY="  # key("vector"), for the docs
