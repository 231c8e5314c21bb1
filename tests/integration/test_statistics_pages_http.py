"""The statistics pages over real HTTP from a real ``cta serve``, on SQLite and PostgreSQL: an
analyst sees every chart with its table and downloads each table as CSV; an officer is refused,
someone not signed in is sent to sign in; every page is under 200 KB (issue 13)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from cta.adapters.storage.engine import make_engine
from cta.domain.roles import Role
from cta.entrypoints.web.i18n import LANGUAGES
from cta.entrypoints.web.statistics import TITLES
from cta.services.statistics_pages import FIGURES
from tests.integration.node_server import BOTH_DATABASES, NodeServer, add_user, module_database
from tests.integration.test_statistics_figures import history
from tests.integration.web_client import signed_in

OCTOBER = "from=2026-10-01&to=2026-10-31"
PAGE_LIMIT = 200 * 1024


@dataclass
class Site:
    server: NodeServer
    analyst: str
    officer: str


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def site(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:  # fmt: skip
    workdir = tmp_path_factory.mktemp(f"statistics-pages-{request.param}")
    with module_database(request, workdir) as url:
        analyst = add_user(url, "analyst.web", Role.ANALYST)
        officer = add_user(url, "officer.web", Role.BORDER_OFFICER)
        with NodeServer(url, workdir) as server:
            engine = make_engine(url)
            try:
                history(engine)  # October 2026: the figures of test_statistics_figures
            finally:
                engine.dispose()
            yield Site(server, analyst, officer)


def table(page: str, name: str) -> list[list[str]]:
    """The cells of a figure's table, as the page shows them (tags dropped)."""
    body = page.split(f'id="{name}-table"', 1)[1].split("</table>", 1)[0]
    return [[re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>",
                                                                  row)]
            for row in re.findall(r"<tr>(.*?)</tr>", body)]  # fmt: skip


def test_without_a_session_to_sign_in_and_an_officer_is_refused(site: Site) -> None:
    with site.server.client(purpose=None) as client:
        away = client.get(f"/statistics?{OCTOBER}")
        assert away.status_code == 303
        assert away.headers["location"] == "/sign-in?next=%2Fstatistics%3F" + OCTOBER.replace(
            "=", "%3D").replace("&", "%26")
        assert client.get("/statistics/flows.csv").status_code == 303
        assert 'href="/statistics"' in client.get("/").text  # linked from the start page
    with signed_in(site.server, site.officer, "/statistics") as client:
        refused = client.get("/statistics")
        assert refused.status_code == 403 and 'id="refusal"' in refused.text
        assert client.get(f"/statistics/flows.csv?{OCTOBER}").status_code == 403


def test_an_analyst_sees_every_chart_with_its_table(site: Site) -> None:
    with signed_in(site.server, site.analyst, "/statistics") as client:
        answer = client.get(f"/statistics?{OCTOBER}&lang=en")
    assert answer.status_code == 200, answer.text[-2000:]
    assert len(answer.content) < PAGE_LIMIT, len(answer.content)
    page = answer.text
    for name in FIGURES:
        chart = page.split(f'id="chart-{name.replace("_", "-")}"', 1)[1].split("</svg>", 1)[0]
        assert re.search(r"<(rect|path) ", chart), name  # drawn marks
        assert f'href="/statistics/{name}.csv?{OCTOBER.replace("&", "&amp;")}&amp;lang=en"' in page
    assert table(page, "flows")[1:] == [["Armenia", "0", "0", "0"],
                                        ["Azerbaijan", "0", "0", "0"],
                                        ["Georgia", "12", "5", "6"],
                                        ["No entry recorded", "0", "0", "5"]]
    assert ["Oct 2, 2026", "0", "0", "0", "0", "12", "0"] in table(page, "crossings_by_day")
    assert ["C", "has no valid visa, travel authorisation or residence permit", "6"] in table(
        page, "refusals_by_reason")
    assert ["less than a day", "6", "0"] in table(page, "time_to_decision")
    internal = table(page, "internal_checks_by_day")
    assert internal[0] == ["Day", "Checks made", "Refusals"] and len(internal) == 1 + 31
    assert [row for row in internal[1:] if row[1:] != ["0", "0"]] == [["Oct 12, 2026", "14", "6"]]
    assert ["United States", "USA", "12", "12", "0"] in [
        [c.replace("United States of America", "United States") for c in row]
        for row in table(page, "nationalities")]
    assert "TESTER" not in page and "ANNA" not in page  # no person anywhere


