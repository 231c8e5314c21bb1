"""Limited territorial validity: the member states a visa or travel authorisation is valid in
(Visa Code Art. 25, ETIAS Art. 44), as "ARM GEO"; NULL is the whole area, as every permit
issued before this revision.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("visas", "authorizations"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("territorial_validity", sa.String(40), nullable=True))


def downgrade() -> None:
    for table in ("visas", "authorizations"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("territorial_validity")
