"""Alerts as the alerts issue defines them (any names, any script), their numbered changes,
officers' decisions on hits, and the database's name for the screening index's snapshots.

Alerts of the first schema (one surname, one given name) are carried over as alert records.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    connection = op.get_bind()
    old = connection.execute(sa.text(
        "SELECT id, category, surname, given_names, birth_date, nationality, issuing_state, "
        "created_at, withdrawn_at FROM alerts"
    )).fetchall()  # fmt: skip
    op.drop_table("alerts")
    alerts = op.create_table(
        "alerts",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("issuing_state", sa.String(3), nullable=True),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("changed_at", Stamp, nullable=False),
        sa.Column("withdrawn_at", Stamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    changes = op.create_table(
        "alert_changes",
        sa.Column("seq", Id, autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.String(100), nullable=False),
        sa.Column("change", sa.String(10), nullable=False),
        sa.Column("at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_alert_changes")),
    )
    op.create_table(
        "alert_decisions",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.String(100), nullable=False),
        sa.Column("alert_version", sa.Integer(), nullable=False),
        sa.Column("issuing_state", sa.String(3), nullable=False),
        sa.Column("document_number", sa.String(30), nullable=False),
        sa.Column("person_id", Id, nullable=True),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("officer", sa.String(100), nullable=False),
        sa.Column("at", Stamp, nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE",
                                name=op.f("fk_alert_decisions_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_decisions")),
    )  # fmt: skip
    op.create_index("ix_alert_decisions_issuing_state_document_number", "alert_decisions",
                    ["issuing_state", "document_number"])  # fmt: skip
    op.create_index("ix_alert_decisions_person_id", "alert_decisions", ["person_id"])
    meta = op.create_table(
        "node_meta",
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_node_meta")),
    )
    op.bulk_insert(meta, [{"key": "alerts_epoch", "value": str(uuid.uuid4())}])
    now = datetime.now(UTC)
    rows = [_carried(row, now) for row in old]
    if rows:
        op.bulk_insert(alerts, rows)
        op.bulk_insert(changes, [{"alert_id": r["id"], "change": "put", "at": now}
                                 for r in rows])  # fmt: skip


def _carried(row: sa.Row, now: datetime) -> dict[str, object]:
    alert_id, category, surname, given, birth, nationality, issuing, created, withdrawn = row
    record: dict[str, object] = {"id": alert_id, "category": category,
                                 "names": [f"{given} {surname}".strip()],
                                 "issuing_state": issuing}  # fmt: skip
    if birth:
        record["birth_date"] = birth
    if nationality:
        record["nationalities"] = [nationality]
    return {"id": alert_id, "category": category, "issuing_state": issuing,
            "record": json.loads(json.dumps(record)), "version": 1,
            "created_at": created or now, "changed_at": now, "withdrawn_at": withdrawn}  # fmt: skip


def downgrade() -> None:
    op.drop_table("node_meta")
    op.drop_index("ix_alert_decisions_person_id", table_name="alert_decisions")
    op.drop_index("ix_alert_decisions_issuing_state_document_number",
                  table_name="alert_decisions")  # fmt: skip
    op.drop_table("alert_decisions")
    op.drop_table("alert_changes")
    op.drop_table("alerts")
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("surname", sa.String(200), nullable=False),
        sa.Column("given_names", sa.String(200), nullable=False),
        sa.Column("birth_date", sa.String(10), nullable=True),
        sa.Column("nationality", sa.String(3), nullable=True),
        sa.Column("issuing_state", sa.String(3), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("withdrawn_at", Stamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