def test_each_table_downloads_as_csv(site: Site) -> None:
    with signed_in(site.server, site.analyst, "/statistics") as client:
        flows = client.get(f"/statistics/flows.csv?{OCTOBER}&lang=en")
        points = client.get(f"/statistics/crossings_by_point.csv?{OCTOBER}&lang=ru")
        missing = client.get(f"/statistics/persons.csv?{OCTOBER}")
        wrong = client.get("/statistics/flows.csv?from=yesterday")
    assert flows.status_code == 200 and flows.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in flows.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(flows.content.decode("utf-8"))))
    assert rows == [["Entered in (rows), left from (columns)", "Armenia", "Azerbaijan",
                     "Georgia"], ["Armenia", "0", "0", "0"], ["Azerbaijan", "0", "0", "0"],
                    ["Georgia", "12", "5", "6"], ["No entry recorded", "0", "0", "5"]]
    russian = list(csv.reader(io.StringIO(points.content.decode("utf-8"))))
    assert russian[0][0] == "Пункт пропуска"
    assert [russian[1][1], *russian[1][3:]] == ["ARM-EVN", "0", "12"]  # code, entries, exits
    assert missing.status_code == 404 and wrong.status_code == 400


def test_the_crossings_per_day_and_point_download_as_csv(site: Site) -> None:
    with signed_in(site.server, site.analyst, "/statistics") as client:
        page = client.get(f"/statistics?{OCTOBER}&lang=en").text
        answer = client.get(f"/statistics/crossings_by_day_and_point.csv?{OCTOBER}&lang=en")
    assert 'id="crossings_by_day_and_point-csv"' in page
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8"))))
    assert rows[0] == ["Day", "Crossing point", "Code", "Member state", "Entries", "Exits"]
    assert [[r[0], r[2], r[4], r[5]] for r in rows[1:]] == [
        ["2026-10-02", "GEO-TBS", "12", "0"], ["2026-10-03", "GEO-TBS", "6", "0"],
        ["2026-10-05", "GEO-TBS", "0", "6"], ["2026-10-10", "ARM-EVN", "0", "12"],
        ["2026-10-15", "GEO-TBS", "0", "5"], ["2026-10-20", "AZE-GYD", "0", "5"]]


def test_a_year_is_under_200_kb_and_a_bad_period_is_named(site: Site) -> None:
    with signed_in(site.server, site.analyst, "/statistics") as client:
        year = client.get("/statistics?from=2025-12-07&to=2026-12-06")
        wrong = client.get("/statistics?from=2026-10-31&to=2026-10-01")
        ancient = client.get("/statistics?from=0001-01-01&to=0001-01-02")
        far = client.get("/statistics/flows.csv?from=9999-12-30&to=9999-12-31")
        # ISO's other forms, which date.fromisoformat takes: the form asks for YYYY-MM-DD
        compact = client.get("/statistics?from=20261001&to=20261031")
        weeks = client.get("/statistics/flows.csv?from=2026-W40-1&to=2026-W44-1")
        default = client.get("/statistics")
    assert year.status_code == 200 and len(year.content) < PAGE_LIMIT, len(year.content)
    assert wrong.status_code == 400 and 'id="error-summary"' in wrong.text
    assert ancient.status_code == 400 and far.status_code == 400
    assert compact.status_code == 400 and weeks.status_code == 400
    assert default.status_code == 200 and len(default.content) < PAGE_LIMIT


