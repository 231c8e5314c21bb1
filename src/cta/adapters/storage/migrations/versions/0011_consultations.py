"""Consultations between member states on applications (``consultations``).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "consultations",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("ref", sa.String(40), nullable=False),
        sa.Column("application", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("asking_state", sa.String(3), nullable=False),
        sa.Column("consulted_state", sa.String(3), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("grounds", sa.JSON(), nullable=False),
        sa.Column("applicant", sa.JSON(), nullable=False),
        sa.Column("person_id", Id, nullable=True),
        sa.Column("asked_by", sa.String(100), nullable=True),
        sa.Column("asked_at", UTC, nullable=False),
        sa.Column("due_at", UTC, nullable=False),
        sa.Column("opinion", sa.String(10), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=True),
        sa.Column("answered_at", UTC, nullable=True),
        sa.Column("answered_by", sa.String(100), nullable=True),
        sa.Column("origin", sa.String(3), nullable=True),
        sa.Column("record_seq", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE",
                                name=op.f("fk_consultations_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultations")),
        sa.UniqueConstraint("ref", name=op.f("uq_consultations_ref")),
    )
    op.create_index(op.f("ix_consultations_consulted_state_answered_at"), "consultations",
                    ["consulted_state", "answered_at"])
    op.create_index(op.f("ix_consultations_asking_state_application"), "consultations",
                    ["asking_state", "application"])
    op.create_index(op.f("ix_consultations_person_id"), "consultations", ["person_id"])


def downgrade() -> None:
    op.drop_table("consultations")
