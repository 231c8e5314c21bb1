"""Fixtures for every test: a database per test, on SQLite and on a real PostgreSQL server.

``database_url``: a fresh, empty database for one test, parametrized over ``sqlite`` and
``postgresql`` (test ids ``[sqlite]`` / ``[postgresql]``), so a storage test runs on both::

    def test_round_trip(database_url: str) -> None:
        engine = create_engine(database_url)
        ...
        engine.dispose()  # close pooled connections: the database is dropped afterwards

SQLite is a file in the test's ``tmp_path``; PostgreSQL is a database ``t_<uuid>`` created on the
session's server and dropped (connections closed by force) after the test.

``postgres_url``: the SQLAlchemy URL of the session's own database ``cta``, on a throwaway
server started once per session (``postgres_server``, a ``tests.pg.PostgresServer``) — only
when a test asks for it. Without PostgreSQL's binaries these tests are skipped with the reason
shown; with ``CI=true`` or ``CTA_REQUIRE_POSTGRES=1`` (set by ``.ci/run``, which first installs
PostgreSQL with ``tools/ensure_postgres.sh``) they fail instead. ``-m "not postgresql"`` leaves
them out.
"""

from __future__ import annotations

import gc
import os
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.pg import PostgresServer, find_bindir

# Hypothesis's clocks are timings: an example over 200 ms (``deadline``) or slow input
# generation (``too_slow``) failed tests on a loaded machine (a draw took 0.99 s once, in CI's
# parallel run). Speed is measured in bench/, never asserted here; the properties stay.
settings.register_profile("cta", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("cta")

ENSURE = "tools/ensure_postgres.sh"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgresql: runs on the session's throwaway PostgreSQL server"
    )


def in_ci() -> bool:
    """CI=true (set by CI services) or CTA_REQUIRE_POSTGRES=1 (set by .ci/run)."""
    return any(
        os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}
        for name in ("CI", "CTA_REQUIRE_POSTGRES")
    )


def _unavailable(reason: str) -> None:
    """Skip the test, or fail it in CI where PostgreSQL must be there."""
    if in_ci():
        pytest.fail(f"{reason} (CI: PostgreSQL is required; {ENSURE} installs it)")
    pytest.skip(f"{reason}; run {ENSURE} as root to install it (CI=true makes this an error)")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the whole session, stopped and removed at its end."""
    bindir = find_bindir()
    if bindir is None:
        _unavailable(
            "PostgreSQL is not installed (no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin)"
        )
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("the psycopg package is not installed in this environment")
    with PostgresServer(bindir=bindir) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """SQLAlchemy URL (postgresql+psycopg://cta@127.0.0.1:PORT/cta) of the session's database."""
    return postgres_server.url


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for this test: SQLite file or new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cta.sqlite'}"
        _fail_on_leaked_connections(request.param)
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"t_{uuid.uuid4().hex}"
    url = server.create_database(name)
    try:
        yield url
        _fail_on_leaked_connections(request.param)
    finally:
        server.drop_database(name)


def _fail_on_leaked_connections(kind: str) -> None:
    """Blame connections left open on the test that opened them, not on a later one.

    An engine that is never disposed keeps its pooled connections until the garbage collector
    finds them, and psycopg then warns (an error here: filterwarnings = error) in whichever test
    happens to be running. Collect now and fail this test with the reason instead.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    if leaks:
        pytest.fail(
            f"the test left {len(leaks)} database connection(s) open on {kind}; "
            "close them (engine.dispose(), `with engine.connect()`): " + leaks[0],
            pytrace=False,
        )
