"""Personal-data reads per user, counted across workers (``personal_reads``), and the secret
that rounds the statistics' small cells (``node_meta``: ``statistics_secret``).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "personal_reads",
        sa.Column("user_name", sa.String(100), nullable=False),
        sa.Column("due_us", sa.BigInteger(), nullable=False),
        sa.Column("alarmed_until_us", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("user_name", name=op.f("pk_personal_reads")),
    )
    meta = sa.table("node_meta", sa.column("key", sa.String), sa.column("value", sa.String))
    op.bulk_insert(meta, [{"key": "statistics_secret", "value": secrets.token_hex(32)}])


def downgrade() -> None:
    op.execute("DELETE FROM node_meta WHERE key = 'statistics_secret'")
    op.drop_table("personal_reads")
