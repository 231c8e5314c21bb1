"""The node keeps an idle connection longer than those who hold one open to it."""

from __future__ import annotations

import httpx

from cta.settings import Settings


def test_the_node_gives_an_idle_connection_up_after_its_clients_and_proxies_do() -> None:
    """A client that reuses a connection the node is closing loses its request unanswered
    ("Server disconnected without sending a response"); httpx keeps an idle connection 5 s,
    nginx's upstream keep-alive and AWS's load balancer 60 s."""
    node = Settings.model_fields["keep_alive_timeout"].default
    assert node > httpx.Limits().keepalive_expiry
    assert node > 60
