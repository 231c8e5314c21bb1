"""The statistics pages' figures from a real database, on SQLite and PostgreSQL: a known
history (entries in Georgia, exits from Armenia and Azerbaijan, refusals, applications,
travellers who stayed too long) gives the figures it should, large cells exactly and small
ones as 0 or 5 (docs/statistics.md, "The pages' figures")."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from cta.adapters.storage import tables as t
from cta.adapters.storage.engine import make_engine, migrate
from cta.adapters.storage.statistics import SqlStatistics
from cta.bootstrap import reference
from cta.domain.errors import InvalidInputError
from cta.domain.roles import Role
from cta.domain.statistics import Figure
from cta.services.node import ForbiddenError
from cta.services.statistics_pages import as_json, statistics_figures

FIRST, LAST = date(2026, 10, 1), date(2026, 10, 31)
ZONES = {"GEO": "Asia/Tbilisi", "ARM": "Asia/Yerevan", "AZE": "Asia/Baku"}
_numbers = itertools.count(1)


def person(engine: Engine, nationality: str) -> tuple[int, int]:
    """A new person and their passport: (person id, document id)."""
    now = datetime.now(UTC)
    with engine.begin() as connection:
        person_id = connection.execute(t.persons.insert().values(
            surname="TESTER", given_names="ANNA", nationality=nationality,
            birth_date_raw="900517", created_at=now, overstayed=False)).inserted_primary_key[0]
        document_id = connection.execute(t.documents.insert().values(
            person_id=person_id, document_code="P", issuing_state=nationality,
            document_number=f"N{next(_numbers):08d}", first_seen=now)).inserted_primary_key[0]
    return int(person_id), int(document_id)


def cross(engine: Engine, who: tuple[int, int], direction: str, point: str, day: date) -> None:
    at = datetime.combine(day, time(12), ZoneInfo(ZONES[point[:3]]))
    with engine.begin() as connection:
        connection.execute(t.crossings.insert().values(
            person_id=who[0], document_id=who[1], direction=direction, crossing_point=point,
            occurred_at=at, time_zone=ZONES[point[:3]], local_date=day, officer="officer.01",
            decision="admit", recorded_at=at))  # fmt: skip


def refuse(engine: Engine, who: tuple[int, int], day: date, letters: list[str]) -> None:
    at = datetime.combine(day, time(9), ZoneInfo("Asia/Tbilisi"))
    with engine.begin() as connection:
        connection.execute(t.refusals.insert().values(
            person_id=who[0], document_id=who[1], crossing_point="GEO-TBS", occurred_at=at,
            time_zone="Asia/Tbilisi", local_date=day, officer="officer.01", recorded_at=at,
            reasons=[{"code": c, "message": f"ground {c}"} for c in letters]))  # fmt: skip


def check_inside(engine: Engine, who: tuple[int, int], day: date, outcome: str) -> None:
    """A check at a Georgian internal crossing point while checks are reintroduced there."""
    at = datetime.combine(day, time(11), ZoneInfo("Asia/Tbilisi"))
    with engine.begin() as connection:
        connection.execute(t.internal_check_records.insert().values(
            reintroduction="GEO-IC-1", person_id=who[0], document={}, nationality="USA",
            crossing_point="GEO-SADAKHLO", direction="entry", occurred_at=at,
            time_zone="Asia/Tbilisi", local_date=day, officer="officer.01",
            decision="admit" if outcome == "admitted" else "refuse", outcome=outcome,
            reasons=[] if outcome == "admitted" else [{"code": "I", "message": "ground I"}],
            recorded_at=at))  # fmt: skip


def apply(engine: Engine, kind: str, status: str, submitted: datetime,
          decided: datetime | None) -> None:  # fmt: skip
    with engine.begin() as connection:
        connection.execute(t.applications.insert().values(
            number=f"GEO-A-{next(_numbers)}", kind=kind, status=status, access_hash="0" * 64,
            first_state="GEO", issuing_state="USA", document_number="X1", nationality="USA",
            surname="TESTER", birth_date_raw="900517", language="en", email="a@example.org",
            form={}, review=[], history=[], submitted_at=submitted,
            deadline=submitted + timedelta(days=30), decided_at=decided))  # fmt: skip


def history(engine: Engine) -> None:
    """The known history of October 2026 (and the stays that began before it)."""
    for _ in range(12):  # entered Georgia, left from Armenia
        who = person(engine, "USA")
        cross(engine, who, "entry", "GEO-TBS", date(2026, 10, 2))
        cross(engine, who, "exit", "ARM-EVN", date(2026, 10, 10))
    for _ in range(6):  # in and out of Georgia
        who = person(engine, "GBR")
        cross(engine, who, "entry", "GEO-TBS", date(2026, 10, 3))
        cross(engine, who, "exit", "GEO-TBS", date(2026, 10, 5))
    for _ in range(5):  # entered Georgia in August, left from Azerbaijan on day 81: no overstay
        who = person(engine, "IND")
        cross(engine, who, "entry", "GEO-TBS", date(2026, 8, 1))
        cross(engine, who, "exit", "AZE-GYD", date(2026, 10, 20))
    for _ in range(5):  # left with no entry recorded here
        cross(engine, person(engine, "NRU"), "exit", "GEO-TBS", date(2026, 10, 15))
    for nationality, count in (("CHN", 7), ("RUS", 2), ("GEO", 6)):  # inside since June
        for _ in range(count):
            cross(engine, person(engine, nationality), "entry", "AZE-GYD", date(2026, 6, 1))
    for letters in [["C", "E"]] * 6 + [["H", "H"]] * 5:
        refuse(engine, person(engine, "KOR"), date(2026, 10, 7), letters)
    for outcome in ["admitted"] * 8 + ["refused"] * 6:  # checks at an internal border
        check_inside(engine, person(engine, "USA"), date(2026, 10, 12), outcome)
    morning = datetime(2026, 10, 5, 9, tzinfo=UTC)
    for _ in range(6):
        apply(engine, "authorization", "granted", morning, morning + timedelta(hours=2))
    for _ in range(5):
        apply(engine, "visa", "refused", morning + timedelta(days=1),
              morning + timedelta(days=11, hours=1))
    for _ in range(7):
        apply(engine, "authorization", "manual", morning + timedelta(days=3), None)


@pytest.fixture
def statistics(database_url: str) -> Iterator[SqlStatistics]:
    engine = make_engine(database_url)
    migrate(engine)
    try:
        history(engine)
        yield SqlStatistics(engine)
    finally:
        engine.dispose()


def figures_of(source: Any, role: Role = Role.ANALYST) -> dict[str, Figure]:
    regime = reference().regime("union-draft").as_if_on(LAST)
    return statistics_figures(source, role, regime, FIRST, LAST)


def rows(figure: Figure) -> dict[tuple[str, ...], tuple[int, ...]]:
    return dict(figure.rows)


def test_crossings_by_day_state_and_point(statistics: SqlStatistics) -> None:
    found = figures_of(statistics)
    assert rows(found["crossings_by_day"]) == {
        ("2026-10-02", "GEO"): (12, 0), ("2026-10-03", "GEO"): (6, 0),
        ("2026-10-05", "GEO"): (0, 6), ("2026-10-10", "ARM"): (0, 12),
        ("2026-10-15", "GEO"): (0, 5), ("2026-10-20", "AZE"): (0, 5),
    }  # fmt: skip
    assert rows(found["crossings_by_day_and_point"])[("2026-10-10", "ARM-EVN")] == (0, 12)
    assert rows(found["crossings_by_point"]) == {
        ("ARM-EVN",): (0, 12), ("AZE-GYD",): (0, 5), ("GEO-TBS",): (18, 11)}


def test_entered_in_georgia_and_left_from_armenia_is_a_flow(statistics: SqlStatistics) -> None:
    assert rows(figures_of(statistics)["flows"]) == {
        ("GEO", "ARM"): (12,), ("GEO", "GEO"): (6,), ("GEO", "AZE"): (5,),
        ("none", "GEO"): (5,)}  # fmt: skip


def test_overstays_count_those_inside_past_their_limit_each_week(
    statistics: SqlStatistics,
) -> None:
    """7 Chinese and 2 Russian travellers inside since 1 June (over 90 days all October);
    Georgians move freely; the Indians left on their 81st day."""
    overstays = rows(figures_of(statistics)["overstays"])
    weeks = ["2026-10-04", "2026-10-11", "2026-10-18", "2026-10-25", "2026-10-31"]
    assert sorted(key[0] for key in overstays) == weeks
    assert all(values[0] - 7 in (0, 5) for values in overstays.values()), overstays


def test_refusals_by_annex_v_letter_once_per_refusal(statistics: SqlStatistics) -> None:
    assert rows(figures_of(statistics)["refusals_by_reason"]) == {
        ("C",): (6,), ("E",): (6,), ("H",): (5,)}


def test_checks_at_internal_borders_by_day(statistics: SqlStatistics) -> None:
    """14 checks at an internal crossing point on 12 October, 6 of them refused; nothing of
    them enters the crossings' figures."""
    found = figures_of(statistics)
    assert rows(found["internal_checks_by_day"]) == {("2026-10-12",): (14, 6)}
    assert "GEO-SADAKHLO" not in {key[0] for key in rows(found["crossings_by_point"])}
    assert ("2026-10-12", "GEO") not in rows(found["crossings_by_day"])
    answer = as_json(FIRST, LAST, found)["figures"]["internal_checks_by_day"]
    assert answer == [{"day": "2026-10-12", "checks": 14, "refusals": 6}]


