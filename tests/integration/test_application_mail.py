"""Applicants hear of their application by mail, through a real SMTP server, in their
language: a real ``cta serve`` with ``CTA_SMTP_*`` set and the demo's mail sink (aiosmtpd).
Submitted and granted at once: two mails; a request for information gives the officer's
questions and the new deadline."""

from __future__ import annotations

import email
import email.policy
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from cta.adapters.mail.sink import MailSink
from cta.domain.roles import Role
from tests.integration.node_server import BOTH_DATABASES, NodeServer, add_user, module_database
from tests.integration.test_applications_api import form

SENDER = "visas@geo.example"


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def node(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[NodeServer, str, MailSink]]:  # fmt: skip
    """A node that sends its mail to a local SMTP server, and a consular officer's token."""
    workdir = tmp_path_factory.mktemp(f"application-mail-{request.param}")
    sink = MailSink(workdir / "mail").start()
    try:
        with module_database(request, workdir) as url:
            consul = add_user(url, "consul.mail", Role.CONSULAR_OFFICER)
            env = {"CTA_SMTP_HOST": "127.0.0.1", "CTA_SMTP_PORT": str(sink.port),
                   "CTA_SMTP_FROM": SENDER}  # fmt: skip
            with NodeServer(url, workdir / "node", env=env) as server:
                yield server, consul, sink
    finally:
        sink.stop()


def mails_to(sink: MailSink, address: str, count: int) -> list[EmailMessage]:
    """The mails to ``address``, once there are ``count`` of them (60 s at most)."""
    deadline = time.monotonic() + 60
    while True:
        found = []
        for path in sink.received():
            mail = email.message_from_bytes(Path(path).read_bytes(), policy=email.policy.default)
            assert isinstance(mail, EmailMessage)
            if mail["To"] == address:
                found.append(mail)
        if len(found) >= count or time.monotonic() > deadline:
            return sorted(found, key=lambda m: str(m["Date"]))


def apply(server: NodeServer, body: dict[str, object]) -> dict[str, str]:
    with server.client(None, None) as client:
        answer = client.post("/v1/applications", json=body,
                             headers={"Idempotency-Key": uuid.uuid4().hex})  # fmt: skip
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_a_granted_applicant_gets_two_mails_in_georgian(
    node: tuple[NodeServer, str, MailSink],
) -> None:
    server, _, sink = node
    address = f"{uuid.uuid4().hex[:8]}@example.org"
    applied = apply(server, form("USA", email=address, language="ka"))
    assert applied["status"] == "granted"
    mails = mails_to(sink, address, 2)
    assert len(mails) == 2, [m["Subject"] for m in mails]
    assert all(applied["number"] in str(m["Subject"]) for m in mails)
    assert all(m["From"] == SENDER for m in mails)
    bodies = [m.get_body(("plain",)).get_content() for m in mails]  # type: ignore[union-attr]
    assert any("ნებართვა" in b for b in bodies), bodies  # "authorisation", in Georgian
    assert applied["access_code"] not in "".join(bodies)  # the code is shown once, not mailed


def test_a_request_for_information_mails_the_questions_and_the_deadline(
    node: tuple[NodeServer, str, MailSink],
) -> None:
    server, consul, sink = node
    address = f"{uuid.uuid4().hex[:8]}@example.org"
    yes = {"convictions": True, "conflict_zones": False, "removal_orders": False}
    applied = apply(server, form("USA", email=address, answers=yes))
    assert applied["status"] == "manual"
    number = applied["number"]
    with server.client(consul, "consular examination") as client:
        assert client.post(f"/v1/applications/{number}/claim").status_code == 200
        asked = client.post(f"/v1/applications/{number}/information-request",
                            json={"questions": "Which court, and when was the sentence?"})
        assert asked.status_code == 200, asked.text
    mails = mails_to(sink, address, 2)
    assert len(mails) == 2, [m["Subject"] for m in mails]
    last = mails[-1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Which court, and when was the sentence?" in last
    assert asked.json()["deadline"][:10] in last
