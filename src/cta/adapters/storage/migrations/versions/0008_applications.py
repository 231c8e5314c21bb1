"""Applications for a travel authorisation or a common visa, and the refusals, annulments and
revocations of applications anywhere in the area (``cta.services.applications``).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(13), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("access_hash", sa.String(64), nullable=False),
        sa.Column("first_state", sa.String(3), nullable=False),
        sa.Column("issuing_state", sa.String(3), nullable=False),
        sa.Column("document_number", sa.String(30), nullable=False),
        sa.Column("nationality", sa.String(3), nullable=False),
        sa.Column("surname", sa.String(200), nullable=False),
        sa.Column("birth_date_raw", sa.String(6), nullable=False),
        sa.Column("person_id", _ID, nullable=True),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("review", sa.JSON(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("submitted_at", _UTC, nullable=False),
        sa.Column("deadline", _UTC, nullable=False),
        sa.Column("information_requested_at", _UTC, nullable=True),
        sa.Column("interview_at", _UTC, nullable=True),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("decided_at", _UTC, nullable=True),
        sa.Column("decision", sa.JSON(), nullable=True),
        sa.Column("permit_id", _ID, nullable=True),
        sa.Column("permit_outbox_seq", sa.BigInteger(), nullable=True),
        sa.Column("decision_outbox_seq", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("number", name=op.f("uq_applications_number")),
    )
    op.create_index(op.f("ix_applications_first_state_status_deadline"), "applications",
                    ["first_state", "status", "deadline"])  # fmt: skip
    op.create_index(op.f("ix_applications_issuing_state_document_number"), "applications",
                    ["issuing_state", "document_number"])  # fmt: skip
    op.create_table(
        "application_decisions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("origin", sa.String(3), nullable=False),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(13), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("issuing_state", sa.String(3), nullable=False),
        sa.Column("document_number", sa.String(30), nullable=False),
        sa.Column("nationality", sa.String(3), nullable=False),
        sa.Column("surname", sa.String(200), nullable=False),
        sa.Column("birth_date_raw", sa.String(6), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("decided_at", _UTC, nullable=False),
        sa.Column("record_seq", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_decisions")),
    )
    for columns in (["issuing_state", "document_number"],
                    ["nationality", "birth_date_raw", "surname"], ["origin", "number"]):
        op.create_index(op.f(f"ix_application_decisions_{'_'.join(columns)}"),
                        "application_decisions", columns)  # fmt: skip


def downgrade() -> None:
    op.drop_table("application_decisions")
    op.drop_table("applications")