def test_applications_by_outcome_and_time_to_decision(statistics: SqlStatistics) -> None:
    found = figures_of(statistics)
    assert rows(found["applications_by_outcome"]) == {
        ("granted",): (6, 0), ("manual",): (7, 0), ("refused",): (0, 5)}
    assert found["time_to_decision"].rows == ((("under_1",), (6, 0)), (("7_14",), (0, 5)))


def test_nationalities_and_the_json_answer(statistics: SqlStatistics) -> None:
    found = figures_of(statistics)
    assert rows(found["nationalities"]) == {
        ("GBR",): (6, 6, 0), ("IND",): (0, 5, 0), ("KOR",): (0, 0, 11), ("NRU",): (0, 5, 0),
        ("USA",): (12, 12, 0)}  # fmt: skip
    answer = as_json(FIRST, LAST, found)
    assert {"entered": "GEO", "left": "ARM", "persons": 12} in answer["figures"]["flows"]
    assert "docs/statistics.md" in answer["method"]


def test_only_analysts_and_a_period_of_at_most_a_year(statistics: SqlStatistics) -> None:
    with pytest.raises(ForbiddenError):
        figures_of(statistics, Role.BORDER_OFFICER)
    regime = reference().regime("union-draft").as_if_on(LAST)
    with pytest.raises(InvalidInputError):
        statistics_figures(statistics, Role.ANALYST, regime, FIRST, FIRST + timedelta(days=366))
    with pytest.raises(InvalidInputError):
        statistics_figures(statistics, Role.ANALYST, regime, LAST, FIRST)
