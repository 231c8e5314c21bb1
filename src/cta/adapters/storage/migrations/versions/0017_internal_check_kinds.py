"""The kind of a reintroduction of internal border checks (the 2024 amendment's unforeseeable,
foreseeable, overall_risk: ``cta.domain.internal_checks``, the regime's ``internal_checks``);
every reintroduction filed before this revision is of the one kind a regime had then,
``default``.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("internal_checks") as batch:
        batch.add_column(sa.Column("kind", sa.String(40), nullable=False,
                                   server_default="default"))  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("internal_checks") as batch:
        batch.drop_column("kind")
