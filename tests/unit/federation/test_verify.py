"""Whole-batch verification: what is stored, what is skipped, and the first bad record."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cta.federation.keys import public_key_text
from cta.federation.members import parse_federation
from cta.federation.records import GENESIS_HASH, Record, RecordRef, seal
from cta.federation.verify import (
    Accepted,
    ChainHead,
    Reason,
    Rejection,
    held_seqs_needed,
    verify_batch,
)

from .helpers import KEYS, T0, chain, federation, federation_text, key, payload, tampered

FED = federation("GEO")
ARM = chain("ARM", 10)
OTHER_SIGNATURE = chain("AZE", 1)[0].signature


EMPTY = ChainHead()


def verify(batch: list[Record], head: ChainHead = EMPTY, origin: str = "ARM",
           held: dict[int, str] | None = None) -> Accepted | Rejection:  # fmt: skip
    return verify_batch(origin, head, batch, FED, held)


def rejected(result: Accepted | Rejection, reason: Reason, index: int) -> Rejection:
    assert isinstance(result, Rejection), result
    assert (result.reason, result.index) == (reason, index), result
    return result


def head_at(seq: int) -> ChainHead:
    return ChainHead.of(ARM[seq - 1])


def test_a_good_batch_from_the_start_is_stored_whole() -> None:
    result = verify(ARM[:5])
    assert isinstance(result, Accepted)
    assert result.records == tuple(ARM[:5]) and result.skipped == 0
    assert result.head == head_at(5)


def test_the_next_batch_follows_our_head() -> None:
    result = verify(ARM[5:], head_at(5))
    assert isinstance(result, Accepted) and result.records == tuple(ARM[5:])


def test_an_empty_batch_changes_nothing() -> None:
    result = verify([], head_at(3))
    assert isinstance(result, Accepted) and result.records == () and result.head == head_at(3)


def test_a_batch_we_already_hold_is_skipped_whole() -> None:
    held = {r.seq: r.hash for r in ARM[:5]}
    result = verify(ARM[:5], head_at(5), held=held)
    assert isinstance(result, Accepted)
    assert (result.records, result.skipped, result.head) == ((), 5, head_at(5))


def test_an_overlapping_batch_stores_only_what_is_new() -> None:
    batch = ARM[2:8]
    held = {seq: ARM[seq - 1].hash for seq in held_seqs_needed(head_at(5), batch)}
    assert sorted(held) == [3, 4]
    result = verify(batch, head_at(5), held=held)
    assert isinstance(result, Accepted)
    assert result.records == tuple(ARM[5:8]) and result.skipped == 3


def test_a_redacted_copy_of_a_record_we_hold_is_a_duplicate_too() -> None:
    result = verify([r.redact() for r in ARM[:3]], head_at(3), held={1: ARM[0].hash,
                                                                       2: ARM[1].hash})
    assert isinstance(result, Accepted) and result.skipped == 3


def deletion(seq: int, names: list[int], prev: Record, origin: str = "ARM") -> Record:
    """The origin's RetentionDeletion at ``seq`` naming its records ``names``."""
    return seal(origin, seq, prev.at + timedelta(minutes=1), "RetentionDeletion",
                {"records": [[origin, n] for n in names]}, prev.hash, KEYS[origin])  # fmt: skip


def test_a_new_record_without_its_payload_and_no_proof_is_tampering() -> None:
    # a relay sets payload and salt to null: header and signature still verify
    batch = list(ARM[:4])
    batch[2] = batch[2].redact()
    rejection = rejected(verify(batch), Reason.UNPROVEN_ERASURE, 2)
    assert rejection.reason.is_tampering and rejection.seq == 3
    assert "no deletion of ARM's names it" in str(rejection)


def test_an_erasure_proven_by_a_deletion_later_in_the_same_page_is_stored() -> None:
    proof = deletion(11, [2, 3], ARM[9])
    batch = [ARM[0], ARM[1].redact(), ARM[2].redact(), *ARM[3:], proof]
    result = verify(batch)
    assert isinstance(result, Accepted) and len(result.records) == 11
    assert [r.seq for r in result.records if r.redacted] == [2, 3]


