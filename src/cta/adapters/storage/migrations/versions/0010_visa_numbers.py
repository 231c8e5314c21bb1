"""Visa numbers: an issued visa's number, unique in the area, and its MRV MRZ lines; and the
sequence of this node's visa numbers (``node_meta``: ``visa_sequence``), never reused, even
after a visa is revoked or deleted at the end of its retention.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("visas") as batch:
        batch.add_column(sa.Column("visa_number", sa.String(9), nullable=True))
        batch.add_column(sa.Column("mrz", sa.JSON(), nullable=True))
    op.create_index("ix_visas_visa_number", "visas", ["visa_number"], unique=True)
    meta = sa.table("node_meta", sa.column("key", sa.String), sa.column("value", sa.String))
    op.bulk_insert(meta, [{"key": "visa_sequence", "value": "0"}])


def downgrade() -> None:
    op.execute("DELETE FROM node_meta WHERE key = 'visa_sequence'")
    op.drop_index("ix_visas_visa_number", table_name="visas")
    with op.batch_alter_table("visas") as batch:
        batch.drop_column("mrz")
        batch.drop_column("visa_number")
