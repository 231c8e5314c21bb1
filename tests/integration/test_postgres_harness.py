"""The test databases work: SQLite and a real PostgreSQL server, one fresh database per test."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    func,
    insert,
    inspect,
    select,
)

from tests.pg import PostgresServer, PostgresStartError

metadata = MetaData()
notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("text", String(200), nullable=False),
)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def test_the_database_is_the_kind_asked_for_and_empty(
    engine: Engine, request: pytest.FixtureRequest
) -> None:
    kind = request.node.callspec.params["database_url"]
    assert engine.dialect.name == kind
    assert inspect(engine).get_table_names() == []


def test_writes_in_a_transaction_read_back(engine: Engine) -> None:
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(notes), [{"text": "Tbilisi"}, {"text": "Երևան"}])
    with engine.connect() as connection:
        texts = connection.execute(select(notes.c.text).order_by(notes.c.id)).scalars().all()
    assert texts == ["Tbilisi", "Երևան"]


def test_a_rolled_back_transaction_leaves_nothing(engine: Engine) -> None:
    metadata.create_all(engine)
    with engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(insert(notes), [{"text": "Baku"}])
        assert connection.execute(select(func.count()).select_from(notes)).scalar_one() == 1
        transaction.rollback()
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(notes)).scalar_one() == 0


@pytest.mark.postgresql
def test_postgres_databases_are_isolated(postgres_server: PostgresServer) -> None:
    names = [f"t_{uuid.uuid4().hex}" for _ in range(2)]
    engines = [create_engine(postgres_server.create_database(name)) for name in names]
    try:
        metadata.create_all(engines[0])
        with engines[0].begin() as connection:
            connection.execute(insert(notes), [{"text": "only in the first"}])
        assert inspect(engines[1]).get_table_names() == []
        metadata.create_all(engines[1])
        with engines[1].connect() as connection:
            assert connection.execute(select(func.count()).select_from(notes)).scalar_one() == 0
    finally:
        for engine, name in zip(engines, names, strict=True):
            engine.dispose()
            postgres_server.drop_database(name)


@pytest.mark.postgresql
def test_the_server_is_local_with_room_for_connections(
    postgres_url: str, postgres_server: PostgresServer
) -> None:
    assert postgres_url.startswith("postgresql+psycopg://cta@127.0.0.1:")
    assert postgres_url.endswith("/cta")
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            settings = {
                name: connection.exec_driver_sql(f"SHOW {name}").scalar_one()
                for name in ("listen_addresses", "max_connections", "server_encoding", "port")
            }
            assert connection.exec_driver_sql("SELECT current_user").scalar_one() == "cta"
    finally:
        engine.dispose()
    assert settings == {
        "listen_addresses": "127.0.0.1",
        "max_connections": "200",
        "server_encoding": "UTF8",
        "port": str(postgres_server.port),
    }
    assert postgres_server.root is not None
    assert postgres_server.socket_dir.is_dir()


@pytest.mark.postgresql
def test_a_server_stops_and_leaves_nothing_behind(postgres_server: PostgresServer) -> None:
    with PostgresServer() as server:
        root, port = server.root, server.port
        assert root is not None and root.is_dir()
        assert (root / "data" / "postmaster.pid").exists()
        assert port != postgres_server.port
    assert not root.exists()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


@pytest.mark.postgresql
def test_a_server_that_cannot_start_says_why(postgres_server: PostgresServer) -> None:
    server = PostgresServer(settings={"shared_buffers": "plenty"}, startup_timeout=20)
    with pytest.raises(PostgresStartError, match="shared_buffers") as raised:
        server.start()
    assert "failed to start" in str(raised.value)
    assert server.root is None
