"""Temporary checks at internal borders: the reintroductions (``internal_checks``) and the
checks made under them (``internal_check_records``), kept apart from crossings.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "internal_checks",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("ref", sa.String(40), nullable=False),
        sa.Column("state", sa.String(3), nullable=False),
        sa.Column("crossing_points", sa.JSON(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("ground", sa.Text(), nullable=False),
        sa.Column("prolongations", sa.JSON(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("declared_at", UTC, nullable=False),
        sa.Column("declared_by", sa.String(100), nullable=True),
        sa.Column("origin", sa.String(3), nullable=True),
        sa.Column("record_seq", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_internal_checks")),
        sa.UniqueConstraint("ref", name=op.f("uq_internal_checks_ref")),
    )
    op.create_index(op.f("ix_internal_checks_state_first_day"), "internal_checks",
                    ["state", "first_day"])
    op.create_table(
        "internal_check_records",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("reintroduction", sa.String(40), nullable=False),
        sa.Column("person_id", Id, nullable=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("nationality", sa.String(3), nullable=False),
        sa.Column("crossing_point", sa.String(40), nullable=False),
        sa.Column("direction", sa.String(5), nullable=False),
        sa.Column("occurred_at", UTC, nullable=False),
        sa.Column("time_zone", sa.String(40), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("officer", sa.String(100), nullable=False),
        sa.Column("decision", sa.String(6), nullable=False),
        sa.Column("outcome", sa.String(8), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("recorded_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE",
                                name=op.f("fk_internal_check_records_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_internal_check_records")),
    )
    op.create_index(op.f("ix_internal_check_records_local_date_crossing_point"),
                    "internal_check_records", ["local_date", "crossing_point"])
    op.create_index(op.f("ix_internal_check_records_occurred_at"), "internal_check_records",
                    ["occurred_at"])
    op.create_index(op.f("ix_internal_check_records_person_id"), "internal_check_records",
                    ["person_id"])


def downgrade() -> None:
    op.drop_table("internal_check_records")
    op.drop_table("internal_checks")
