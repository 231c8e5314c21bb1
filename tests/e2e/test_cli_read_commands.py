"""Read commands (``cta federation status``, ``cta screen`` without ``--alerts``) never create a
database: they say which node and database they read, can be pointed at a running area's node
(``--node STATE``, ``--area-dir``) or at a database (``--database URL``), and a missing or empty
database is one ``error:`` line naming it and how to point the command elsewhere (exit 2).

The real ``cta`` in a directory of its own, with no ``CTA_*`` variable: the default database is
``var/cta-node.sqlite`` there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from cta.bootstrap import build_node
from cta.domain.roles import Role
from cta.services.node import Actor
from cta.settings import Settings

CTA = Path(sys.executable).parent / "cta"
TRAVELLER = {"surname": "MAMMADOV", "given_names": "ELCHIN", "birth_date": "1985-03-12"}
ALERT = {"id": "R-1", "category": "refuse_entry", "names": ["Elçin Məmmədov"],
         "birth_date": "1985-03-12"}  # fmt: skip


def run(cwd: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CTA_")} | env
    done = subprocess.run([str(CTA), *args], cwd=cwd, env=environment, input=stdin,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    return done


def a_node(url: str, state: str = "AZE") -> None:
    """A node database with one alert, as a node leaves it."""
    node = build_node(Settings(state=state, database_url=url))  # type: ignore[arg-type]
    try:
        node.put_alerts(Actor("test", Role.ADMIN, "test"), [ALERT])
    finally:
        node.store.engine.dispose()  # type: ignore[attr-defined]


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


@pytest.mark.parametrize(
    "args", [("federation", "status"), ("federation", "status", "--json"), ("screen", "--json")],
    ids=["status", "status-json", "screen"],
)
def test_a_read_command_never_creates_the_default_database(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    done = run(tmp_path, *args, stdin=json.dumps(TRAVELLER) + "\n")
    assert done.returncode == 2, done.stderr
    lines = error_lines(done.stderr)
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: no node database at var/cta-node.sqlite")
    assert "--node" in lines[0] and "--database" in lines[0]
    assert done.stdout == ""
    assert not (tmp_path / "var").exists()


def test_node_reads_a_running_area_s_node(tmp_path: Path) -> None:
    area = tmp_path / "var" / "area"
    area.mkdir(parents=True)
    a_node(f"sqlite:///{area / 'ARM.sqlite'}", "ARM")
    done = run(tmp_path, "federation", "status", "--json", "--node", "ARM")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["node"] == "ARM"
    assert answer["database"] == "sqlite:///var/area/ARM.sqlite"
    assert "reading node ARM, database sqlite:///var/area/ARM.sqlite" in done.stderr
    assert [row["origin"] for row in answer["origins"] if row["self"]] == ["ARM"]
    # another area directory, and a node that is not there
    other = tmp_path / "elsewhere"
    missing = run(tmp_path, "federation", "status", "--node", "geo", "--area-dir", str(other))
    assert missing.returncode == 2
    assert error_lines(missing.stderr) == [
        f"error: no node database at {other / 'GEO.sqlite'}; point the command at a node with "
        "--node AZE|ARM|GEO (a running `cta area`'s, in --area-dir, default var/area), "
        "--database URL, or CTA_DATABASE_URL"
    ]
    assert not other.exists()
    bad = run(tmp_path, "federation", "status", "--node", "RUS")
    assert bad.returncode == 2 and error_lines(bad.stderr) == [
        "error: --node 'RUS': a node is AZE, ARM or GEO"
    ]


def test_database_points_a_read_command_at_a_node(database_url: str, tmp_path: Path) -> None:
    a_node(database_url)
    screened = run(tmp_path, "screen", "--json", "--database", database_url,
                   stdin=json.dumps(TRAVELLER) + "\n")  # fmt: skip
    assert screened.returncode == 0, screened.stderr
    assert [hit["alert_id"] for hit in json.loads(screened.stdout)["hits"]] == ["R-1"]
    assert "reading node GEO, database " in screened.stderr  # CTA_STATE's default
    status = run(tmp_path, "federation", "status", "--json", "--database", database_url,
                 CTA_STATE="AZE")  # fmt: skip
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["node"] == "AZE"
    assert "password" not in status.stderr
    # the same through CTA_DATABASE_URL
    env = run(tmp_path, "federation", "status", "--json", CTA_DATABASE_URL=database_url)
    assert env.returncode == 0, env.stderr
    assert not (tmp_path / "var" / "cta-node.sqlite").exists()


def test_an_empty_database_is_not_made_a_node(database_url: str, tmp_path: Path) -> None:
    if database_url.startswith("sqlite"):
        Path(database_url.removeprefix("sqlite:///")).touch()
    for args in (("federation", "status"), ("screen",)):
        done = run(tmp_path, *args, "--database", database_url,
                   stdin=json.dumps(TRAVELLER) + "\n")  # fmt: skip
        assert done.returncode == 2
        lines = error_lines(done.stderr)
        assert len(lines) == 1 and "is not a CTA node database (it has no CTA tables)" in lines[0]
    engine = create_engine(database_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_screen_with_an_alerts_file_takes_no_node(tmp_path: Path) -> None:
    alerts = tmp_path / "alerts.jsonl"
    alerts.write_text(json.dumps(ALERT) + "\n", encoding="utf-8")
    done = run(tmp_path, "screen", "--alerts", str(alerts), "--node", "GEO", stdin="{}\n")
    assert done.returncode == 2
    assert error_lines(done.stderr) == [
        "error: --alerts screens against a file: it takes no --node or --database"
    ]
