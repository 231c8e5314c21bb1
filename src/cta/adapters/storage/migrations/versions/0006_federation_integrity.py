"""Federation integrity: erasures proven by their origin, records kept but not applied, and
peers' decisions on alert hits.

``records.erased_by`` is the seq of the origin's ``RetentionDeletion`` naming a record (a page
that carries the record without its payload carries that proof, docs/federation.md);
``records.not_applied`` says why a peer's record was kept without being applied, and
``chain_heads.not_applied`` counts them per origin; ``alert_decisions.origin`` is the state
whose officer decided (NULL: this node's own), ``record_seq`` its record. Existing
``RetentionDeletion`` records are read to fill ``erased_by``.

On SQLite the outbox numbers its rows with AUTOINCREMENT from now on, starting above any row
sealed: a plain rowid reused the number of rows a retention deletion had removed, and the
sealer (which seals only rows above the last one it sealed) never sealed the deletion's row.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_NOT_APPLIED = sa.text("not_applied IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("erased_by", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("not_applied", sa.Text(), nullable=True))
    op.create_index("ix_records_not_applied", "records", ["origin", "seq"],
                    postgresql_where=_NOT_APPLIED, sqlite_where=_NOT_APPLIED)  # fmt: skip
    with op.batch_alter_table("chain_heads") as batch:
        batch.add_column(sa.Column("not_applied", sa.Integer(), nullable=False,
                                   server_default=sa.text("0")))  # fmt: skip
    with op.batch_alter_table("alert_decisions") as batch:
        batch.add_column(sa.Column("origin", sa.String(3), nullable=True))
        batch.add_column(sa.Column("record_seq", sa.BigInteger(), nullable=True))
    _fill_erased_by()
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("outbox", recreate="always",
                                  table_kwargs={"sqlite_autoincrement": True}):
            pass
        _renumber_orphans()
        op.execute("INSERT INTO sqlite_sequence (name, seq) SELECT 'outbox', 0 WHERE NOT EXISTS "
                   "(SELECT 1 FROM sqlite_sequence WHERE name = 'outbox')")
        op.execute("UPDATE sqlite_sequence SET seq = max(seq, "
                   "coalesce((SELECT max(outbox_seq) FROM chain_heads), 0), "
                   "coalesce((SELECT max(seq) FROM outbox), 0)) WHERE name = 'outbox'")


def _fill_erased_by() -> None:
    records = sa.table(
        "records", sa.column("origin", sa.String()), sa.column("seq", sa.BigInteger()),
        sa.column("kind", sa.String()), sa.column("wire", sa.JSON()),
        sa.column("erased_by", sa.BigInteger()),
    )  # fmt: skip
    connection = op.get_bind()
    rows = connection.execute(sa.select(records.c.origin, records.c.seq, records.c.wire)
                              .where(records.c.kind == "RetentionDeletion")).all()  # fmt: skip
    for origin, seq, wire in rows:
        data: Any = json.loads(wire) if isinstance(wire, str) else wire
        payload = data.get("payload") or {}
        named = [int(s) for o, s in payload.get("records", []) if o == origin]
        if named:
            connection.execute(sa.update(records).where(
                records.c.origin == origin, records.c.seq.in_(named)).values(erased_by=seq))


_OUTBOX_REFS = ("crossings", "refusals", "visas", "authorizations", "alerts")


def _renumber_orphans() -> None:
    """Outbox rows that took a number at or below the last one sealed (a reused rowid) were
    never sealed: number them above it, with the rows that name them, so the sealer seals
    them now."""
    connection = op.get_bind()
    mark = connection.execute(sa.text("SELECT coalesce(max(outbox_seq), 0) FROM chain_heads")
                              ).scalar_one()  # fmt: skip
    orphans = [row[0] for row in connection.execute(sa.text(
        "SELECT seq FROM outbox WHERE seq <= :mark AND seq NOT IN "
        "(SELECT outbox_seq FROM records WHERE outbox_seq IS NOT NULL) ORDER BY seq"),
        {"mark": mark})]  # fmt: skip
    top = connection.execute(sa.text("SELECT coalesce(max(seq), 0) FROM outbox")).scalar_one()
    for n, old in enumerate(orphans, start=1):
        new = max(mark, top) + n
        connection.execute(sa.text("UPDATE outbox SET seq = :new WHERE seq = :old"),
                           {"new": new, "old": old})  # fmt: skip
        connection.execute(sa.text("UPDATE outbox SET supersedes = :new WHERE supersedes = :old"),
                           {"new": new, "old": old})  # fmt: skip
        for table in _OUTBOX_REFS:
            connection.execute(sa.text(f"UPDATE {table} SET outbox_seq = :new "
                                       "WHERE outbox_seq = :old"), {"new": new, "old": old})


def downgrade() -> None:
    with op.batch_alter_table("alert_decisions") as batch:
        batch.drop_column("record_seq")
        batch.drop_column("origin")
    with op.batch_alter_table("chain_heads") as batch:
        batch.drop_column("not_applied")
    op.drop_index("ix_records_not_applied", table_name="records")
    with op.batch_alter_table("records") as batch:
        batch.drop_column("not_applied")
        batch.drop_column("erased_by")
