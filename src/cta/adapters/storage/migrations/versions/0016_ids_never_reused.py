"""On SQLite, the rows a request names by number get numbers never given before.

A plain SQLite rowid is the highest + 1: after the row with the highest id was deleted (a
crossing withdrawn, a person erased), the next row got the same id, and a request repeated
with the old id (a withdrawal retried, a console left open on a person) reached another
traveller's row. ``persons``, ``documents``, ``crossings``, ``refusals``, ``visas`` and
``authorizations`` now number with AUTOINCREMENT (SQLite keeps the highest id ever given in
``sqlite_sequence``). The tables are copied, which takes a while on a large node (about
10 s a million crossings); the ids of rows deleted before this migration cannot be known.
PostgreSQL's sequences never gave a number twice: nothing changes there.

``migrate`` runs migrations on SQLite with foreign keys off (the copy drops the old tables,
and a parent's drop would otherwise delete its children through ON DELETE CASCADE), and checks
every foreign key before it commits.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# parents first: a child's copy names its parents' tables as they are then
TABLES = ("persons", "documents", "crossings", "refusals", "visas", "authorizations")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always",
                                  table_kwargs={"sqlite_autoincrement": True}):  # fmt: skip
            pass


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in reversed(TABLES):
        with op.batch_alter_table(table, recreate="always",
                                  table_kwargs={"sqlite_autoincrement": False}):  # fmt: skip
            pass
