"""The migrations build the schema the tables describe, on both databases, and go back down."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text

from cta.adapters.storage.engine import (
    SCHEMA_HEAD,
    alembic_config,
    make_engine,
    migrate,
    schema_versions,
)
from cta.adapters.storage.tables import metadata
from tests.pg import PostgresServer


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
    ]
)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'node.sqlite'}"
        return
    pg: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"t_{uuid.uuid4().hex}"
    try:
        yield pg.create_database(name)
    finally:
        pg.drop_database(name)


def test_the_schema_head_the_node_knows_is_alembics_head() -> None:
    """``migrate`` skips Alembic when the database is at ``SCHEMA_HEAD``: a new migration
    must move it, or a node would never apply that migration."""
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == SCHEMA_HEAD


def test_a_database_at_the_head_is_migrated_without_alembic(url: str) -> None:
    engine = make_engine(url)
    migrate(engine)
    assert schema_versions(engine) == [SCHEMA_HEAD]
    config = alembic_config()
    with engine.begin() as connection:  # a database one migration behind is brought up
        config.attributes["connection"] = connection
        command.downgrade(config, "-1")
    assert schema_versions(engine) == ["0016"]
    assert "kind" not in _columns(engine, "internal_checks")  # 0017's
    with engine.begin() as connection:  # and two behind
        config.attributes["connection"] = connection
        command.downgrade(config, "-1")
    assert schema_versions(engine) == ["0015"]
    assert not _autoincrement(url, "crossings")  # 0016's (SQLite's only)
    migrate(engine)
    assert schema_versions(engine) == [SCHEMA_HEAD]
    assert _autoincrement(url, "crossings") == url.startswith("sqlite")
    assert "kind" in _columns(engine, "internal_checks")
    engine.dispose()


def _columns(engine: Engine, table: str) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns(table)}


def _autoincrement(url: str, table: str) -> bool:
    if not url.startswith("sqlite"):
        return False
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            sql = connection.execute(text("SELECT sql FROM sqlite_master WHERE name = :t"),
                                     {"t": table}).scalar_one()  # fmt: skip
        return "AUTOINCREMENT" in str(sql)
    finally:
        engine.dispose()


def test_the_migrated_schema_is_the_tables_schema(url: str) -> None:
    engine = make_engine(url)
    migrate(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert differences == []


def test_downgrade_to_the_first_schema_and_up_again(url: str) -> None:
    engine = make_engine(url)
    migrate(engine)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert "alert_changes" not in _tables(url)
    migrate(engine)
    assert "alert_changes" in _tables(url)
    engine.dispose()


def _indexes(url: str, table: str) -> list[str]:
    engine = create_engine(url)
    try:
        return [str(index["name"]) for index in inspect(engine).get_indexes(table)]
    finally:
        engine.dispose()


def _tables(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_0006_numbers_the_outbox_above_the_last_sealed_row_and_proves_old_erasures(
    tmp_path: Path,
) -> None:
    """On SQLite a purge that deleted the outbox's last rows let the next row reuse a number
    the sealer had passed: 0006 numbers such a row above it (with the rows naming it), never
    reuses one again, and reads the deletions already sealed for ``records.erased_by``."""
    engine = make_engine(f"sqlite:///{tmp_path / 'node.sqlite'}")
    migrate(engine)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    wire = {"payload": {"records": [["GEO", 1], ["ARM", 9]]}}
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO chain_heads (origin, seq, hash, outbox_seq) VALUES ('GEO', 2, 'h', 5)"))
        connection.execute(text(
            "INSERT INTO outbox (seq, at, kind, payload) VALUES "
            "(1, '2027-01-01', 'RetentionDeletion', '{}'), (2, '2027-01-01', 'X', '{}')"))
        connection.execute(text(
            "INSERT INTO records (origin, seq, at, kind, wire, hash, received_at, outbox_seq) "
            "VALUES ('GEO', 1, '2027-01-01', 'CrossingRecorded', '{}', 'a', '2027-01-01', 4), "
            "('GEO', 2, '2027-01-01', 'RetentionDeletion', :wire, 'b', '2027-01-01', 2)"),
            {"wire": json.dumps(wire)})  # fmt: skip
        connection.execute(text(
            "INSERT INTO alerts (id, category, record, version, created_at, changed_at, "
            "outbox_seq) VALUES ('GEO-1', 'refuse_entry', '{}', 1, '2027-01-01', "
            "'2027-01-01', 1)"))
    migrate(engine)
    with engine.begin() as connection:
        assert connection.execute(text("SELECT seq, kind FROM outbox ORDER BY seq")).all() == [
            (2, "X"), (6, "RetentionDeletion")]
        assert connection.execute(text("SELECT outbox_seq FROM alerts")).scalar_one() == 6
        connection.execute(text("DELETE FROM outbox WHERE seq = 6"))
        connection.execute(text(
            "INSERT INTO outbox (at, kind, payload) VALUES ('2027-01-02', 'Y', '{}')"))
        assert connection.execute(text("SELECT max(seq) FROM outbox")).scalar_one() == 7
        erased = connection.execute(text("SELECT seq, erased_by FROM records ORDER BY seq"))
        assert erased.all() == [(1, 2), (2, None)]
    engine.dispose()


def test_every_foreign_key_is_the_head_of_an_index(url: str) -> None:
    """Deleting a row makes the database look for rows that name it: without an index on the
    naming columns that is a read of the whole table for each row deleted (SQLite: ``SCAN
    crossings``; PostgreSQL's key trigger likewise). The retention job deletes documents, each
    of which crossings and refusals name: 0.6 s a person at 3 M crossings before 0015."""
    engine = make_engine(url)
    try:
        migrate(engine)
        seen = inspect(engine)
        missing = []
        for table in seen.get_table_names():
            heads = [tuple(index["column_names"]) for index in seen.get_indexes(table)]
            heads += [tuple(u["column_names"]) for u in seen.get_unique_constraints(table)]
            heads.append(tuple(seen.get_pk_constraint(table)["constrained_columns"]))
            for key in seen.get_foreign_keys(table):
                columns = tuple(key["constrained_columns"])
                if not any(head[: len(columns)] == columns for head in heads):
                    missing.append(f"{table}{list(columns)} -> {key['referred_table']}")
    finally:
        engine.dispose()
    assert not missing, missing


def test_0016_keeps_every_row_and_never_gives_a_deleted_id_again(tmp_path: Path) -> None:
    """0016 copies the tables a request names by id (SQLite): the parents' copies must not take
    their children with them (ON DELETE CASCADE while the old table is dropped), and after
    it the id of a deleted row is never given again."""
    engine = make_engine(f"sqlite:///{tmp_path / 'node.sqlite'}")
    migrate(engine)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0015")
    at = "2027-01-01 00:00:00.000000"
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO persons (id, surname, given_names, nationality, birth_date_raw, "
            "created_at, overstayed) VALUES (1, 'A', 'B', 'USA', '800101', :at, 0), "
            "(2, 'C', 'D', 'USA', '800101', :at, 0)"), {"at": at})
        connection.execute(text(
            "INSERT INTO documents (id, person_id, document_code, issuing_state, "
            "document_number, first_seen) VALUES (1, 1, 'P', 'USA', 'X1', :at), "
            "(2, 2, 'P', 'USA', 'X2', :at)"), {"at": at})
        connection.execute(text(
            "INSERT INTO crossings (id, person_id, document_id, direction, crossing_point, "
            "occurred_at, time_zone, local_date, officer, decision, recorded_at) VALUES "
            "(1, 1, 1, 'entry', 'GEO-TBS', :at, 'Asia/Tbilisi', '2027-01-01', 'o', 'admit', :at),"
            "(2, 2, 2, 'entry', 'GEO-TBS', :at, 'Asia/Tbilisi', '2027-01-01', 'o', 'admit', :at),"
            "(3, 2, 2, 'exit', 'GEO-TBS', :at, 'Asia/Tbilisi', '2027-01-01', 'o', 'admit', :at)"),
            {"at": at})  # fmt: skip
        connection.execute(text("DELETE FROM crossings WHERE id = 3"))  # before: forgotten
    migrate(engine)
    with engine.begin() as connection:
        assert connection.execute(text("SELECT count(*) FROM documents")).scalar_one() == 2
        assert connection.execute(text("SELECT id FROM crossings ORDER BY id")).scalars().all() \
            == [1, 2]
        connection.execute(text("DELETE FROM crossings WHERE id = 2"))
        connection.execute(text("DELETE FROM persons WHERE id = 2"))  # its document goes too
        connection.execute(text(
            "INSERT INTO persons (surname, given_names, nationality, birth_date_raw, "
            "created_at, overstayed) VALUES ('E', 'F', 'USA', '800101', :at, 0)"), {"at": at})
        connection.execute(text(
            "INSERT INTO crossings (person_id, document_id, direction, crossing_point, "
            "occurred_at, time_zone, local_date, officer, decision, recorded_at) VALUES "
            "(1, 1, 'exit', 'GEO-TBS', :at, 'Asia/Tbilisi', '2027-01-01', 'o', 'admit', :at)"),
            {"at": at})  # fmt: skip
        assert connection.execute(text("SELECT max(id) FROM persons")).scalar_one() == 3
        assert connection.execute(text("SELECT max(id) FROM crossings")).scalar_one() == 3
    engine.dispose()


def test_a_migration_that_breaks_a_foreign_key_keeps_nothing(tmp_path: Path) -> None:
    """SQLite does not check foreign keys while migrations run: ``migrate`` checks them all
    before it commits."""
    engine = make_engine(f"sqlite:///{tmp_path / 'node.sqlite'}")
    migrate(engine)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0015")
    with engine.connect() as connection:  # an orphan, written with the checks off
        raw = connection.connection.dbapi_connection
        raw.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        raw.execute(  # type: ignore[union-attr]
            "INSERT INTO documents (id, person_id, document_code, issuing_state, "
            "document_number, first_seen) VALUES (1, 99, 'P', 'USA', 'X1', '2027-01-01')")
        raw.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
    with pytest.raises(RuntimeError, match="foreign key names no row, in documents"):
        migrate(engine)
    assert schema_versions(engine) == ["0015"]
    engine.dispose()
