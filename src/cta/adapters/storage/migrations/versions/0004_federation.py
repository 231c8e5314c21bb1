"""Federation: every origin's sealed records, the chain heads, the peers' sync status; the
origin of each crossing and refusal.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "records",
        sa.Column("origin", sa.String(3), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", Stamp, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("wire", sa.JSON(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("person_id", Id, nullable=True),
        sa.Column("received_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("origin", "seq", name=op.f("pk_records")),
    )
    op.create_index("ix_records_person_id", "records", ["person_id"])
    op.create_table(
        "chain_heads",
        sa.Column("origin", sa.String(3), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("at", Stamp, nullable=True),
        sa.Column("outbox_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("origin", name=op.f("pk_chain_heads")),
    )
    op.create_table(
        "peer_status",
        sa.Column("peer", sa.String(3), nullable=False),
        sa.Column("endpoint", sa.String(200), nullable=False),
        sa.Column("remote_last_seq", sa.BigInteger(), nullable=True),
        sa.Column("last_success_at", Stamp, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", Stamp, nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("rejections", sa.Integer(), nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("peer", name=op.f("pk_peer_status")),
    )
    for table in ("crossings", "refusals"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("origin", sa.String(3), nullable=True))


def downgrade() -> None:
    for table in ("crossings", "refusals"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("origin")
    op.drop_table("peer_status")
    op.drop_table("chain_heads")
    op.drop_index("ix_records_person_id", table_name="records")
    op.drop_table("records")
