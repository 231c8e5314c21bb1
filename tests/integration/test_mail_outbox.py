"""The mail outbox against a real SMTP server (aiosmtpd, our ``MailSink``) and a real database
(SQLite and PostgreSQL): queued with the decision, sent, retried, never lost, never twice."""

from __future__ import annotations

import email
import email.policy
import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from cta.adapters.mail.sink import MailSink
from cta.adapters.mail.smtp import SmtpTransport
from cta.adapters.storage import tables as t
from cta.adapters.storage.mail_outbox import SqlMailOutbox
from cta.adapters.storage.store import SqlStore
from cta.bootstrap import build_node
from cta.domain.mail import MailError
from cta.services.mail import SEND_ACTION, MailSender, enqueue_mail
from cta.services.node import Node
from cta.settings import Settings
from tests.integration.node_server import CTA, NodeServer, free_port

START = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
SENDER = "cta@geo.example"


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Outbox:
    """The node's database opened by a process of its own: a store and the clock it reads."""

    url: str
    clock: Clock = field(default_factory=Clock)
    nodes: list[Node] = field(default_factory=list)

    def node(self) -> Node:
        node = build_node(Settings(database_url=self.url, alert_snapshot="off"))
        self.nodes.append(node)
        return node

    def sender(self, port: int, **options: object) -> MailSender:
        store = self.node().store
        assert isinstance(store, SqlStore)
        return MailSender(SqlMailOutbox(store), SmtpTransport("127.0.0.1", port, timeout=5),
                          sender=SENDER, node="GEO", clock=self.clock,
                          retention=timedelta(days=30), **options)  # type: ignore[arg-type]

    @property
    def store(self) -> SqlStore:
        """The store of the first process (the one that queues mail and counts)."""
        store = (self.nodes[0] if self.nodes else self.node()).store
        assert isinstance(store, SqlStore)
        return store

    def queue(self, to: str, language: str = "en", template: str = "granted", **params: object,
              ) -> None:  # fmt: skip
        store = self.store
        defaults: dict[str, object] = {"number": "GEO-A-0001", "kind": "authorization",
                                       "valid_from": date(2027, 1, 1),
                                       "valid_to": date(2029, 12, 31)}  # fmt: skip
        with store.transaction() as tx:
            enqueue_mail(tx, to=to, language=language, template=template,
                         params=defaults | params, now=self.clock())  # fmt: skip

    def status(self) -> dict[str, object]:
        return SqlMailOutbox(self.store).status().to_json()

    def rows(self) -> int:
        with self.store.transaction(read_only=True) as tx:
            return int(tx.c.execute(select(func.count()).select_from(t.mail_outbox)).scalar_one())

    def close(self) -> None:
        for node in self.nodes:
            node.store.engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture
def outbox(database_url: str) -> Iterator[Outbox]:
    box = Outbox(database_url)
    try:
        yield box
    finally:
        box.close()


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[MailSink]:
    server = MailSink(tmp_path / "mail").start()
    try:
        yield server
    finally:
        server.stop()


def received(sink: MailSink) -> list[EmailMessage]:
    mails = []
    for path in sink.received():
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        mails.append(parsed)
    return mails


def test_a_queued_mail_arrives_in_the_applicants_language(outbox: Outbox, sink: MailSink) -> None:
    outbox.queue("nino@example.ge", "ka", "granted")
    outbox.queue("ivan@example.ru", "ru", "refused",
                 reasons=["Документ признан недействительным.", "Запрет на въезд."])
    outbox.queue("ann@example.org", "de", "information_requested",
                 reasons=["A copy of your hotel booking."],
                 deadline=datetime(2026, 12, 20, 12, 0, tzinfo=UTC))  # fmt: skip

    assert outbox.sender(sink.port).send_due() == 3

    by_address = {mail["To"]: mail for mail in received(sink)}
    assert set(by_address) == {"nino@example.ge", "ivan@example.ru", "ann@example.org"}
    georgian = by_address["nino@example.ge"]
    assert georgian["Subject"] == "თქვენი განაცხადი GEO-A-0001 დაკმაყოფილდა"
    assert "მოქმედების ვადა: 2027-01-01 – 2029-12-31" in georgian.get_content()
    assert "მგზავრობის ნებართვა" in georgian.get_content()
    assert georgian["From"] == SENDER
    russian = by_address["ivan@example.ru"]
    assert russian["Subject"] == "По заявлению GEO-A-0001 принято решение об отказе"
    assert "- Документ признан недействительным.\n- Запрет на въезд." in russian.get_content()
    english = by_address["ann@example.org"]  # no German templates: English
    assert english["Subject"] == "Application GEO-A-0001: more information needed"
    assert "Please answer by: 2026-12-20T12:00Z" in english.get_content()
    assert outbox.status() | {"oldest_queued_at": None} == {
        "queued": 0, "failing": 0, "sent": 3, "given_up": 0, "last_error": None,
        "oldest_queued_at": None}  # fmt: skip


