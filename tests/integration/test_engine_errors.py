"""A failed statement's error, as the node keeps it, names what failed and never the values
it failed on (both databases): its text reaches the node's log, a peer's ``last_error`` and
``cta federation status``, and the values are travellers' names, birth dates and document
numbers. A peer's record once put an applicant's personal data there on every retry."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import Column, MetaData, String, Table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from cta.adapters.storage.engine import make_engine
from cta.federation.sync import fault_text

SURNAME = "MƏMMƏDOVA AYNUR 1980-05-17"


def test_a_failed_statement_s_error_does_not_carry_the_personal_data_it_was_given(
    database_url: str,
) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        sqlite3.connect(str(url.database)).close()  # the node's engine opens existing files
    engine = make_engine(database_url)
    table = Table("travellers_test", MetaData(), Column("surname", String(40), unique=True))
    try:
        table.create(engine)
        with engine.begin() as connection:
            connection.execute(table.insert(), {"surname": SURNAME})
        with pytest.raises(IntegrityError) as raised, engine.begin() as connection:
            connection.execute(table.insert(), {"surname": SURNAME})
        # SQLAlchemy's own text leaves the statement's values out...
        assert "parameters hidden" in str(raised.value)
        # ...and what the puller keeps of it (``last_error``, the log) leaves out PostgreSQL's
        # DETAIL too, which quotes the row: "Key (surname)=(MƏMMƏDOVA ...) already exists"
        kept = fault_text(raised.value)
        assert "MƏMMƏDOVA" not in kept
        assert kept.startswith(("IntegrityError: UNIQUE constraint failed",  # SQLite
                                "UniqueViolation: duplicate key value"))  # PostgreSQL
    finally:
        table.drop(engine, checkfirst=True)
        engine.dispose()