def test_an_erasure_the_caller_knows_of_is_stored() -> None:
    batch = [ARM[0], ARM[1].redact()]
    assert isinstance(verify_batch("ARM", EMPTY, batch, FED, erased={2}), Accepted)
    rejected(verify_batch("ARM", EMPTY, batch, FED, erased={5}), Reason.UNPROVEN_ERASURE, 1)


def test_an_erasure_proven_by_a_deletion_the_page_carries_is_stored() -> None:
    # the deletion comes far later in the chain: the page carries it beside its records
    proof = deletion(11, [2], ARM[9])
    batch = [ARM[0], ARM[1].redact(), ARM[2]]
    assert isinstance(verify_batch("ARM", EMPTY, batch, FED, proofs=[proof]), Accepted)


def test_a_proof_that_is_not_the_origins_own_signed_deletion_proves_nothing() -> None:
    batch = [ARM[0], ARM[1].redact()]
    forged = replace(deletion(11, [2], ARM[9]), signature=OTHER_SIGNATURE)
    aze = deletion(1, [2], ARM[9], origin="AZE")
    aze_naming_arm = seal("AZE", 1, T0, "RetentionDeletion", {"records": [["ARM", 2]]},
                          GENESIS_HASH, KEYS["AZE"])  # fmt: skip
    not_a_deletion = seal("ARM", 11, T0, "CrossingRecorded", {"records": [["ARM", 2]]},
                          ARM[9].hash, KEYS["ARM"])  # fmt: skip
    for proof in (forged, aze, aze_naming_arm, not_a_deletion, deletion(11, [3], ARM[9])):
        result = verify_batch("ARM", EMPTY, batch, FED, proofs=[proof])
        rejected(result, Reason.UNPROVEN_ERASURE, 1)


def test_a_proof_out_of_its_place_in_the_chain_proves_nothing() -> None:
    """The sweep's S15-D2: a signed deletion of ARM's at seq 999,999 after a zero hash, or at
    seq 1, which we hold as another record (a fork nobody would see), proved ARM/2 erased. A
    deletion erases records before it only, and a proof at a seq we hold must be that record."""
    batch = [ARM[0], ARM[1].redact()]
    before = seal("ARM", 1, T0, "RetentionDeletion", {"records": [["ARM", 2]]}, GENESIS_HASH,
                  KEYS["ARM"])  # fmt: skip
    for proof in (before, deletion(2, [2], ARM[0])):  # at seq 1 or naming itself
        result = verify_batch("ARM", EMPTY, batch, FED, proofs=[proof])
        rejected(result, Reason.UNPROVEN_ERASURE, 1)
    later = deletion(11, [2], ARM[9])
    held = {11: chain("ARM", 11)[10].hash}  # we hold ARM's record 11, and it is another
    assert held[11] != later.hash
    result = verify_batch("ARM", head_at(1), [ARM[1].redact()], FED, held, proofs=[later])
    rejected(result, Reason.UNPROVEN_ERASURE, 0)
    proven = verify_batch("ARM", head_at(1), [ARM[1].redact()], FED, {}, proofs=[later])
    assert isinstance(proven, Accepted)  # the same proof, where we hold nothing at its seq
    erasing = deletion(3, [2, 4], ARM[1])  # names 2, before it, and 4, after it
    after = seal("ARM", 4, erasing.at + timedelta(minutes=1), "CrossingRecorded", {"n": 4},
                 erasing.hash, KEYS["ARM"])  # fmt: skip
    rejected(verify([ARM[0], ARM[1].redact(), erasing, after.redact()]),
             Reason.UNPROVEN_ERASURE, 3)  # fmt: skip