def test_each_sent_mail_is_in_the_audit_log(outbox: Outbox, sink: MailSink) -> None:
    outbox.queue("nino@example.ge", "ka", "received", number="GEO-A-0042")
    outbox.sender(sink.port).send_due()
    with outbox.store.transaction(read_only=True) as tx:
        entries = [e for e in tx.audit_page(0, 100) if e["action"] == SEND_ACTION]
    assert len(entries) == 1
    assert entries[0]["detail"]["number"] == "GEO-A-0042"
    assert entries[0]["purpose"] == "informing the applicant"


def test_a_decision_that_fails_leaves_no_mail(outbox: Outbox) -> None:
    store = outbox.store
    with pytest.raises(RuntimeError), store.transaction() as tx:
        enqueue_mail(tx, to="nino@example.ge", language="ka", template="received",
                     params={"number": "GEO-A-1", "kind": "visa"}, now=outbox.clock())
        raise RuntimeError("the decision could not be stored")
    assert outbox.rows() == 0


@pytest.mark.parametrize(("to", "template", "params", "says"), [
    ("not an address", "received", {"number": "1", "kind": "visa"}, "to:"),
    ("a@example.org\r\nBcc: b@example.org", "received", {"number": "1", "kind": "visa"}, "to:"),
    ("a@example.org", "welcome", {"number": "1", "kind": "visa"}, "template:"),
    ("a@example.org", "granted", {"number": "1", "kind": "visa"}, "valid_from, valid_to"),
    ("a@example.org", "received", {"number": "1", "kind": "visa", "x": 1}, "unknown x"),
])  # fmt: skip
def test_a_mail_that_cannot_be_sent_is_refused_when_queued(
    outbox: Outbox, to: str, template: str, params: dict[str, object], says: str,
) -> None:  # fmt: skip
    store = outbox.store
    with pytest.raises(MailError, match=says), store.transaction() as tx:
        enqueue_mail(tx, to=to, language="en", template=template, params=params,
                     now=outbox.clock())  # fmt: skip
    assert outbox.rows() == 0


def test_a_server_that_is_down_is_tried_again_later(outbox: Outbox, tmp_path: Path) -> None:
    port = free_port()  # nothing listens here yet
    outbox.queue("nino@example.ge", "hy", "received")
    sender = outbox.sender(port)

    assert sender.send_due() == 0
    status = outbox.status()
    assert (status["queued"], status["failing"]) == (1, 1)
    assert "127.0.0.1" in str(status["last_error"])
    outbox.clock.advance(seconds=30)
    assert sender.send_due() == 0  # not due before a minute has passed: no try at all

    server = MailSink(tmp_path / "mail", port=port).start()
    try:
        outbox.clock.advance(seconds=31)
        assert sender.send_due() == 1
        mails = received(server)
    finally:
        server.stop()
    assert [m["Subject"] for m in mails] == ["Ձեր GEO-A-0001 դիմումը ստացվել է"]
    assert outbox.status()["sent"] == 1


def test_retries_back_off_and_stop_two_days_after_the_mail_was_queued(outbox: Outbox) -> None:
    port = free_port()
    outbox.queue("nino@example.ge")
    sender = outbox.sender(port)
    waits = []
    while outbox.status()["queued"]:
        before = outbox.clock.now
        sender.send_due()
        due = _next_attempt(outbox)
        if due is not None:
            waits.append(due - before)
            outbox.clock.now = due
    assert waits[:8] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60, 60)]
    status = outbox.status()
    assert (status["given_up"], status["queued"]) == (1, 0)
    assert "Connection refused" in str(status["last_error"])
    assert outbox.clock.now == START + timedelta(days=2)  # the last try, at the two days
    with outbox.store.transaction(read_only=True) as tx:
        attempts = tx.c.execute(select(t.mail_outbox.c.attempts)).scalar_one()
    assert attempts == len(waits) + 1


