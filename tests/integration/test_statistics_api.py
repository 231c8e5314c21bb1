"""Statistics over real HTTP, on SQLite and PostgreSQL: no difference of two answers gives back
a small count (issue 11, section 4; docs/statistics.md).

The reproduction: an analyst subtracted ``from=A&to=D-1`` from ``from=A&to=D`` and recovered a
one-day count that ``by=day`` published as ``"<5"``. Now every figure is a sum of cells (a day,
a crossing point, a nationality), each small cell published as 0 or 5, the same every time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cta.domain.roles import Role
from tests.integration.node_server import (
    BOTH_DATABASES,
    NodeServer,
    add_user,
    module_database,
    passport,
)

TBILISI = ZoneInfo("Asia/Tbilisi")
TODAY = datetime.now(UTC).astimezone(TBILISI).date()
D = TODAY - timedelta(days=3)  # the day whose small count the analyst is after
A = D - timedelta(days=30)
RARE = 3  # travellers of a rare nationality on D: published before as "<5", found exactly


@dataclass
class Node:
    server: NodeServer
    tokens: dict[Role, str]

    def statistics(self, first: date, last: date, by: str) -> dict[str, Any]:
        # an analyst reads no personal data: no purpose to give
        with self.server.client(self.tokens[Role.ANALYST], None) as client:
            response = client.get("/v1/statistics", params={"from": first.isoformat(),
                                                             "to": last.isoformat(), "by": by})
        assert response.status_code == 200, response.text
        return dict(response.json())


def at_noon(day: date) -> str:
    return datetime.combine(day, time(12), TBILISI).isoformat()


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def node(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Node]:
    """A node whose only records are: 12 US entries on D-1 and D each, 3 Nauruan on D."""
    workdir = tmp_path_factory.mktemp(f"statistics-{request.param}")
    with module_database(request, workdir) as url:
        tokens = {role: add_user(url, f"{role.value}.st", role) for role in Role}
        with NodeServer(url, workdir) as server:
            with server.client(tokens[Role.BORDER_OFFICER], "entries at the desk") as client:
                travellers = [("USA", D - timedelta(days=1))] * 12 + [("USA", D)] * 12
                travellers += [("NRU", D)] * RARE
                for nationality, day in travellers:
                    body = {"mrz": passport(nationality), "crossing_point": "GEO-TBS",
                            "direction": "entry", "occurred_at": at_noon(day),
                            "override_reason": "statistics test"}  # fmt: skip
                    response = client.post("/v1/crossings", json=body)
                    assert response.status_code == 201, response.text
            yield Node(server, tokens)


def entries(answer: dict[str, Any], key: str, value: str) -> int:
    figures = [g["entries"] for g in answer["groups"] if g[key] == value]
    assert all(isinstance(f, int) for f in figures), answer
    return sum(figures)


@pytest.mark.parametrize("by", ["crossing_point", "day"])
def test_a_range_to_d_minus_the_range_to_d_minus_1_no_longer_gives_the_days_small_count(
    node: Node, by: str
) -> None:
    key = "GEO-TBS" if by == "crossing_point" else None
    to_d = node.statistics(A, D, by)
    to_before = node.statistics(A, D - timedelta(days=1), by)
    if key is None:  # by day: the whole range's total
        total_d = sum(g["entries"] for g in to_d["groups"])
        total_before = sum(g["entries"] for g in to_before["groups"])
    else:
        total_d, total_before = entries(to_d, by, key), entries(to_before, by, key)
    day = total_d - total_before
    assert day - 12 in (0, 5), (day, to_d, to_before)  # the 12 US entries, and 0 or 5
    assert day - 12 != RARE


def test_no_combination_of_groupings_gives_the_small_count(node: Node) -> None:
    """The day's total minus the other nationalities' figures (the marginals) is 0 or 5."""
    day = entries(node.statistics(D, D, "day"), "day", D.isoformat())
    by_nationality = node.statistics(D, D, "nationality")
    assert day == sum(g["entries"] for g in by_nationality["groups"])
    assert day - entries(by_nationality, "nationality", "USA") in (0, 5)
    for first in (A, D - timedelta(days=1), D):
        assert entries(node.statistics(first, D, "nationality"), "nationality", "NRU") in (0, 5)


def test_asking_again_draws_nothing_new(node: Node) -> None:
    answers = [node.statistics(A, D, "nationality") for _ in range(5)]
    assert all(a == answers[0] for a in answers)
    assert entries(answers[0], "nationality", "USA") == 24  # large cells are exact
    assert "docs/statistics.md" in answers[0]["method"]