def test_a_forged_deletion_in_the_page_gets_the_page_refused_all_the_same() -> None:
    forged = replace(deletion(3, [2], ARM[1]), signature=OTHER_SIGNATURE)
    rejected(verify([ARM[0], ARM[1].redact(), forged]), Reason.BAD_SIGNATURE, 2)


def test_a_deletion_without_its_payload_needs_its_own_proof() -> None:
    proof = deletion(11, [2], ARM[9])
    rejected(verify([*ARM, proof.redact()]), Reason.UNPROVEN_ERASURE, 10)


def test_an_unknown_origin_is_refused() -> None:
    stranger = key("TUR")
    batch = [seal("TUR", 1, T0, "CrossingRecorded", {}, GENESIS_HASH, stranger)]
    rejection = rejected(verify(batch, origin="TUR"), Reason.UNKNOWN_ORIGIN, 0)
    assert "TUR" in str(rejection)


def test_another_origins_record_in_a_batch_is_refused() -> None:
    batch = [*ARM[:2], chain("AZE", 3)[2]]
    rejected(verify(batch), Reason.WRONG_ORIGIN, 2)


def test_a_record_signed_with_another_key_is_refused() -> None:
    forged = chain("ARM", 3, signer=KEYS["AZE"])
    rejected(verify(forged), Reason.BAD_SIGNATURE, 0)


def test_a_record_signed_with_a_stranger_key_is_refused_even_deep_in_a_batch() -> None:
    forged = chain("ARM", 1, start=4, prev_hash=ARM[2].hash, signer=key("thief"))
    rejected(verify([*ARM[:3], *forged]), Reason.BAD_SIGNATURE, 3)


def test_a_record_outside_its_keys_validity_is_refused() -> None:
    early = chain("ARM", 2, at=datetime(2026, 6, 1, tzinfo=UTC))
    rejection = rejected(verify(early), Reason.NO_VALID_KEY, 0)
    assert "2026-06-01T00:01:00.000000Z" in rejection.message


TAMPERS: dict[str, Any] = {
    "payload": lambda r: replace(r, payload={**r.payload, "person_id": -1}),
    "payload_added_key": lambda r: replace(r, payload={**r.payload, "x": 1}),
    "salt": lambda r: replace(r, salt="f" * 32),
    "payload_hash": lambda r: replace(r, payload_hash="a" * 64),
    "payload_hash_redacted": lambda r: replace(r.redact(), payload_hash="a" * 64),
    "origin": lambda r: replace(r, origin="AZE"),
    "seq": lambda r: replace(r, seq=r.seq + 1),
    "at": lambda r: replace(r, at=r.at + timedelta(microseconds=1)),
    "kind": lambda r: replace(r, kind="RefusalRecorded"),
    "prev_hash": lambda r: replace(r, prev_hash="b" * 64),
    "hash": lambda r: replace(r, hash="c" * 64),
    "signature": lambda r: replace(r, signature=OTHER_SIGNATURE),
    "supersedes": lambda r: replace(r, supersedes=RecordRef("GEO", 1)),
}


@pytest.mark.parametrize("field", sorted(TAMPERS))
def test_changing_any_field_of_a_record_gets_the_batch_refused(field: str) -> None:
    batch = list(ARM[:6])
    batch[3] = TAMPERS[field](batch[3])
    result = verify(batch)
    assert isinstance(result, Rejection), f"a changed {field} went through"
    assert result.index == 3 or (field == "origin" and result.reason == Reason.WRONG_ORIGIN)
    assert result.reason.is_tampering


@pytest.mark.parametrize("field", sorted(TAMPERS))
def test_a_changed_duplicate_is_refused_too_not_skipped(field: str) -> None:
    batch = [TAMPERS[field](ARM[0]), *ARM[1:3]]
    result = verify(batch, head_at(3), held={1: ARM[0].hash, 2: ARM[1].hash})
    assert isinstance(result, Rejection)


