"""Audit entries written on the driver's cursor (``_PreparedInsert``) are stored exactly as
SQLAlchemy stores them, on both databases, and a failure is SQLAlchemy's error."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from cta.adapters.storage import tables as t
from cta.bootstrap import build_node
from cta.services.ports import AuditEntry
from cta.settings import Settings

AT = datetime(2026, 12, 6, 15, 4, 5, 123456, tzinfo=UTC)
ENTRY = AuditEntry("officer.ka", "border_officer", "check", "визовая проверка", None,
                   {"crossing_point": "GEO-TBS", "alert_hits": ["GEO/1"], "n": 1})  # fmt: skip


def test_an_audit_entry_is_stored_as_sqlalchemy_stores_it(database_url: str) -> None:
    store = build_node(Settings(database_url=database_url)).store
    with store.transaction() as tx:
        tx.audit_many([(ENTRY, AT), (ENTRY, AT)])
        row = {"at": AT, "user_name": ENTRY.user_name, "role": ENTRY.role,
               "action": ENTRY.action, "person_id": ENTRY.person_id, "purpose": ENTRY.purpose,
               "detail": ENTRY.detail}  # fmt: skip
        tx.c.execute(insert(t.audit_log), [row])  # type: ignore[attr-defined]
    engine = store.engine  # type: ignore[attr-defined]
    texts = "at::text, detail::text" if engine.dialect.name == "postgresql" else "at, detail"
    with engine.connect() as connection:
        raw = connection.execute(text(f"SELECT user_name, role, action, person_id, purpose, "
                                      f"{texts} FROM audit_log ORDER BY id")).all()  # fmt: skip
        read = connection.execute(select(t.audit_log).order_by(t.audit_log.c.id)).all()
    assert len(raw) == 3 and raw[0] == raw[1] == raw[2]
    assert [tuple(r)[1:] for r in read[:2]] == [tuple(read[2])[1:]] * 2
    engine.dispose()


def test_a_failed_audit_insert_is_sqlalchemys_error(database_url: str) -> None:
    store = build_node(Settings(database_url=database_url)).store
    bad = AuditEntry("officer.ka", "border_officer", "check", None, None, {})  # type: ignore[arg-type]
    with pytest.raises(IntegrityError), store.transaction() as tx:
        tx.audit_many([(bad, AT)])  # purpose is NOT NULL
    store.engine.dispose()  # type: ignore[attr-defined]