def test_a_bad_period_keeps_the_days_the_analyst_typed_to_correct_them(site: Site) -> None:
    """The fields showed the default 90 days after an error, so that the message "the first
    day must come before the last" stood beside two days that did."""
    with signed_in(site.server, site.analyst, "/statistics") as client:
        wrong = client.get("/statistics?from=2026-10-31&to=2026-10-01")
        half = client.get("/statistics?to=2020-01-01")
    assert wrong.status_code == 400
    assert 'id="from" name="from" type="date" value="2026-10-31"' in wrong.text
    assert 'id="to" name="to" type="date" value="2026-10-01"' in wrong.text
    assert half.status_code == 400 and 'name="to" type="date" value="2020-01-01"' in half.text


def test_the_json_figures_for_analysts_only(site: Site) -> None:
    with site.server.client(site.analyst, None) as client:
        answer = client.get("/v1/statistics/figures", params={"from": "2026-10-01",
                                                              "to": "2026-10-31"})
    assert answer.status_code == 200, answer.text
    assert {"entered": "GEO", "left": "ARM", "persons": 12} in answer.json()["figures"]["flows"]
    with site.server.client(site.officer, "border control") as client:
        refused = client.get("/v1/statistics/figures", params={"from": "2026-10-01",
                                                               "to": "2026-10-31"})
    assert refused.status_code == 403


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code != "en"])
def test_the_page_is_in_each_language(site: Site, lang: str) -> None:
    with signed_in(site.server, site.analyst, "/statistics") as client:
        answer = client.get(f"/statistics?{OCTOBER}&lang={lang}")
    assert answer.status_code == 200
    assert f'<html lang="{lang}">' in answer.text
    assert not [title for title in TITLES.values() if title in answer.text], lang
    assert "Armenia" not in answer.text and "Download this table" not in answer.text


def busy_year(url: str) -> None:
    """2025 at its busiest for the page: every day crossings in each state, and every
    nationality of the table and every crossing point with crossings of its own."""
    from datetime import UTC, date, datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from cta.adapters.storage import tables as t
    from cta.policy.countries import load_countries
    from cta.policy.crossing_points import load_crossing_points

    points = [p.code for s in ("GEO", "ARM", "AZE") for p in load_crossing_points().of_state(s)]
    codes = sorted(load_countries().codes)
    first = date(2025, 1, 1)
    travellers = [(codes[n % len(codes)], points[n % len(points)], first + timedelta(days=n % 365))
                  for n in range(365 * 3 * 5)]  # fmt: skip
    now = datetime.now(UTC)
    persons, documents, crossings = [], [], []
    for n, (nationality, point, day) in enumerate(travellers, start=100_000):
        zone = load_crossing_points().get(point).time_zone  # type: ignore[union-attr]
        at = datetime.combine(day, time(12), ZoneInfo(zone))
        persons.append({"id": n, "surname": "TESTER", "given_names": "ANNA",
                        "nationality": nationality, "birth_date_raw": "900517",
                        "created_at": now, "overstayed": False})
        documents.append({"id": n, "person_id": n, "document_code": "P",
                          "issuing_state": nationality, "document_number": f"B{n}",
                          "first_seen": now})
        crossings.append({"person_id": n, "document_id": n, "direction": "entry",
                          "crossing_point": point, "occurred_at": at, "time_zone": zone,
                          "local_date": day, "officer": "officer.01", "decision": "admit",
                          "recorded_at": at})
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(t.persons.insert(), persons)
            connection.execute(t.documents.insert(), documents)
            connection.execute(t.crossings.insert(), crossings)
    finally:
        engine.dispose()


def test_a_busy_year_is_under_200_kb_in_every_language(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    workdir = tmp_path_factory.mktemp("statistics-busy")
    url = f"sqlite:///{workdir / 'node.sqlite'}"
    with NodeServer(url, workdir) as server:
        busy_year(url)
        site = Site(server, add_user(url, "analyst.busy", Role.ANALYST), "")
        with signed_in(site.server, site.analyst, "/statistics") as client:
            sizes = {code: len(client.get(f"/statistics?from=2025-01-01&to=2025-12-31"
                                          f"&lang={code}").content) for code in LANGUAGES}
            page = client.get("/statistics?from=2025-01-01&to=2025-12-31&lang=en").text
    assert len(table(page, "nationalities")) > 200 and len(table(page, "crossings_by_point")) > 40
    assert all(size < PAGE_LIMIT for size in sizes.values()), sizes
