"""Who an applicant's request comes from, and how often one client may call.

The applicant's calls carry no token, so the node counts them per client address: submissions
(``POST /v1/applications``, ``CTA_APPLICATIONS_PER_MINUTE``) and the reads and answers opened
with an access code (``CTA_APPLICATION_READS_PER_MINUTE``), each in its own allowance, kept in
the node's database as every user's personal-data reads are (``cta.services.read_limits``).

The client is the TCP peer, unless the peer is one of ``CTA_TRUSTED_PROXIES``: then it is the
right-most address of ``X-Forwarded-For`` that is not a trusted proxy (each proxy appends the
address it was reached from, so everything left of the nearest untrusted hop may be forged by
the client). A peer that is not a trusted proxy cannot name another client: its header is
ignored. ``cta serve`` runs uvicorn without its own proxy-header handling, so this is the one
rule.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool

from cta.domain.personal_data import ReadRate
from cta.services.ports import AuditEntry
from cta.services.read_limits import ALARM, ReadLimiter
from cta.settings import Network, parse_networks  # kept in the settings: they read it too

if TYPE_CHECKING:
    from cta.settings import Settings

__all__ = ["ClientPolicy", "Network", "client_address", "client_policy", "parse_networks"]

APPLICANT = "applicant"
PURPOSE = "the applicant's own application"
# the defaults of CTA_APPLICATIONS_PER_MINUTE and CTA_APPLICATION_READS_PER_MINUTE: a guess
# at an access code costs a read, and a wrong code and an unknown number count the same
SUBMISSIONS = ReadRate(per_minute=10, burst=10)
READS = ReadRate(per_minute=30, burst=30)


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(peer: str, forwarded: Iterable[str], trusted: Sequence[Network]) -> str:
    """The client of a request from ``peer`` with these ``X-Forwarded-For`` headers: the
    peer, or, when the peer is a trusted proxy, the right-most forwarded address that is not
    one. An entry that is not an IP address ends the walk at the last hop known."""
    if not trusted or not _trusted(peer, trusted):
        return peer
    hops = [hop.strip() for header in forwarded for hop in header.split(",") if hop.strip()]
    client = peer
    for hop in reversed(hops):
        try:
            address = str(ipaddress.ip_address(hop))
        except ValueError:
            break
        client = address
        if not _trusted(address, trusted):
            break
    return client


@dataclass(frozen=True, slots=True)
class ClientPolicy:
    """The applicant's allowances and the trusted proxies (``app.state.clients``)."""

    submissions: ReadRate = SUBMISSIONS
    reads: ReadRate = READS
    trusted_proxies: tuple[Network, ...] = field(default_factory=tuple)

    def client(self, request: Request) -> str:
        peer = request.client.host if request.client else "unknown"
        return client_address(peer, request.headers.getlist("x-forwarded-for"),
                              self.trusted_proxies)  # fmt: skip


DEFAULT_POLICY = ClientPolicy()


def client_policy(settings: Settings) -> ClientPolicy:
    """The policy of ``CTA_APPLICATIONS_PER_MINUTE``, ``CTA_APPLICATION_READS_PER_MINUTE``
    (each its own burst) and ``CTA_TRUSTED_PROXIES``."""
    submissions, reads = settings.applications_per_minute, settings.application_reads_per_minute
    return ClientPolicy(ReadRate(submissions, submissions), ReadRate(reads, reads),
                        parse_networks(settings.trusted_proxies))


def policy_of(request: Request) -> ClientPolicy:
    found: ClientPolicy | None = getattr(request.app.state, "clients", None)
    return found if found is not None else DEFAULT_POLICY


async def admitted_client(request: Request, *, submission: bool) -> str:
    """The client's address, after counting one call against its allowance (429 with
    ``Retry-After`` when over it)."""
    policy = policy_of(request)
    client = policy.client(request)
    reads: ReadLimiter | None = request.app.state.reads
    if reads is not None:
        rate = policy.submissions if submission else policy.reads
        # one allowance per client and kind of call: reading one's application does not use
        # up the submissions, nor the reverse
        user = f"{'applications' if submission else APPLICANT}@{client}"[:100]
        await run_in_threadpool(_admit, reads, user, client, rate, submission)
    return client


def _admit(reads: ReadLimiter, user: str, client: str, rate: ReadRate, submission: bool) -> None:
    call = "submit application" if submission else "open application"
    alarm = AuditEntry(APPLICANT, APPLICANT, ALARM, PURPOSE, None,
                       {"client": client, "call": call, "limit": rate.describe()})  # fmt: skip
    wait_us, _ = reads.allowances.take(user, reads.clock(), rate, alarm)
    if wait_us > 0:
        seconds = max(1, math.ceil(wait_us / 1_000_000))
        raise HTTPException(429, f"too many requests from this address ({rate.describe()}); "
                                 f"try again in {seconds} s",
                            {"Retry-After": str(seconds)})  # fmt: skip
