"""Retention from the last record of any kind; outbox records know whose data they carry.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("persons") as batch:
        batch.add_column(sa.Column("last_seen", sa.Date(), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("person_id", Id, nullable=True))
        batch.create_index("ix_outbox_person_id", ["person_id"])
    op.execute(
        """
        UPDATE persons SET last_seen = (
            SELECT max(day) FROM (
                SELECT local_date AS day FROM crossings WHERE crossings.person_id = persons.id
                UNION ALL
                SELECT local_date AS day FROM refusals WHERE refusals.person_id = persons.id
            ) AS seen
        )
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_person_id")
        batch.drop_column("person_id")
    with op.batch_alter_table("persons") as batch:
        batch.drop_column("last_seen")