def test_a_reordered_batch_is_refused() -> None:
    batch = [ARM[0], ARM[2], ARM[1]]
    rejected(verify(batch), Reason.OUT_OF_ORDER, 1)  # reordered, not merely incomplete
    rejected(verify([ARM[1], ARM[0], ARM[2]]), Reason.OUT_OF_ORDER, 0)
    assert Reason.OUT_OF_ORDER.is_tampering
    rejected(verify([ARM[0], ARM[1], ARM[0]]), Reason.OUT_OF_ORDER, 2)


def test_a_batch_that_skips_a_record_is_refused() -> None:
    rejected(verify([ARM[0], ARM[1], ARM[3]]), Reason.GAP, 2)


def test_a_batch_that_starts_past_our_head_is_a_gap_not_tampering() -> None:
    rejection = rejected(verify(ARM[6:], head_at(5)), Reason.GAP, 0)
    assert "6 to 6" in rejection.message
    assert not rejection.reason.is_tampering


def test_the_same_record_twice_in_one_batch_is_refused() -> None:
    rejected(verify([ARM[0], ARM[0]]), Reason.OUT_OF_ORDER, 1)


def test_a_different_record_under_a_seq_we_hold_is_a_fork() -> None:
    other = chain("ARM", 5, at=T0 + timedelta(days=1))  # properly signed, another history
    rejected(verify(other[:5], head_at(5), held={s: ARM[s - 1].hash for s in range(1, 5)}),
             Reason.FORK, 0)  # fmt: skip
    rejected(verify(other[4:], head_at(5)), Reason.FORK, 0)


def test_a_held_record_whose_hash_was_not_given_cannot_be_checked() -> None:
    rejected(verify(ARM[:5], head_at(5)), Reason.NOT_CHECKABLE, 0)


def test_a_new_record_that_does_not_chain_to_our_head_is_refused() -> None:
    stray = seal("ARM", 6, T0 + timedelta(hours=1), "CrossingRecorded", {}, "d" * 64, KEYS["ARM"])
    rejected(verify([stray], head_at(5)), Reason.BROKEN_CHAIN, 0)


def test_time_may_not_go_back_along_a_chain() -> None:
    back = seal("ARM", 6, ARM[4].at - timedelta(seconds=1), "CrossingRecorded", {},
                ARM[4].hash, KEYS["ARM"])  # fmt: skip
    rejected(verify([back], head_at(5)), Reason.TIME_WENT_BACK, 0)
    same = seal("ARM", 6, ARM[4].at, "CrossingRecorded", {}, ARM[4].hash, KEYS["ARM"])
    assert isinstance(verify([same], head_at(5)), Accepted)


def test_a_retired_key_cannot_continue_a_chain_past_its_successor() -> None:
    retired, successor = key("ARM"), key("ARM-2029")
    text = federation_text().replace('state = "ARM"', 'state = "ARM"\nvalid_to = 2029-01-01', 1)
    text += (f'[[member]]\nstate = "ARM"\npublic_key = "{public_key_text(successor)}"\n'
             'endpoint = "https://127.0.0.1:8091"\nvalid_from = 2029-01-01\n'
             f'tls_certificate_sha256 = "{"cd" * 32}"\n')  # fmt: skip
    fed = parse_federation(text)
    new = seal("ARM", 11, datetime(2029, 2, 1, tzinfo=UTC), "CrossingRecorded", {},
               ARM[9].hash, successor)  # fmt: skip
    assert isinstance(verify_batch("ARM", head_at(10), [new], fed), Accepted)
    backdated = seal("ARM", 12, datetime(2028, 12, 31, tzinfo=UTC), "CrossingRecorded", {},
                     new.hash, retired)  # fmt: skip
    result = verify_batch("ARM", ChainHead.of(new), [backdated], fed)
    assert isinstance(result, Rejection) and result.reason == Reason.TIME_WENT_BACK


def test_one_bad_record_keeps_the_good_ones_before_it_out_too() -> None:
    batch = [*ARM[:7], TAMPERS["payload"](ARM[7]), *ARM[8:]]
    result = rejected(verify(batch), Reason.BAD_PAYLOAD_HASH, 7)
    assert result.seq == 8