def _next_attempt(outbox: Outbox) -> datetime | None:
    with outbox.store.transaction(read_only=True) as tx:
        value = tx.c.execute(select(t.mail_outbox.c.next_attempt_at)).scalar_one()
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_a_new_sender_after_a_restart_loses_nothing_and_sends_nothing_twice(
    outbox: Outbox, sink: MailSink,
) -> None:  # fmt: skip
    for n in range(3):
        outbox.queue(f"applicant{n}@example.org", number=f"GEO-A-{n}")
    first = outbox.sender(sink.port, batch=2)
    assert first.send_due() == 2
    # the process dies here; a new one opens the same database
    second = outbox.sender(sink.port, batch=2)
    assert second.send_due() == 1
    assert second.send_due() == 0
    assert sorted(m["To"] for m in received(sink)) == [
        "applicant0@example.org", "applicant1@example.org", "applicant2@example.org"]


def test_a_mail_claimed_by_a_sender_that_died_is_sent_after_its_lease(
    outbox: Outbox, sink: MailSink,
) -> None:  # fmt: skip
    outbox.queue("nino@example.ge")
    dead = outbox.sender(sink.port)
    assert len(dead.outbox.claim(outbox.clock(), dead.lease, 10)) == 1  # and then it died

    after = outbox.sender(sink.port)
    assert after.send_due() == 0  # still leased to the dead one
    outbox.clock.advance(minutes=5)
    assert after.send_due() == 1
    assert len(received(sink)) == 1


def test_two_senders_at_once_send_each_mail_once(outbox: Outbox, sink: MailSink) -> None:
    mails = 40
    for n in range(mails):
        outbox.queue(f"applicant{n}@example.org", number=f"GEO-A-{n}")
    senders = [outbox.sender(sink.port, batch=3) for _ in range(2)]
    counts = [0, 0]
    start = threading.Barrier(2)

    def run(i: int) -> None:
        start.wait()
        while (sent := senders[i].send_due()) or outbox.status()["queued"]:
            counts[i] += sent

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    addresses = [m["To"] for m in received(sink)]
    assert sorted(addresses) == sorted(f"applicant{n}@example.org" for n in range(mails))
    assert sum(counts) == mails
    assert len({m["Message-ID"] for m in received(sink)}) == mails


def test_sent_mails_are_deleted_after_the_retention(outbox: Outbox, sink: MailSink) -> None:
    outbox.queue("old@example.org")
    sender = outbox.sender(sink.port)
    sender.send_due()
    outbox.clock.advance(days=10)
    outbox.queue("new@example.org")  # queued, not sent: kept whatever its age
    assert sender.purge() == 0
    outbox.clock.advance(days=21)
    assert sender.purge() == 1
    assert outbox.rows() == 1
    assert outbox.status()["queued"] == 1


# -- in the node: `cta serve` sends, a restart loses nothing, `cta mail status` counts ----------


