"""The order in which ``make test`` hands the test files to its processes: the longest first.

``make test`` runs the files on several processes (pytest-xdist, ``--dist loadfile``: all the
tests of a file on one process, so that a module's node, area or browser is started once), and
the run ends when the last process ends. pytest-xdist hands out the files with the most tests
first, which puts the files of a few long tests (a fuzzed server, three federated nodes, a
browser going through every page) last: at the end one process still worked through a file of
several minutes while the others had nothing left (a fresh-clone run, 2026-12-06: 19.5 min).

So the files known to be long (``SECONDS``: their tests' durations summed, measured on the
2-core CI machine) go first, longest first, and the others follow as pytest-xdist orders them.
A few of them (``BY_DATABASE``) run their tests once on SQLite and once on PostgreSQL, each on a
module fixture of its own (``BOTH_DATABASES``): their two halves are handed out as two units,
so two processes share them, and each half still starts its fixture once.

Loaded by ``make test`` with ``-p tests.schedule``; without pytest-xdist it does nothing. A
file missing from the table is only run later than it could be; nothing is left out.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

__all__ = ["BY_DATABASE", "SECONDS", "unit_of"]

# seconds of the file's tests (setup, call, teardown), summed: `--durations=0` of a fresh-clone
# `make test` on the 2-core machine, 2026-12-07 20:26 (session 17; the figures give the order)
SECONDS: dict[str, float] = {
    "tests/integration/test_federation_faults.py": 370,
    "tests/integration/test_api_schemathesis.py": 210,
    "tests/browser/test_traveller_browser.py": 176,
    "tests/e2e/test_cli_sweep_s14.py": 135,
    "tests/browser/test_web_accessibility.py": 130,
    "tests/integration/test_mail_outbox.py": 110,
    "tests/integration/test_federation_tls.py": 104,
    "tests/integration/test_federation_area.py": 99,
    "tests/e2e/test_area.py": 81,
    "tests/integration/test_screening_process.py": 75,
    "tests/browser/test_officer_console_browser.py": 74,
    "tests/integration/test_node_alerts.py": 73,
    "tests/integration/test_node_durability.py": 73,
    "tests/integration/test_bulk_import.py": 69,
    "tests/e2e/test_cli_read_commands.py": 55,
    "tests/integration/test_node_store.py": 54,
    "tests/integration/test_internal_checks_api.py": 53,
    "tests/e2e/test_cli_help.py": 53,
    "tests/browser/test_consular_browser.py": 50,
    "tests/integration/test_node_database_safety.py": 49,
    "tests/browser/test_page_weight_browser.py": 43,
    "tests/browser/test_statistics_browser.py": 43,
    "tests/integration/test_visa_area.py": 40,
    "tests/integration/test_internal_checks_area.py": 40,
    "tests/integration/test_database_failover.py": 39,
    "tests/integration/test_federation_integrity.py": 38,
    "tests/integration/test_database_hang.py": 38,
    "tests/integration/test_http_edge.py": 37,
    "tests/integration/test_consultation_pages_area.py": 37,
    "tests/e2e/test_cli_bounds.py": 36,
    "tests/e2e/test_cli_mrz_make.py": 35,
    "tests/browser/test_stay_calculator_browser.py": 35,
}

# files whose module fixture is parametrized over BOTH_DATABASES: a unit per database
BY_DATABASE: frozenset[str] = frozenset(
    {
        "tests/integration/test_api_schemathesis.py",
        "tests/integration/test_federation_faults.py",
        "tests/integration/test_federation_tls.py",
        "tests/integration/test_internal_checks_api.py",
    }
)

_DATABASE = re.compile(r"\[(sqlite|postgresql)[\]-]")


def unit_of(nodeid: str) -> str:
    """The work unit of a test: its file, or for a file of ``BY_DATABASE`` its file and the
    database its module fixture runs on (``path::sqlite``; a test of it on neither: the file)."""
    path = nodeid.split("::", 1)[0]
    if path in BY_DATABASE and (found := _DATABASE.search(nodeid)):
        return f"{path}::{found[1]}"
    return path


def _cost(unit: str) -> float:
    path, _, database = unit.partition("::")
    if path not in BY_DATABASE:
        return SECONDS.get(path, 0.0)
    return SECONDS.get(path, 0.0) / 2 if database else 0.0  # its few tests on neither: short


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every process collects the same order: the long units first (a stable sort, so a
    file's tests keep the order pytest gave them, grouped by their module fixtures)."""
    units = Counter(unit_of(item.nodeid) for item in items)
    # the others as pytest-xdist would hand them out: the most tests first
    items.sort(key=lambda item: (-_cost(unit := unit_of(item.nodeid)), -units[unit]))


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile`` in the order collected (the long units first), the files of
    ``BY_DATABASE`` split by database; any other ``--dist`` is left as it is."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class LongestFirst(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)

    config.option.loadscopereorder = False  # keep the order collected, not "most tests first"
    return LongestFirst(config, log)
