"""``answer_records_request_async``: a long poll awaited on an event loop, bounded per peer.

The store is the in-memory ledger, the thread pool ``asyncio.to_thread``, and the wait an
event the test sets (tests/integration/test_federation_long_poll_load.py runs the real node).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from cta.federation.auth import sign_request
from cta.federation.memory import MemoryLedger
from cta.federation.serve import (
    MAX_WAITING_POLLS,
    Answer,
    WaitingPolls,
    answer_records_request_async,
)

from .helpers import KEYS, T0, federation, payload

_T = TypeVar("_T")


async def in_thread(func: Callable[[], _T]) -> _T:
    return await asyncio.to_thread(func)


class Held:
    """A ``wait_for`` that holds each poll until the test releases them all."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, float]] = []
        self.released = asyncio.Event()

    async def __call__(self, after: int, seconds: float) -> None:
        self.calls.append((after, seconds))
        await self.released.wait()


def arm_ledger(count: int) -> MemoryLedger:
    arm = MemoryLedger(federation("ARM"), KEYS["ARM"])
    for i in range(count):
        arm.append("CrossingRecorded", payload(i + 1), T0)
    return arm


async def ask(arm: MemoryLedger, target: str, held: Held, polls: WaitingPolls,
              signer: str = "GEO") -> Answer:  # fmt: skip
    headers = sign_request(KEYS[signer], "GEO", "ARM", "GET", target, T0)
    return await answer_records_request_async(arm.federation, "GET", target, headers, T0,
                                              arm.page, None, held, polls, in_thread)  # fmt: skip


def test_a_page_with_records_is_answered_without_waiting() -> None:
    async def run() -> None:
        held = Held()
        answer = await ask(arm_ledger(2), "/v1/federation/records?after=0&wait=30", held,
                           WaitingPolls())  # fmt: skip
        assert answer.status == 200 and len(answer.body["records"]) == 2 and not held.calls

    asyncio.run(run())


def test_a_request_that_fails_the_checks_is_answered_before_any_wait() -> None:
    async def run() -> None:
        held, arm = Held(), arm_ledger(0)
        forged = await ask(arm, "/v1/federation/records?after=0&wait=30", held, WaitingPolls(),
                           signer="AZE")  # fmt: skip
        bad = await ask(arm, "/v1/federation/records?after=0&wait=31", held, WaitingPolls())
        assert (forged.status, bad.status, held.calls) == (401, 422, [])

    asyncio.run(run())


def test_a_peers_polls_beyond_the_bound_are_answered_at_once_and_the_places_come_back() -> None:
    async def run() -> None:
        held, arm, polls = Held(), arm_ledger(2), WaitingPolls()
        target = "/v1/federation/records?after=2&wait=30"
        waiting = [asyncio.create_task(ask(arm, target, held, polls))
                   for _ in range(MAX_WAITING_POLLS)]  # fmt: skip
        while len(held.calls) < MAX_WAITING_POLLS:
            await asyncio.sleep(0.01)
        beyond = await ask(arm, target, held, polls)
        assert beyond.status == 200 and beyond.body["records"] == []
        assert len(held.calls) == MAX_WAITING_POLLS  # it did not wait
        arm.append("CrossingRecorded", payload(3), T0)
        held.released.set()
        answers = await asyncio.gather(*waiting)
        assert all(a.status == 200 and a.body["records"][0]["seq"] == 3 for a in answers)
        assert polls.take("GEO")  # every place given back

    asyncio.run(run())


def test_a_poll_whose_poller_hangs_up_gives_its_place_back_at_once() -> None:
    """A peer that drops its held polls (its process restarted, its network cut) gets their
    places back when it hangs up, not when their 30 s are over: its next polls are held again,
    not answered at once as if beyond the bound."""

    async def run() -> None:
        held, arm, polls = Held(), arm_ledger(2), WaitingPolls()
        hung_up = asyncio.Event()

        async def gone() -> None:
            await hung_up.wait()

        async def poll() -> Answer:
            target = "/v1/federation/records?after=2&wait=30"
            headers = sign_request(KEYS["GEO"], "GEO", "ARM", "GET", target, T0)
            return await answer_records_request_async(
                arm.federation, "GET", target, headers, T0, arm.page, None, held, polls,
                in_thread, gone)  # fmt: skip

        waiting = [asyncio.create_task(poll()) for _ in range(MAX_WAITING_POLLS)]
        while len(held.calls) < MAX_WAITING_POLLS:
            await asyncio.sleep(0.01)
        assert not polls.take("GEO")  # every place held
        hung_up.set()
        answers = await asyncio.wait_for(asyncio.gather(*waiting), 5)  # not the 30 s
        assert all(a.status == 200 and a.body["records"] == [] for a in answers)
        for _ in range(MAX_WAITING_POLLS):
            assert polls.take("GEO")  # every place given back

    asyncio.run(run())
