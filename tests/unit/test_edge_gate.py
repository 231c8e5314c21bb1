"""What the HTTP edge's gate waits for after a request's head (``body_to_wait_for``)."""

from __future__ import annotations

import pytest

from cta.entrypoints.api.connections import BOUNDS, body_to_wait_for


def head(*headers: str) -> bytes:
    return ("POST /v1/checks HTTP/1.1\r\nHost: node\r\n"
            + "".join(f"{h}\r\n" for h in headers)).encode()  # fmt: skip


def test_a_request_without_a_body_is_handed_over_with_its_head() -> None:
    assert body_to_wait_for(head()) == 0


@pytest.mark.parametrize("header", ["Content-Length: 12", "content-length:12",
                                    "CONTENT-LENGTH: \t12 "])  # fmt: skip
def test_a_body_of_known_length_is_waited_for_whatever_the_header_case(header: str) -> None:
    assert body_to_wait_for(head(header)) == 12


def test_a_body_as_long_as_the_limit_is_waited_for_and_one_byte_more_is_not() -> None:
    limit = BOUNDS.max_body_bytes
    assert body_to_wait_for(head(f"Content-Length: {limit}")) == limit
    assert body_to_wait_for(head(f"Content-Length: {limit + 1}")) is None  # answered 413


@pytest.mark.parametrize("headers", [
    ("Transfer-Encoding: chunked",),  # streamed: the protocol counts it against the limit
    ("Expect: 100-continue", "Content-Length: 12"),  # the client waits for 100 Continue
    ("Content-Length: 12", "Content-Length: 12"),  # two lengths: the parser judges
    ("Content-Length: twelve",),  # not a number: the parser answers 400
    ("Content-Length: 1, 2",),
    ("Content-Length: 99999999999999999999",),  # over the limit at any rate
])  # fmt: skip
def test_anything_else_goes_to_the_http_protocol_at_once(headers: tuple[str, ...]) -> None:
    assert body_to_wait_for(head(*headers)) is None
