"""GET / (the start page), /docs and /redoc over real HTTP from a real ``cta serve``.

The start page links what the node serves, and every link opens; the API documents load their
scripts from files shipped in the package (``/static/vendor/...``), never from a CDN.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx

from cta.entrypoints.web.start import LINKS
from tests.integration.node_server import NodeServer


class _Refs(HTMLParser):
    """Every href and src of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.refs += [value for name, value in attrs if name in {"href", "src"} and value]


def _refs(page: str) -> list[str]:
    parser = _Refs()
    parser.feed(page)
    return parser.refs


def test_the_start_page_links_what_the_node_serves_and_every_link_opens(
    node: NodeServer,
) -> None:
    with node.client() as client:
        page = client.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "CTA node of Georgia" in page.text and "(GEO)" in page.text
        assert "Not federated" in page.text  # a node alone says so
        assert "<script" not in page.text
        listed = page.text.split('<dl class="links" id="links">', 1)[1].split("</dl>", 1)[0]
        links = _refs(listed)
        assert links == [link.href for link in LINKS]
        assert {"/traveller/stay", "/sign-in"} <= set(links)
        assert {"/docs", "/redoc", "/openapi.json", "/policy/workbench", "/v1/health"} <= set(links)
        for href in links:  # a staff page leads to sign-in
            assert client.get(href, follow_redirects=True).status_code == 200, href


def test_the_api_documents_load_their_files_from_the_node_itself(node: NodeServer) -> None:
    with node.client() as client:
        for page_path, wanted in (
            ("/docs", {"swagger-ui-bundle.js", "swagger-ui.css"}),
            ("/redoc", {"redoc.standalone.js"}),
        ):
            page = client.get(page_path)
            assert page.status_code == 200, page_path
            refs = _refs(page.text)
            assert all(ref.startswith("/static/vendor/") for ref in refs), refs
            assert {ref.rsplit("/", 1)[-1] for ref in refs} >= wanted
            assert not re.search(r"https?://", page.text), page_path  # no CDN, no fonts
            for ref in refs:
                served = client.get(ref)
                assert served.status_code == 200, ref
                assert len(served.content) > 500, ref
        script = client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
        assert "javascript" in script.headers["content-type"]
        assert client.get("/static/vendor/redoc/LICENSE").status_code == 200
        assert client.get("/static/../../app.py").status_code == 404


def test_a_missing_static_file_is_404(node: NodeServer) -> None:
    answer = httpx.get(f"{node.base_url}/static/vendor/nothing.js", timeout=10)
    assert answer.status_code == 404
