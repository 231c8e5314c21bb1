"""Keys, a federation and chains of records for the federation's unit tests.

Keys come from fixed seeds, so a failing example can be replayed; Ed25519 signatures are
deterministic, so every record made here is too.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cta.federation.keys import public_key_text
from cta.federation.members import Federation, parse_federation
from cta.federation.records import GENESIS_HASH, Record, seal

T0 = datetime(2027, 6, 1, 8, 0, tzinfo=UTC)
STATES = ("AZE", "ARM", "GEO")


def key(name: str) -> Ed25519PrivateKey:
    """A fixed key per name: the seed is the name, padded."""
    return Ed25519PrivateKey.from_private_bytes(name.encode().ljust(32, b"."))


KEYS = {state: key(state) for state in STATES}
PINS = {state: hashlib.sha256(state.encode()).hexdigest() for state in STATES}  # TLS certificates


def federation_text(node: str = "GEO", **extra_members: str) -> str:
    members = "".join(
        f'[[member]]\nstate = "{state}"\npublic_key = "{public_key_text(KEYS[state])}"\n'
        f'endpoint = "https://127.0.0.1:{8090 + i}"\nvalid_from = 2027-01-01T00:00:00Z\n'
        f'tls_certificate_sha256 = "{PINS[state]}"\n\n'
        for i, state in enumerate(STATES)
    )
    return f'node = "{node}"\n\n{members}' + "".join(extra_members.values())


def federation(node: str = "GEO") -> Federation:
    return parse_federation(federation_text(node))


def chain(
    origin: str = "ARM",
    count: int = 5,
    *,
    start: int = 1,
    prev_hash: str = GENESIS_HASH,
    signer: Ed25519PrivateKey | None = None,
    at: datetime = T0,
) -> list[Record]:
    """``count`` records of ``origin`` from ``start``, a minute apart, properly chained."""
    records: list[Record] = []
    for i in range(count):
        seq = start + i
        record = seal(origin, seq, at + timedelta(minutes=seq), "CrossingRecorded",
                      payload(seq), prev_hash, signer or KEYS[origin],
                      salt=f"{seq:032x}")  # fmt: skip
        records.append(record)
        prev_hash = record.hash
    return records


def payload(seq: int) -> dict[str, Any]:
    return {"person_id": seq, "direction": "entry" if seq % 2 else "exit",
            "crossing_point": "ARM-EVN", "local_date": "2027-06-01",
            "names": ["ANI", "Անի"], "refused": False, "note": None}  # fmt: skip


def tampered(record: Record, **changes: Any) -> Record:
    return replace(record, **changes)
