"""Record references: which record wrote a row, so that a later record can correct it.

A crossing, refusal, visa or authorisation that a peer's record wrote keeps that record's
``record_seq`` (with ``origin``); one this node made keeps the ``outbox_seq`` of the outbox row
it emitted, which the sealer turns into a record number (``records.outbox_seq``); so does an
alert this node issued (``alerts.outbox_seq``). A correction, revocation, alert change or
withdrawal emitted here names the outbox row it supersedes (``outbox.supersedes``).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_REFERENCED = ("crossings", "refusals", "visas", "authorizations")


def upgrade() -> None:
    for table in _REFERENCED:
        with op.batch_alter_table(table) as batch:
            if table in ("visas", "authorizations"):
                batch.add_column(sa.Column("origin", sa.String(3), nullable=True))
            batch.add_column(sa.Column("record_seq", sa.BigInteger(), nullable=True))
            batch.add_column(sa.Column("outbox_seq", sa.BigInteger(), nullable=True))
        peers = sa.text("record_seq IS NOT NULL")  # partial: a peer's rows only
        op.create_index(f"ix_{table}_origin_record_seq", table, ["origin", "record_seq"],
                        postgresql_where=peers, sqlite_where=peers)
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("supersedes", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("outbox_seq", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("outbox_seq", sa.BigInteger(), nullable=True))
    op.create_index("ix_records_outbox_seq", "records", ["outbox_seq"])


def downgrade() -> None:
    op.drop_index("ix_records_outbox_seq", table_name="records")
    with op.batch_alter_table("records") as batch:
        batch.drop_column("outbox_seq")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("outbox_seq")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("supersedes")
    for table in _REFERENCED:
        op.drop_index(f"ix_{table}_origin_record_seq", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("outbox_seq")
            batch.drop_column("record_seq")
            if table in ("visas", "authorizations"):
                batch.drop_column("origin")
