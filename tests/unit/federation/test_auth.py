"""Node credentials on requests: signed by the caller, checked against the federation file."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cta.federation.auth import (
    HEADER_NODE,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    NonceCache,
    request_target,
    sign_request,
    signing_text,
    verify_request,
)
from cta.federation.errors import RequestAuthError

from .helpers import KEYS, T0, federation, key

GEO = federation("GEO")  # the server
TARGET = "/v1/federation/records?after=10&limit=500"


def signed(node: str = "ARM", audience: str = "GEO", **overrides: object) -> dict[str, str]:
    signer = overrides.pop("signer", KEYS[node])
    return sign_request(signer, node, audience, "GET", TARGET, T0, nonce="ab" * 16)  # type: ignore[arg-type]


def check(
    headers: dict[str, str],
    *,
    method: str = "GET",
    target: str = TARGET,
    now_offset: float = 0,
    body: bytes = b"",
    nonces: NonceCache | None = None,
) -> str:
    return verify_request(GEO, method, target, headers, T0 + timedelta(seconds=now_offset),
                          body=body, nonces=nonces)  # fmt: skip


def test_a_signed_request_names_its_node() -> None:
    assert check(signed()) == "ARM"


def test_header_names_are_case_insensitive() -> None:
    assert check({k.lower(): v for k, v in signed().items()}) == "ARM"


def test_the_signed_text_is_eight_lines() -> None:
    text = signing_text("get", TARGET, "GEO", "ARM", 1796025600, "ab" * 16, b"")
    assert text.decode().split("\n") == [
        "CTA-REQUEST-V1", "GET", TARGET, "GEO", "ARM", "1796025600", "ab" * 16,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"method": "POST"}, "signature"),
        ({"target": "/v1/federation/records?after=0&limit=500"}, "signature"),
        ({"body": b"x"}, "signature"),
        ({"now_offset": 121}, "121 s from ours"),
        ({"now_offset": -121}, "121 s from ours"),
    ],
)
def test_a_request_changed_on_the_way_or_too_old_is_refused(
    change: dict[str, object], words: str
) -> None:
    with pytest.raises(RequestAuthError, match=words):
        check(signed(), **change)  # type: ignore[arg-type]


def test_a_small_clock_difference_is_tolerated() -> None:
    assert check(signed(), now_offset=119) == "ARM"


def test_a_request_for_another_peer_is_worthless_here() -> None:
    with pytest.raises(RequestAuthError, match="signature"):
        check(signed(audience="AZE"))


def test_a_request_signed_with_the_wrong_key_is_refused() -> None:
    with pytest.raises(RequestAuthError, match="not ARM's"):
        check(signed(signer=KEYS["AZE"]))
    with pytest.raises(RequestAuthError, match="not ARM's"):
        check(signed(signer=key("thief")))


def test_a_stranger_or_the_node_itself_is_not_a_peer() -> None:
    with pytest.raises(RequestAuthError, match="not a peer"):
        check(sign_request(key("TUR"), "TUR", "GEO", "GET", TARGET, T0))
    with pytest.raises(RequestAuthError, match="not a peer"):
        check(signed(node="GEO"))


@pytest.mark.parametrize("missing", [HEADER_NODE, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE])
def test_every_header_is_needed(missing: str) -> None:
    headers = signed()
    del headers[missing]
    with pytest.raises(RequestAuthError, match="no node credentials"):
        check(headers)


@pytest.mark.parametrize(
    ("header", "value"),
    [(HEADER_NONCE, "short"), (HEADER_TIMESTAMP, "soon"), (HEADER_SIGNATURE, "!!")],
)
def test_malformed_headers_are_refused(header: str, value: str) -> None:
    headers = signed() | {header: value}
    with pytest.raises(RequestAuthError):
        check(headers)


def test_a_replayed_request_is_refused() -> None:
    nonces = NonceCache()
    assert check(signed(), nonces=nonces) == "ARM"
    with pytest.raises(RequestAuthError, match="replayed"):
        check(signed(), nonces=nonces, now_offset=5)


def test_the_nonce_cache_forgets_after_its_window_and_within_its_capacity() -> None:
    cache = NonceCache(window=timedelta(seconds=10), capacity=2)
    assert cache.first_time("ARM", "a", T0)
    assert not cache.first_time("ARM", "a", T0)
    assert cache.first_time("AZE", "a", T0)  # per node
    assert cache.first_time("ARM", "b", T0)  # capacity 2: the oldest goes
    assert cache.first_time("ARM", "a", T0 + timedelta(seconds=1))
    assert cache.first_time("ARM", "c", T0 + timedelta(seconds=30))
    assert cache.first_time("AZE", "a", T0 + timedelta(seconds=30))


def test_the_target_is_path_and_query_as_sent() -> None:
    assert request_target(b"/v1/federation/records", b"after=1&limit=2") == (
        "/v1/federation/records?after=1&limit=2"
    )
    assert request_target("/v1/health") == "/v1/health"
