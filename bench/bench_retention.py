"""Retention's deletes on a full node: ``delete_person`` with and without migration 0015's
indexes on ``crossings.document_id`` and ``refusals.document_id``.

A node of ``BENCH_RETENTION_PERSONS`` persons (default 1,000,000; one passport each, three
crossings on average: ``bench.bench_node.build``) on SQLite. Deleting a document makes the
database look for the crossings and refusals that name it (their foreign keys). The baseline is
the schema before 0015 (the two indexes dropped): ``BENCH_RETENTION_DELETES`` persons (default
30) deleted one transaction each, as the retention job does; then the indexes built again (what
0015 costs a node of this size, once) and as many other persons deleted. Only when named:
``python -m bench retention`` (about three minutes, most of it building the node).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.bench_node import build
from bench.common import console, table
from cta.adapters.storage.engine import make_engine
from cta.adapters.storage.store import SqlStore

__all__ = ["run"]

PERSONS = int(os.environ.get("BENCH_RETENTION_PERSONS", "1000000"))
DELETES = int(os.environ.get("BENCH_RETENTION_DELETES", "30"))
INDEXES = {"ix_crossings_document_id": "crossings", "ix_refusals_document_id": "refusals"}


def _deletes(store: SqlStore, first: int) -> list[float]:
    """Seconds of each ``delete_person`` of persons ``first``, ``first`` + 1, ..."""
    took = []
    for person in range(first, first + DELETES):
        started = time.perf_counter()
        with store.transaction() as tx:
            tx.delete_person(person)
        took.append(time.perf_counter() - started)
    return took


def run() -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="cta-bench-retention-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'node.sqlite'}"
        console.print(f"retention: building a node of {PERSONS:,} persons ...")
        build(url, PERSONS)
        engine = make_engine(url)
        try:
            with engine.begin() as connection:
                crossings = connection.exec_driver_sql("SELECT count(*) FROM crossings").scalar()
                for name in INDEXES:
                    connection.exec_driver_sql(f"DROP INDEX {name}")
            store = SqlStore(engine)
            before = _deletes(store, PERSONS // 3)
            started = time.perf_counter()
            with engine.begin() as connection:
                for name, table_name in INDEXES.items():
                    connection.exec_driver_sql(
                        f"CREATE INDEX {name} ON {table_name} (document_id)")
            built = time.perf_counter() - started
            after = _deletes(store, 2 * PERSONS // 3)
        finally:
            engine.dispose()
    ours, base = statistics.median(after), statistics.median(before)
    out = table(f"delete_person on a node of {PERSONS:,} persons, {crossings:,} crossings "
                f"(SQLite, median of {DELETES}, one transaction each)",
                "measurement", "ours (0015)", "baseline (before 0015)", "ratio")  # fmt: skip
    out.add_row("a person deleted", f"{ours * 1e3:.1f} ms", f"{base * 1e3:.1f} ms",
                f"{base / ours:.0f}×")  # fmt: skip
    out.add_row("0015's two indexes built", f"{built:.1f} s", "", "")
    console.print(out)
    return {"persons": PERSONS, "crossings": crossings, "delete_ms": ours * 1e3,
            "baseline_delete_ms": base * 1e3, "indexes_built_s": built}  # fmt: skip
