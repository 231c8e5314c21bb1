"""Sealing a record, its wire form, and the strict reading of that form."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cta.domain.errors import InvalidInputError
from cta.federation.errors import RecordFormatError
from cta.federation.records import GENESIS_HASH, Record, RecordRef, format_at, parse_at, seal
from cta.federation.verify import verify_record

from .helpers import KEYS, T0, chain, federation, payload


def test_a_sealed_record_verifies_and_survives_its_wire_form() -> None:
    record = chain("ARM", 1)[0]
    back = Record.from_wire(copy.deepcopy(record.to_wire()))
    assert back == record
    assert verify_record(back, federation()) is None


def test_the_first_record_of_an_origin_follows_the_genesis_hash() -> None:
    assert chain("ARM", 1)[0].prev_hash == GENESIS_HASH == "0" * 64


def test_a_time_in_another_zone_is_sealed_in_utc() -> None:
    tbilisi = timezone(timedelta(hours=4))
    record = seal("GEO", 1, datetime(2027, 6, 1, 12, 0, tzinfo=tbilisi), "CrossingRecorded",
                  {}, GENESIS_HASH, KEYS["GEO"])  # fmt: skip
    assert record.at == T0 and record.at.tzinfo == UTC
    assert record.to_wire()["at"] == "2027-06-01T08:00:00.000000Z"


def test_a_time_without_an_offset_cannot_be_sealed() -> None:
    with pytest.raises(RecordFormatError) as caught:
        seal("GEO", 1, datetime(2027, 6, 1, 8, 0), "CrossingRecorded", {}, GENESIS_HASH,
             KEYS["GEO"])  # fmt: skip
    assert caught.value.field == "at"


def test_each_seal_draws_a_new_salt_so_equal_payloads_hash_apart() -> None:
    one = seal("GEO", 1, T0, "CrossingRecorded", {"a": 1}, GENESIS_HASH, KEYS["GEO"])
    two = seal("GEO", 1, T0, "CrossingRecorded", {"a": 1}, GENESIS_HASH, KEYS["GEO"])
    assert one.salt != two.salt and one.payload_hash != two.payload_hash


def test_a_redacted_record_keeps_hash_and_signature_and_still_verifies() -> None:
    record = chain("ARM", 1)[0]
    redacted = record.redact()
    assert redacted.payload is None and redacted.salt is None and redacted.redacted
    assert (redacted.hash, redacted.signature) == (record.hash, record.signature)
    assert verify_record(Record.from_wire(redacted.to_wire()), federation()) is None


def test_a_correction_names_the_record_it_supersedes() -> None:
    first = chain("GEO", 1)[0]
    fix = seal("GEO", 2, T0, "CrossingCorrected", {"direction": "exit"}, first.hash,
               KEYS["GEO"], supersedes=first.ref)  # fmt: skip
    assert Record.from_wire(fix.to_wire()).supersedes == RecordRef("GEO", 1)
    assert verify_record(fix, federation()) is None


def test_a_record_cannot_supersede_a_later_record_of_its_own_origin() -> None:
    with pytest.raises(RecordFormatError, match="supersede"):
        seal("GEO", 2, T0, "AlertWithdrawn", {}, GENESIS_HASH, KEYS["GEO"],
             supersedes=RecordRef("GEO", 2))  # fmt: skip


def test_a_payload_of_more_than_64_kib_is_refused() -> None:
    with pytest.raises(RecordFormatError, match="65536"):
        seal("GEO", 1, T0, "CrossingRecorded", {"x": "a" * 70_000}, GENESIS_HASH, KEYS["GEO"])


def wire(**changes: Any) -> dict[str, Any]:
    data = chain("ARM", 2)[1].to_wire()
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"origin": "arm"}, "record.origin"),
        ({"origin": None}, "record.origin"),
        ({"seq": 0}, "record.seq"),
        ({"seq": True}, "record.seq"),
        ({"seq": "2"}, "record.seq"),
        ({"seq": 2**53}, "record.seq"),
        ({"at": "2027-06-01T08:00:00Z"}, "record.at"),
        ({"kind": "crossing recorded"}, "record.kind"),
        ({"kind": "A" * 41}, "record.kind"),
        ({"payload": [1]}, "record.payload"),
        ({"payload": {"x": 1.5}}, "record.payload.x"),
        ({"payload": {"p": {"q": 2**60}}}, "record.payload.p.q"),
        ({"payload": None}, "record.salt"),
        ({"salt": None}, "record.salt"),
        ({"salt": "XYZ"}, "record.salt"),
        ({"payload_hash": "ab"}, "record.payload_hash"),
        ({"prev_hash": "A" * 64}, "record.prev_hash"),
        ({"hash": 7}, "record.hash"),
        ({"signature": "not base64!"}, "record.signature"),
        ({"signature": "AAAA"}, "record.signature"),
        ({"supersedes": {"origin": "GEO"}}, "record.supersedes"),
        ({"supersedes": {"origin": "GEO", "seq": -1}}, "record.supersedes.seq"),
        ({"extra": 1}, "record.extra"),
    ],
)
def test_a_malformed_wire_record_is_refused_naming_the_field(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        Record.from_wire(wire(**changes))
    assert isinstance(caught.value, RecordFormatError)
    assert caught.value.field == field
    assert str(caught.value).startswith(field + ":")


def test_a_missing_field_is_named() -> None:
    data = wire()
    del data["prev_hash"]
    with pytest.raises(RecordFormatError) as caught:
        Record.from_wire(data)
    assert (caught.value.field, caught.value.problem) == ("record.prev_hash", "missing")


def test_a_record_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(RecordFormatError, match="JSON object"):
        Record.from_wire(["GEO", 1])


def test_payload_bytes_in_the_wire_form_are_the_sealed_ones() -> None:
    record = chain("ARM", 3)[2]
    assert record.to_wire()["payload"] == payload(3)


@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)))
def test_a_time_is_read_back_as_strptime_reads_it(at: datetime) -> None:
    text = format_at(at.replace(tzinfo=UTC))
    assert parse_at(text) == datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


@pytest.mark.parametrize("text", ["2023-02-29T00:00:00.000000Z", "2027-13-01T00:00:00.000000Z",
                                  "2027-06-01T24:00:00.000000Z", "2027-06-01T08:00:60.000000Z",
                                  "0000-01-01T00:00:00.000000Z"])  # fmt: skip
def test_a_time_that_never_was_is_refused(text: str) -> None:
    with pytest.raises(RecordFormatError, match="not a real date and time"):
        parse_at(text)


@given(
    st.text(max_size=5), st.text(max_size=12), st.text(max_size=4),
    st.one_of(st.integers(min_value=1, max_value=2**53 - 1), st.booleans()),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                 timezones=st.sampled_from([UTC, timezone(timedelta(hours=4))])),
    st.one_of(st.none(), st.builds(RecordRef, st.text(max_size=4), st.integers(1, 99))),
)  # fmt: skip
def test_the_header_written_out_is_the_canonical_json_of_its_fields(
    origin: str, kind: str, digest: str, seq: int, at: datetime, supersedes: RecordRef | None
) -> None:
    """``header_bytes`` writes the header out directly when no value needs escaping: the
    same bytes as the canonical encoding, whatever the values (text with quotes, accents,
    controls, a bool for a seq falls back to the encoder)."""
    from cta.federation.canonical import canonical_json
    from cta.federation.records import header_bytes

    fields = {"at": format_at(at), "kind": kind, "origin": origin, "payload_hash": digest,
              "prev_hash": digest * 2, "seq": seq,
              "supersedes": None if supersedes is None else supersedes.to_wire(), "v": 1}
    assert header_bytes(origin, seq, at, kind, digest, digest * 2, supersedes) == (
        canonical_json(fields))  # fmt: skip


def test_the_payload_hash_computed_when_read_goes_with_that_payload_only() -> None:
    """A record read from the wire keeps its payload's hash for ``verify_record``; a record
    made from it with another payload (``replace``) is hashed anew: its tampering is seen."""
    from dataclasses import replace

    from cta.federation.verify import Reason

    read = Record.from_wire(chain("ARM", 1)[0].to_wire())
    assert read.payload_digest() == read.payload_hash and verify_record(read, federation()) is None
    changed = replace(read, payload={**(read.payload or {}), "person_id": 999})
    assert changed.payload_digest() != read.payload_hash
    assert verify_record(changed, federation()) == (
        Reason.BAD_PAYLOAD_HASH, "the payload does not match payload_hash")  # fmt: skip
    erased = read.redact()
    assert erased.payload_digest() is None and verify_record(erased, federation()) is None
