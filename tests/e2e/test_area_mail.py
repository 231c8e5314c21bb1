"""``cta area --demo`` runs a local SMTP sink: mail the nodes queue lands in DIR/mail/*.eml."""

from __future__ import annotations

import email
import email.policy
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

from cta.bootstrap import build_node
from cta.services.mail import enqueue_mail
from cta.settings import Settings

from .test_area import Area


def test_the_demo_area_keeps_the_mail_its_nodes_send(tmp_path: Path) -> None:
    area = Area(tmp_path / "area")
    try:
        started = area.started()
        assert str(tmp_path / "area" / "mail") in started["mail"]
        node = build_node(Settings(state="ARM", alert_snapshot="off",
                                   database_url=f"sqlite:///{tmp_path / 'area' / 'ARM.sqlite'}"),
                          migrate_schema=False)  # fmt: skip
        try:
            with node.store.transaction() as tx:
                enqueue_mail(tx, to="anahit@example.am", language="hy", template="refused",
                             params={"number": "ARM-V-7", "kind": "visa",
                                     "reasons": ["Ճամփորդության նպատակը հիմնավորված չէ։"]},
                             now=datetime.now(UTC))  # fmt: skip
        finally:
            node.store.engine.dispose()  # type: ignore[attr-defined]
        deadline = time.monotonic() + 60
        while not list((tmp_path / "area" / "mail").glob("*.eml")) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert area.stop(signal.SIGTERM) == 0, area.errors
    finally:
        if area.process.returncode is None:
            area.process.kill()
            area.finish()
    [kept] = (tmp_path / "area" / "mail").glob("*.eml")
    mail = email.message_from_bytes(kept.read_bytes(), policy=email.policy.default)
    assert mail["To"] == "anahit@example.am"
    assert mail["From"] == "no-reply@arm.cta.example"
    assert mail["Subject"] == "Ձեր ARM-V-7 դիմումը մերժվել է"
