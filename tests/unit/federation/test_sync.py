"""The puller against a peer answered in memory (httpx's MockTransport over the in-memory
ledger and the framework-free serving code): paging, idempotence, rejections, back-off.

The same puller against a real server on loopback: tests/integration/test_federation_client.py.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cta.federation.memory import MemoryLedger
from cta.federation.records import Record
from cta.federation.serve import answer_records_request
from cta.federation.sync import Backoff, Peer, SyncLoop
from cta.federation.verify import IngestResult, Reason, Rejection, check_records

from .helpers import KEYS, T0, federation, key, payload

Handler = Callable[[httpx.Request], httpx.Response]


def arm_ledger(count: int) -> MemoryLedger:
    ledger = MemoryLedger(federation("ARM"), KEYS["ARM"])
    for i in range(count):
        ledger.append("CrossingRecorded", payload(i + 1), T0 + timedelta(seconds=i))
    return ledger


def serving(ledger: MemoryLedger, clock: Callable[[], datetime] = lambda: T0) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        answer = answer_records_request(ledger.federation, request.method,
                                        request.url.raw_path.decode(), request.headers,
                                        clock(), ledger.page)  # fmt: skip
        return httpx.Response(answer.status, json=answer.body)

    return handle


def peer(handler: Handler, geo: MemoryLedger, **options: object) -> Peer:
    client = httpx.Client(transport=httpx.MockTransport(handler))
    settings: dict[str, object] = {"ingest": geo.ingest, "position": geo.last_seq, "limit": 3,
                                   "clock": lambda: T0, "rng": random.Random(1)}  # fmt: skip
    settings.update(options)
    return Peer("ARM", "http://arm.test", "GEO", KEYS["GEO"], client,
                **settings)  # type: ignore[arg-type]  # fmt: skip


@pytest.fixture
def geo() -> MemoryLedger:
    return MemoryLedger(federation("GEO"), KEYS["GEO"])


def test_a_pull_fetches_page_after_page_until_caught_up(geo: MemoryLedger) -> None:
    arm = arm_ledger(10)
    puller = peer(serving(arm), geo)
    outcome = puller.pull_once()
    assert (outcome.pages, outcome.stored, outcome.error) == (4, 10, None)
    assert geo.records("ARM") == arm.records("ARM")
    status = puller.status()
    assert (status.last_seq, status.remote_last_seq, status.lag, status.failures) == (10, 10, 0, 0)
    assert status.last_success_at == T0


def test_a_second_pull_moves_nothing_and_a_new_record_comes_next(geo: MemoryLedger) -> None:
    arm = arm_ledger(4)
    puller = peer(serving(arm), geo)
    puller.pull_once()
    assert puller.pull_once().stored == 0
    arm.append("RefusalRecorded", {"reasons": ["C"]}, T0 + timedelta(hours=1))
    assert puller.pull_once().stored == 1
    assert geo.records("ARM") == arm.records("ARM")


def test_a_tampered_page_stores_nothing_of_that_page_and_raises_the_alarm(
    geo: MemoryLedger,
) -> None:
    arm = arm_ledger(7)
    served = serving(arm)
    alarms: list[Rejection] = []

    def tampering(request: httpx.Request) -> httpx.Response:
        response = served(request)
        body = response.json()
        for record in body["records"]:
            if record["seq"] == 5:
                record["payload"]["person_id"] = 999
        return httpx.Response(response.status_code, json=body)

    puller = peer(tampering, geo, on_rejection=alarms.append)
    outcome = puller.pull_once()
    assert outcome.rejection is not None and outcome.rejection.reason == Reason.BAD_PAYLOAD_HASH
    assert [r.seq for r in geo.records("ARM")] == [1, 2, 3]  # the page 4-6 is out, whole
    assert alarms == [outcome.rejection] and geo.rejections == alarms
    status = puller.status()
    assert (status.failures, status.rejections, status.last_seq) == (1, 1, 3)
    assert status.last_error is not None and "bad_payload_hash" in status.last_error
    peer(served, geo).pull_once()  # the peer is honest again: it all comes
    assert geo.records("ARM") == arm.records("ARM")


def test_a_node_with_the_wrong_key_is_turned_away(geo: MemoryLedger) -> None:
    puller = peer(serving(arm_ledger(3)), geo)
    puller.key = key("thief")
    outcome = puller.pull_once()
    assert outcome.error is not None and "401" in outcome.error and "not GEO's" in outcome.error
    assert geo.records("ARM") == []


def test_a_peer_that_cannot_be_reached_is_an_error_not_an_exception(geo: MemoryLedger) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    puller = peer(down, geo)
    for failures in (1, 2):
        outcome = puller.pull_once()
        assert outcome.error is not None and "cannot reach ARM" in outcome.error
        assert puller.status().failures == failures


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"<html>", "malformed page"),
        (b'{"origin":"AZE","records":[],"last_seq":0}', "AZE's records"),
        (b'{"origin":"ARM","records":[],"last_seq":0,"last_seq":1}', "appears twice"),
        (b'{"origin":"ARM","records":[{"seq":1}],"last_seq":1}', "records[0]"),
    ],
)
def test_a_malformed_page_is_an_error_naming_the_problem(
    geo: MemoryLedger, body: bytes, words: str
) -> None:
    outcome = peer(lambda request: httpx.Response(200, content=body), geo).pull_once()
    assert outcome.error is not None and words in outcome.error


def test_a_failing_store_is_retried_later(geo: MemoryLedger) -> None:
    def broken(origin: str, records: object, proofs: object) -> object:
        raise OSError("disk full")

    puller = peer(serving(arm_ledger(3)), geo, ingest=broken)
    outcome = puller.pull_once()
    assert outcome.error == "ingest failed: OSError: disk full"


def test_a_page_that_moves_nothing_does_not_spin(geo: MemoryLedger) -> None:
    arm = arm_ledger(6)
    puller = peer(serving(arm), geo, position=lambda origin: 0)  # a stale position
    puller.pull_once()
    outcome = puller.pull_once()
    assert outcome.error is not None and "moved nothing" in outcome.error


@given(failures=st.integers(1, 200), seed=st.integers(0, 2**32))
def test_back_off_doubles_up_to_its_cap_with_jitter_in_the_upper_half(
    failures: int, seed: int
) -> None:
    backoff = Backoff(base=0.5, cap=60.0)
    ceiling = min(60.0, 0.5 * 2 ** (failures - 1))
    delay = backoff.delay(failures, random.Random(seed))
    assert ceiling / 2 <= delay <= ceiling <= 60.0


def test_no_failure_no_wait() -> None:
    assert Backoff().delay(0, random.Random(0)) == 0.0


def test_the_loop_retries_with_back_off_until_the_peer_answers(geo: MemoryLedger) -> None:
    arm = arm_ledger(8)
    served = serving(arm)
    calls: list[float] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(time.monotonic())
        if len(calls) <= 3:
            return httpx.Response(503, json={"detail": "starting"})
        return served(request)

    puller = peer(flaky, geo, poll_seconds=0.01,
                  backoff=Backoff(base=0.02, cap=0.08))  # fmt: skip
    loop = SyncLoop([puller])
    loop.start()
    deadline = time.monotonic() + 10
    while len(geo.records("ARM")) < 8 and time.monotonic() < deadline:
        time.sleep(0.01)
    loop.stop()
    assert geo.records("ARM") == arm.records("ARM")
    gaps = [b - a for a, b in itertools.pairwise(calls[:4])]
    assert gaps[0] >= 0.01 and gaps[2] >= 0.04  # 0.02 × 2**(n-1), at least half of it
    assert loop.statuses()[0].failures == 0


def test_records_come_over_as_they_were_sealed(geo: MemoryLedger) -> None:
    arm = arm_ledger(2)
    arm.redact(arm.records("ARM")[0].ref)  # a retention deletion before the pull
    arm.append("RetentionDeletion", {"records": [["ARM", 1]]}, T0 + timedelta(minutes=5))
    peer(serving(arm), geo).pull_once()
    first: Record = geo.records("ARM")[0]
    assert first.redacted and first == replace(arm.records("ARM")[0])


@pytest.mark.parametrize("claimed", ["AZE", "XYZ"])
def test_a_page_claimed_by_another_origin_is_refused_with_the_alarm(
    geo: MemoryLedger, claimed: str
) -> None:
    alarms: list[Rejection] = []
    body = f'{{"origin":"{claimed}","records":[],"last_seq":0}}'.encode()
    puller = peer(lambda request: httpx.Response(200, content=body), geo,
                  on_rejection=alarms.append)  # fmt: skip
    outcome = puller.pull_once()
    assert outcome.rejection is not None and alarms == [outcome.rejection]
    assert outcome.rejection.reason == Reason.WRONG_ORIGIN and claimed in str(outcome.rejection)
    assert puller.status().rejections == 1


# -- the next page on its way while one is ingested; the long poll ------------------------------


def test_the_next_page_is_fetched_during_ingest_and_dropped_when_the_page_is_refused(
    geo: MemoryLedger,
) -> None:
    arm = arm_ledger(9)
    served = serving(arm)
    asked: list[str] = []
    forging = [True]

    def forge_record_5(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.params["after"])
        answer = served(request)
        body = answer.json()
        for record in body.get("records", []):
            if record["seq"] == 5 and forging[0]:
                record["signature"] = arm.records("ARM")[0].signature
        return httpx.Response(answer.status_code, json=body)

    puller = peer(forge_record_5, geo)
    outcome = puller.pull_once()
    assert outcome.rejection is not None and outcome.rejection.reason is Reason.BAD_SIGNATURE
    assert (outcome.rejection.seq, outcome.stored) == (5, 3)
    assert asked == ["0", "3", "6"]  # page 3 was asked for while page 2 was verified
    assert geo.last_seq("ARM") == 3  # and not used: nothing after the refused page
    forging[0] = False
    outcome = puller.pull_once()
    assert (outcome.error, outcome.stored) == (None, 6)
    assert geo.records("ARM") == arm.records("ARM")
    assert asked[3:] == ["3", "6"]  # resumed after the last record held


def test_pages_are_fetched_ahead_of_a_slow_ingest_but_never_more_than_ahead_allows(
    geo: MemoryLedger,
) -> None:
    """While a page is ingested, the pages after it are fetched (and checked) one after the
    other in a thread, up to ``sync.AHEAD`` of them and no more, each asked for once."""
    from cta.federation import sync

    arm = arm_ledger(30)  # ten pages of three
    served = serving(arm)
    asked: list[str] = []
    ahead_at_each_ingest: list[int] = []

    def counting(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.params["after"])
        return served(request)

    def slow_ingest(*args: Any) -> IngestResult:
        time.sleep(0.1)  # the thread ahead gets as far as it is let
        ahead_at_each_ingest.append(len(asked) - len(ahead_at_each_ingest) - 1)
        return geo.ingest(*args)

    outcome = peer(counting, geo, ingest=slow_ingest, check=lambda batch: check_records(
        batch, geo.federation)).pull_once()  # fmt: skip
    assert (outcome.error, outcome.stored, outcome.pages) == (None, 30, 10)
    assert asked == [str(n) for n in range(0, 30, 3)]  # each page asked for once, in order
    assert max(ahead_at_each_ingest) == sync.AHEAD  # ran ahead, as far as allowed
    assert ahead_at_each_ingest[-1] == 0  # and stopped at the last page


def test_a_long_poll_asks_the_peer_to_hold_the_pull(geo: MemoryLedger) -> None:
    arm = arm_ledger(2)
    served = serving(arm)
    targets: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        targets.append(request.url.raw_path.decode())
        return served(request)

    assert peer(handle, geo, wait_seconds=3).pull_once().stored == 2
    assert targets == ["/v1/federation/records?after=0&limit=3&wait=3"]


def test_a_peer_that_knows_no_long_poll_is_polled(geo: MemoryLedger) -> None:
    """A node of an earlier version refuses ``wait`` as an unknown parameter: the puller
    asks again without it, and from then on polls that peer."""
    arm = arm_ledger(2)
    served = serving(arm)

    def earlier_version(request: httpx.Request) -> httpx.Response:
        if "wait" in request.url.params:
            return httpx.Response(422, json={"detail": "wait: unknown query parameter "
                                                       "(after, limit)"})  # fmt: skip
        return served(request)

    puller = peer(earlier_version, geo, wait_seconds=3)
    assert puller.pull_once().stored == 2
    assert puller.wait_seconds == 0


def test_the_server_holds_a_long_poll_until_it_has_a_record_after_the_callers() -> None:
    arm = arm_ledger(2)
    waited: list[tuple[int, float]] = []

    def ask(target: str) -> tuple[int, dict[str, object]]:
        import asyncio

        from cta.federation.auth import sign_request
        from cta.federation.serve import WaitingPolls, answer_records_request_async

        async def held(after: int, seconds: float) -> None:
            waited.append((after, seconds))

        async def at_once(work: Callable[[], Any]) -> Any:
            return work()

        headers = sign_request(KEYS["GEO"], "GEO", "ARM", "GET", target, T0)
        answer = asyncio.run(answer_records_request_async(
            arm.federation, "GET", target, headers, T0, arm.page, None, held, WaitingPolls(),
            at_once))  # fmt: skip
        return answer.status, answer.body

    status, body = ask("/v1/federation/records?after=2&limit=3&wait=5")
    assert (status, body["records"], waited) == (200, [], [(2, 5)])
    assert ask("/v1/federation/records?after=0&limit=3")[0] == 200 and len(waited) == 1
    status, body = ask("/v1/federation/records?after=0&limit=3&wait=31")
    assert status == 422 and "wait" in str(body["detail"]) and "0 to 30" in str(body["detail"])


def test_a_long_poll_that_brought_records_is_followed_by_the_next_at_once(
    geo: MemoryLedger,
) -> None:
    """No poll interval after a long poll that stored records: the next pull goes out at
    once (here the poll interval is a minute, and the loop is stopped by the second pull)."""
    import threading

    arm = arm_ledger(2)
    served = serving(arm)
    stop = threading.Event()
    calls: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.params["after"])
        if len(calls) == 2:
            stop.set()
        return served(request)

    puller = peer(handle, geo, wait_seconds=3, poll_seconds=60.0)
    loop = threading.Thread(target=puller.run, args=(stop,))
    loop.start()
    loop.join(30)
    assert not loop.is_alive() and calls == ["0", "2"]


FORGERIES: dict[str, Callable[[dict[str, object], Record], None]] = {
    "payload": lambda wire, _: wire.update(payload={**wire["payload"], "person_id": 999}),  # type: ignore[dict-item]
    "signature": lambda wire, first: wire.update(signature=first.signature),
    "hash": lambda wire, first: wire.update(hash=first.hash),
}


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
@pytest.mark.parametrize("forged", [1, 4, 6, 7, 9])
def test_the_page_checked_ahead_is_refused_exactly_as_ingest_would_refuse_it(
    forged: int, forgery: str
) -> None:
    """With ``check``, each page fetched ahead has its signatures checked in the fetching
    thread; a forged record anywhere is refused with the same reason, place and message as
    when ingest checks the page itself, and nothing of its page is stored."""
    arm = arm_ledger(9)
    served = serving(arm)

    def forging(request: httpx.Request) -> httpx.Response:
        answer = served(request)
        body = answer.json()
        for wire in body.get("records", []):
            if wire["seq"] == forged:
                FORGERIES[forgery](wire, arm.records("ARM")[forged == 1])  # another's
        return httpx.Response(answer.status_code, json=body)

    outcomes, stored, checked_pages = [], [], []
    for check in (False, True):
        geo = MemoryLedger(federation("GEO"), KEYS["GEO"])
        ingested: list[bool] = []
        outcomes.append(peer(forging, geo, **_counting(geo, ingested, check)).pull_once())
        stored.append(geo.records("ARM"))
        checked_pages.append(ingested)
    plain, ahead = outcomes
    assert plain.rejection is not None and ahead.rejection == plain.rejection
    assert (ahead.pages, ahead.stored) == (plain.pages, plain.stored)
    assert stored[1] == stored[0] == arm.records("ARM")[: (forged - 1) // 3 * 3]
    assert checked_pages[0] == [False] * len(checked_pages[0])  # without: ingest checks
    assert checked_pages[1] == [n > 0 for n in range(len(checked_pages[1]))]  # all but the 1st


def _counting(geo: MemoryLedger, ingested: list[bool], check: bool) -> dict[str, object]:
    """A peer's ``ingest`` into ``geo`` that notes whether it was given verdicts, and with
    ``check`` the peer's ``check``."""
    from cta.federation.verify import check_records

    def ingest(origin: str, records: Any, proofs: Any, *checked: Any) -> IngestResult:
        ingested.append(bool(checked))
        return geo.ingest(origin, records, proofs, *checked)

    def checking(records: Any) -> Any:
        return check_records(records, geo.federation)

    return {"ingest": ingest, **({"check": checking} if check else {})}
