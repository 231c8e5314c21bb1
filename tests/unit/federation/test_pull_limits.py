"""The bounds the puller holds a peer's answer to, and the credentials a request gives once.

The hostile peer itself, over real sockets: tests/integration/test_federation_pull_limits.py.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from starlette.datastructures import Headers

from cta.federation.auth import sign_request, verify_request
from cta.federation.canonical import canonical_json
from cta.federation.errors import RequestAuthError
from cta.federation.memory import MemoryLedger
from cta.federation.protocol import MAX_RECORD_BYTES, RecordsPage, max_page_bytes
from cta.federation.records import MAX_PAYLOAD_BYTES, RecordRef
from cta.federation.sync import printable

from .helpers import KEYS, T0, federation

TARGET = "/v1/federation/records?after=0&limit=3"


def largest_payload() -> dict[str, str]:
    """A payload of MAX_PAYLOAD_BYTES canonical bytes, of text that escapes (a control
    character is six bytes) and of Georgian (three bytes a letter)."""
    payload = {"note": "\x01\n" * 1000 + "თ" * 18_000}
    payload["note"] += "x" * (MAX_PAYLOAD_BYTES - len(canonical_json(payload)))
    assert len(canonical_json(payload)) == MAX_PAYLOAD_BYTES
    return payload


def test_the_largest_honest_pages_fit_the_bound_of_their_limit() -> None:
    """Three records of the largest payload, each superseding one, under the longest kind;
    or three erased records, each with its own deletion of the largest payload carried as
    its proof: both as a node serves them, under ``max_page_bytes(3)``."""
    arm = MemoryLedger(federation("ARM"), KEYS["ARM"])
    big = largest_payload()
    for i in range(3):
        arm.append("K" * 40, big, T0 + timedelta(seconds=i),
                   supersedes=RecordRef("GEO", 2**53 - 1))  # fmt: skip
    whole = arm.page(0, 3)
    assert all(len(RecordsPage("ARM", (r,), 0).encode()) < MAX_RECORD_BYTES for r in whole.records)
    erased = RecordsPage("ARM", tuple(r.redact() for r in whole.records), 3, whole.records)
    for page in (whole, erased):
        assert len(page.encode()) <= max_page_bytes(3)
    assert max_page_bytes(1000) == 67_649_536


GEO = federation("GEO")


@pytest.mark.parametrize("second", ["AZE", "ARM"])
@pytest.mark.parametrize("kind", ["starlette", "httpx"])
def test_a_credential_header_given_twice_is_refused_naming_it(kind: str, second: str) -> None:
    """As the server's framework hands the headers over: Starlette lists a header as often as
    it came, httpx joins its values; either way the second ``CTA-Node`` is refused, even the
    same value again (which one counts must not be a guess)."""
    signed = sign_request(KEYS["ARM"], "ARM", "GEO", "GET", TARGET, T0)
    raw = [(k.lower().encode(), v.encode()) for k, v in signed.items()]
    raw.append((b"cta-node", second.encode()))
    headers = (Headers(raw=raw) if kind == "starlette"
               else httpx.Headers([(k.decode(), v.decode()) for k, v in raw]))  # fmt: skip
    with pytest.raises(RequestAuthError) as refused:
        verify_request(GEO, "GET", TARGET, headers, T0)
    assert str(refused.value) == "the header CTA-Node is given twice: send it once"


def test_each_credential_header_once_still_passes_whatever_the_mapping() -> None:
    signed = sign_request(KEYS["ARM"], "ARM", "GEO", "GET", TARGET, T0)
    raw = [(k.lower().encode(), v.encode()) for k, v in signed.items()]
    for headers in (signed, Headers(raw=raw), httpx.Headers(signed)):
        assert verify_request(GEO, "GET", TARGET, headers, T0) == "ARM"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
        ("a\x00b\x07c\x7fd\x9be", "a\\x00b\\x07c\\x7fd\\x9be"),
        ("left\u202eright\u2066", "left\\u202eright\\u2066"),
        ("Tbilisi თბილისი, Երևան «ok»", "Tbilisi თბილისი, Երևան «ok»"),
    ],
)
def test_a_peers_text_is_shown_with_its_control_characters_escaped(text: str, shown: str) -> None:
    assert printable(text) == shown