# Properties over random histories and random deliveries.


@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.integers(0, 10), max_size=6))
def test_any_in_order_split_into_batches_arrives_whole(cuts: list[int]) -> None:
    bounds = [0, *sorted(cuts), 10]
    head = ChainHead()
    stored: list[Record] = []
    for low, high in itertools.pairwise(bounds):
        result = verify(ARM[low:high], head)
        assert isinstance(result, Accepted)
        stored.extend(result.records)
        head = result.head
    assert stored == ARM


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_delivering_batches_in_any_order_with_duplicates_converges(data: st.DataObject) -> None:
    """A peer that receives pages late, twice or out of order stores each record once, in
    order, once the missing pages come: what a retried sync does."""
    pages = [ARM[i : i + 3] for i in range(0, 10, 3)]
    deliveries = data.draw(st.lists(st.sampled_from(pages), min_size=1, max_size=12))
    deliveries += pages  # the puller's final pass, in order
    stored: list[Record] = []
    for page in deliveries:
        head = ChainHead.of(stored[-1]) if stored else ChainHead()
        held = {s: stored[s - 1].hash for s in held_seqs_needed(head, page) if s <= len(stored)}
        result = verify(page, head, held=held)
        if isinstance(result, Accepted):
            stored.extend(result.records)
        else:
            assert result.reason == Reason.GAP
    assert stored == ARM


@settings(max_examples=100, deadline=None)
@given(index=st.integers(0, 9), field=st.sampled_from(sorted(TAMPERS)))
def test_any_tampered_record_anywhere_is_refused_and_nothing_is_stored(
    index: int, field: str
) -> None:
    batch = list(ARM)
    batch[index] = TAMPERS[field](batch[index])
    result = verify(batch)
    assert isinstance(result, Rejection)
    assert result.index <= index


# -- rule 2 in threads (check_records), then the chain in order ----------------------------------

LONG = chain("ARM", 300)  # more than one task's worth of records (verify.CHUNK)


@pytest.fixture(scope="module")
def pool() -> Any:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as executor:
        yield executor


def test_signatures_checked_in_threads_give_the_verdicts_checked_in_turn(pool: Any) -> None:
    from cta.federation.verify import check_records, verify_record

    batch = list(LONG)
    batch[70] = replace(batch[70], signature=OTHER_SIGNATURE)
    batch[250] = tampered(batch[250], payload={**payload(251), "note": "changed"})
    assert check_records(batch, FED, pool) == [verify_record(r, FED) for r in batch]
    assert verify_batch("ARM", EMPTY, LONG, FED, checked=check_records(LONG, FED, pool)) == (
        verify(LONG))


@settings(max_examples=25, deadline=None)
@given(forged=st.lists(st.integers(0, len(LONG) - 1), min_size=1, max_size=3, unique=True))
def test_a_page_checked_in_threads_is_refused_at_its_first_bad_record(forged: list[int]) -> None:
    """Whatever the threads finish first, the rejection names the first bad record of the
    page, as checking the records one after another does."""
    from concurrent.futures import ThreadPoolExecutor

    from cta.federation.verify import check_records

    batch = list(LONG)
    for index in forged:
        batch[index] = replace(batch[index], signature=OTHER_SIGNATURE)
    with ThreadPoolExecutor(2) as threads:
        checked = check_records(batch, FED, threads)
    verdict = verify_batch("ARM", EMPTY, batch, FED, checked=checked)
    assert verdict == verify(batch)
    rejected(verdict, Reason.BAD_SIGNATURE, min(forged))


def test_verdicts_for_another_batch_are_refused() -> None:
    from cta.federation.verify import check_records

    with pytest.raises(ValueError, match="2 verdicts for a batch of 3"):
        verify_batch("ARM", EMPTY, ARM[:3], FED, checked=check_records(ARM[:2], FED))
