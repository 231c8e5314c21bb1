"""Which node a read command reads: ``--node``, ``--area-dir``, ``--database`` or ``CTA_*``.

A read command (``cta federation status``, ``cta screen`` without ``--alerts``) never creates a
database nor changes its schema: a missing database, one without CTA's tables, or one whose
schema is older than this ``cta`` is one ``error:`` line (exit 2) that names it and says how to
point the command elsewhere. It says on standard error which node and database it reads.

``--node GEO`` reads a running ``cta area``'s node: ``AREA_DIR/GEO.sqlite`` with its federation
file ``AREA_DIR/federation-GEO.toml`` (``--area-dir``, default ``var/area``); ``--node`` and
``--database`` together are refused (which one would it read?).

A command that writes on a node's database from its ``CTA_*`` settings (``cta internal-checks
declare``) opens it with ``open_for_writing``: the same checks, as it neither creates nor
migrates a database either.
"""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy.engine import make_url

from cta.entrypoints.cli.common import err_console, fail

if TYPE_CHECKING:
    from cta.services.node import Node
    from cta.settings import Settings

__all__ = ["AreaDirOption", "DatabaseOption", "NodeOption", "open_for_reading",
           "open_for_writing", "read_settings", "shown_url"]  # fmt: skip

STATES = ("AZE", "ARM", "GEO")
HOW = ("point the command at a node with --node AZE|ARM|GEO (a running `cta area`'s, in "
       "--area-dir, default var/area), --database URL, or CTA_DATABASE_URL")  # fmt: skip
WRITE_HOW = ("set CTA_DATABASE_URL to the node's database (`cta serve --init` or `cta users add "
             "--init` creates one)")  # fmt: skip

NodeOption = Annotated[
    str | None,
    typer.Option("--node", metavar="STATE", help="Read this node of a running `cta area`: "
                 "AREA_DIR/STATE.sqlite and AREA_DIR/federation-STATE.toml (AZE, ARM or GEO)."),
]
AreaDirOption = Annotated[
    Path, typer.Option("--area-dir", help="The directory of `cta area` (its --dir), for --node.")
]
DatabaseOption = Annotated[
    str | None,
    typer.Option("--database", metavar="URL", help="Read the node database at this URL "
                 "(sqlite:///PATH or postgresql+psycopg://...) instead of CTA_DATABASE_URL."),
]


def read_settings(node: str | None, area_dir: Path, database: str | None) -> Settings:
    """The settings from the environment, changed by the command's options."""
    from cta.entrypoints.cli.node import settings

    if node is not None and database is not None:
        fail(f"--node {node} and --database {database}: give --node or --database, not both")
    config = settings()
    update: dict[str, str] = {}
    if node is not None:
        state = node.strip().upper()
        if state not in STATES:
            fail(f"--node {node!r}: a node is AZE, ARM or GEO")
        update |= {"state": state, "database_url": f"sqlite:///{area_dir / (state + '.sqlite')}",
                   "keys_dir": str(area_dir / "keys")}  # fmt: skip
        federation = area_dir / f"federation-{state}.toml"
        update["federation_file"] = str(federation) if federation.exists() else ""
    if database is not None:
        from cta.settings import database_url

        try:
            update["database_url"] = database_url(database, f"--database {database!r}")
        except ValueError as exc:
            fail(str(exc))
    return config.model_copy(update=update) if update else config


def shown_url(url: str) -> str:
    """The database URL as it may be printed (no password)."""
    return make_url(url).render_as_string(hide_password=True)


def open_for_reading(config: Settings) -> Node:
    """The node of ``config``, its database as it is; says which one on standard error."""
    from cta.bootstrap import build_node

    _exists(config.database_url, HOW)
    _current_schema(config.database_url, HOW)
    err_console.print(f"reading node {config.state}, database {shown_url(config.database_url)}",
                      markup=False)  # fmt: skip
    return build_node(config, migrate_schema=False, create=False)


def open_for_writing(config: Settings) -> Node:
    """The node of ``config`` for a command that writes on it: its database must be there with
    CTA's newest schema, as for reading; it is neither created nor migrated (nor is another
    program's database given CTA's tables): ``cta serve --init`` makes one, ``cta serve``
    migrates it."""
    from cta.bootstrap import build_node

    _exists(config.database_url, WRITE_HOW)
    _current_schema(config.database_url, WRITE_HOW)
    return build_node(config, migrate_schema=False, create=False)


def _exists(url: str, how: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return
    path = Path(parsed.database or "")
    if not parsed.database or parsed.database == ":memory:" or not path.is_file():
        fail(f"no node database at {path}; {how}")


def _current_schema(url: str, how: str) -> None:
    """The database holds CTA's tables at the newest schema (a read command migrates nothing)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError

    from cta.adapters.storage.engine import alembic_config, known_schemas

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":  # read-only: never creates the file
        path = urllib.parse.quote(os.path.abspath(str(parsed.database)))  # '?', '#' in a name
        engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    else:
        engine = create_engine(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        fail(f"cannot read the node database {shown_url(url)}: "
             f"{str(getattr(exc, 'orig', None) or exc).splitlines()[0]}; {how}")  # fmt: skip
    finally:
        engine.dispose()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if current is None:
        fail(f"{shown_url(url)} is not a CTA node database (it has no CTA tables); {how}")
    if current != head and current not in known_schemas():
        fail(f"the node database {shown_url(url)} has schema {current}, newer than this cta "
             f"knows (it reads {head}): a newer cta made or migrated it; run that one")
    if current != head:
        fail(f"the node database {shown_url(url)} has schema {current}, this cta reads {head}: "
             "start its node (cta serve) once to bring it up to date")  # fmt: skip