def wait_for(count: int, sink: MailSink, seconds: float = 60.0) -> list[EmailMessage]:
    """The sink's mails once it holds ``count`` (or whatever it holds after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while len(sink.received()) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return received(sink)


def queue_now(url: str, to: str, number: str) -> None:
    node = build_node(Settings(database_url=url, alert_snapshot="off"))
    try:
        with node.store.transaction() as tx:
            enqueue_mail(tx, to=to, language="az", template="received",
                         params={"number": number, "kind": "visa"}, now=datetime.now(UTC))
    finally:
        node.store.engine.dispose()  # type: ignore[attr-defined]


def mail_status(url: str) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTA_")}
    done = subprocess.run([str(CTA), "mail", "status", "--json", "--database", url], env=env,
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    answer: dict[str, object] = json.loads(done.stdout)
    return answer


def test_cta_serve_sends_the_outbox_and_a_restart_loses_nothing(
    database_url: str, sink: MailSink, tmp_path: Path,
) -> None:  # fmt: skip
    smtp = {"CTA_SMTP_HOST": "127.0.0.1", "CTA_SMTP_PORT": str(sink.port),
            "CTA_SMTP_FROM": SENDER, "CTA_ALERT_SNAPSHOT": "off"}  # fmt: skip
    with NodeServer(database_url, tmp_path / "node", env=smtp) as server:
        queue_now(database_url, "leyla@example.az", "GEO-V-1")
        first = wait_for(1, sink)
        assert [m["Subject"] for m in first] == ["GEO-V-1 nömrəli müraciətiniz qəbul edildi"]
        deadline = time.monotonic() + 30  # the sender marks it sent just after the server's OK
        while mail_status(database_url)["sent"] != 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        server.kill()  # a crash
        queue_now(database_url, "rashad@example.az", "GEO-V-2")  # while the node is down
        assert mail_status(database_url)["queued"] == 1
        server.start()
        mails = wait_for(2, sink)
    assert sorted(m["To"] for m in mails) == ["leyla@example.az", "rashad@example.az"]
    status = mail_status(database_url)
    assert (status["queued"], status["sent"]) == (0, 2)
    # the node's server, as it noted it at its start, though this shell has no CTA_SMTP_HOST
    assert (status["smtp"], status["smtp_known"]) == (f"127.0.0.1:{sink.port}", True)


def test_without_a_mail_server_the_node_keeps_the_mail_waiting(
    database_url: str, tmp_path: Path,
) -> None:  # fmt: skip
    with NodeServer(database_url, tmp_path / "node", env={"CTA_ALERT_SNAPSHOT": "off"}) as node:
        queue_now(database_url, "leyla@example.az", "GEO-V-3")
        status = mail_status(database_url)
        health: dict[str, object] = {}
        deadline = time.monotonic() + 60  # /v1/health counts the outbox every ten seconds
        with node.client() as client:
            while health.get("mail") != {"queued": 1, "failing": 0}:
                assert time.monotonic() < deadline, health
                health = client.get("/v1/health").json()
                time.sleep(0.5)
    assert (status["queued"], status["failing"], status["sent"]) == (1, 0, 0)
    assert status["oldest_queued_at"] is not None
    assert (status["smtp"], status["smtp_known"]) == (None, True)  # noted: no server


def test_a_mail_server_without_a_from_address_stops_the_node_at_its_start(
    database_url: str, tmp_path: Path,
) -> None:  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTA_")} | {
        "CTA_DATABASE_URL": database_url, "CTA_SMTP_HOST": "127.0.0.1"}
    done = subprocess.run([str(CTA), "serve", "--init", "--port", str(free_port())], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode != 0
    assert "CTA_SMTP_FROM" in done.stderr and "Traceback" not in done.stderr


class Refusing:
    """An SMTP server's handler that refuses some recipients: nobody@ for good (550), busy@
    for now (451), and takes the rest."""

    def __init__(self) -> None:
        self.taken: list[str] = []

    async def handle_RCPT(self, server: object, session: object, envelope: Any, address: str,
                          options: object) -> str:  # fmt: skip
        if address.startswith("nobody@"):
            return "550 5.1.1 no such mailbox"
        if address.startswith("busy@"):
            return "451 4.3.0 mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.taken.extend(envelope.rcpt_tos)
        return "250 OK"


def test_a_mailbox_refused_for_good_is_given_up_at_once_one_busy_is_tried_again(
    outbox: Outbox,
) -> None:  # fmt: skip
    from aiosmtpd.controller import Controller

    handler = Refusing()
    server = Controller(handler, hostname="127.0.0.1", port=free_port())
    server.start()
    try:
        for to in ("nobody@example.org", "busy@example.org", "nino@example.ge"):
            outbox.queue(to)
        assert outbox.sender(server.port).send_due() == 1
    finally:
        server.stop()
    status = outbox.status()
    assert handler.taken == ["nino@example.ge"]
    assert (status["sent"], status["given_up"], status["queued"], status["failing"]) == (1, 1,
                                                                                         1, 1)
    with outbox.store.transaction(read_only=True) as tx:
        errors = dict(tx.c.execute(select(t.mail_outbox.c.to, t.mail_outbox.c.last_error)).all())
    assert "550" in errors["nobody@example.org"] and "451" in errors["busy@example.org"]
