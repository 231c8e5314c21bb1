"""A declaration of internal checks that would begin more than a year ahead (the year 2999, a
typing slip) is refused by a real ``cta serve`` (422 naming the last day allowed) and by the real
``cta internal-checks declare`` (exit 1, the same words); a year ahead to the day is taken."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from cta.domain.internal_checks import AHEAD_MONTHS
from cta.domain.roles import Role
from cta.domain.travel_permits import add_months
from tests.integration.node_server import CTA, NodeServer, _environment, add_user, node_today

DAY = timedelta(days=1)


@pytest.fixture(scope="module")
def geo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NodeServer, str]]:
    workdir = tmp_path_factory.mktemp("internal-ahead")
    url = f"sqlite:///{workdir / 'node.sqlite'}"
    token = add_user(url, "admin.ahead", Role.ADMIN)
    with NodeServer(url, workdir) as server:
        yield server, token


def _declare(geo: tuple[NodeServer, str], first: str, to: str) -> httpx.Response:
    server, token = geo
    with server.client(token, "internal border checks test") as client:
        return client.post("/v1/internal-checks", json={
            "crossing_points": ["GEO-SADAKHLO"], "from": first, "to": to, "ground": "threat"})


def test_the_api_refuses_checks_from_2999_with_422_naming_the_limit(
    geo: tuple[NodeServer, str],
) -> None:
    latest = add_months(node_today(), AHEAD_MONTHS)
    refused = _declare(geo, "2999-12-01", "2999-12-02")
    assert refused.status_code == 422, refused.text
    assert (f"from 2999-12-01 is too far ahead: checks are declared to begin at most "
            f"{AHEAD_MONTHS} months ahead, by {latest}") in refused.text
    assert _declare(geo, (latest + DAY).isoformat(), (latest + DAY).isoformat()).status_code == 422
    taken = _declare(geo, latest.isoformat(), latest.isoformat())
    assert taken.status_code == 201, taken.text
    assert taken.json()["status"] == "planned"


def test_the_cli_refuses_checks_from_2999_with_exit_1_naming_the_limit(
    geo: tuple[NodeServer, str],
) -> None:
    server, token = geo
    env = _environment(server.database_url, 1, "GEO") | {"CTA_TOKEN": token}
    done = subprocess.run([str(CTA), "internal-checks", "declare", "GEO-SADAKHLO", "--from",
                           "2999-12-01", "--to", "2999-12-02", "--ground", "threat"], env=env,
                          text=True, capture_output=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "from 2999-12-01 is too far ahead" in done.stderr
    assert "Traceback" not in done.stderr
