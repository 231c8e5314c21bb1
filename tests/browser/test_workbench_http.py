"""GET /policy/workbench over real HTTP from a real `cta serve`: no token, escaped, 422 if bad."""

from __future__ import annotations

import re

import httpx

from tests.integration.node_server import NodeServer


def _get(node: NodeServer, **params: str) -> httpx.Response:
    with node.client() as client:
        return client.get("/policy/workbench", params=params)


def test_the_page_needs_no_token_and_shows_the_aggregates(node: NodeServer) -> None:
    page = _get(node, on="2027-01-01")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'id="impact"' in page.text and 'id="impact-chart-visitors"' in page.text
    # rule all, Georgia: Armenians (1,229,300 entries) gain free movement
    assert "<td>all</td><td>GEO</td><td>3</td><td>70</td><td>180</td>" in page.text
    assert "1,229,300" in page.text
    assert "<script" not in page.text and "http://" not in page.text.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )


def test_the_page_compares_a_nationality_and_counts_a_trip(node: NodeServer) -> None:
    page = _get(
        node, nationality="USA", on="2027-01-01", trip="GEO:60,ARM:40", **{"from": "2027-06-01"}
    )
    assert page.status_code == 200
    assert "<td>AZE</td><td>e_visa</td>" in page.text
    assert "area: over the limit (90 days in any 180) on 10 day(s), from 2027-08-30" in page.text
    over_rows = re.findall(r'<tr class="over"><td>(\d{4}-\d{2}-\d{2})</td>', page.text)
    assert over_rows[0] == "2027-08-30" and len(over_rows) == 10


def test_bad_input_is_named_on_the_page_escaped_with_status_422(node: NodeServer) -> None:
    page = _get(node, nationality="<script>alert(1)</script>", trip="GEO:0")
    assert page.status_code == 422
    assert "<script>alert(1)</script>" not in page.text
    assert "unknown nationality &#x27;&lt;script&gt;alert(1)&lt;/script&gt;&#x27;" in page.text
    assert page.text.count("unknown nationality") == 1
    assert 'id="impact"' in page.text  # the rest of the page is still shown


def test_an_impossible_date_is_named(node: NodeServer) -> None:
    page = _get(node, on="2027-02-30")
    assert page.status_code == 422
    assert "the date &#x27;2027-02-30&#x27; is not a date like 2027-01-01" in page.text


def test_the_page_is_not_in_the_openapi_document(node: NodeServer) -> None:
    with node.client() as client:
        assert "/policy/workbench" not in client.get("/openapi.json").json()["paths"]
