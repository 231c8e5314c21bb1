"""GET / (the start page), /docs, the developers' viewers and /static over real HTTP from a
real ``cta serve``.

The start page links what the node serves, and every link opens; ``/docs`` is a plain page that
lists every operation and schema of the node's OpenAPI description; the viewers for developers
(Swagger UI, ReDoc) load their scripts from files shipped in the package (``/static/vendor/``),
never from a CDN; static text files go gzip-compressed to a client that accepts it.
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
        assert {"/docs", "/openapi.json", "/policy/workbench", "/v1/health"} <= set(links)
        for href in links:
            answer = client.get(href)  # a staff console leads to sign-in first
            to_sign_in = answer.headers.get("location", "").startswith("/sign-in?next=")
            assert answer.status_code == 200 or (answer.status_code == 303 and to_sign_in), href


def test_the_developers_viewers_load_their_files_from_the_node_itself(node: NodeServer) -> None:
    with node.client() as client:
        for page_path, wanted in (
            ("/developer/swagger-ui", {"swagger-ui-bundle.js", "swagger-ui.css"}),
            ("/developer/redoc", {"redoc.standalone.js"}),
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


def test_the_api_documents_page_lists_every_operation_and_schema_with_no_script(
    node: NodeServer,
) -> None:
    with node.client() as client:
        spec = client.get("/openapi.json").json()
        page = client.get("/docs?lang=en")
        moved = client.get("/redoc")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<script" not in page.text and "unsafe" not in page.headers["content-security-policy"]
    assert len(page.content) < 150_000  # with the stylesheet, well under the 200 KB budget
    shown = re.findall(r'<section class="api-operation" id="([^"]+)"', page.text)
    wanted = [(method.upper(), path) for path, item in spec["paths"].items() for method in item]
    assert len(shown) == len(wanted) > 40
    titles = {" ".join(re.sub(r"<[^>]+>", " ", title).split()) for title in
              re.findall(r'<h3 class="heading-s" id="[^"]+">(.*?)</h3>', page.text)}  # fmt: skip
    assert {f"{method} {path}" for method, path in wanted} <= titles
    for name in spec["components"]["schemas"]:
        assert f'id="schema-{name}"' in page.text, name
    assert 'href="#schema-CheckBody"' in page.text  # a body links its schema
    checks = page.text.split('id="post-v1-checks"', 1)[1].split("</section>", 1)[0]
    assert "Decide a border check" in checks and "A token is needed." in checks
    assert "<code>X-Purpose</code>" in checks and "in a header" in checks
    health = page.text.split('id="get-v1-health"', 1)[1].split("</section>", 1)[0]
    assert "No token is needed." in health and "<code>503</code>" in health
    assert {"/developer/swagger-ui", "/developer/redoc", "/openapi.json"} <= set(_refs(page.text))
    assert (moved.status_code, moved.headers["location"]) == (308, "/docs")


def test_the_api_documents_page_is_in_each_language(node: NodeServer) -> None:
    with node.client() as client:
        english = client.get("/docs?lang=en").text
        for code, heading in (("az", "API sənədləri"), ("hy", "API փաստաթղթեր"),
                              ("ka", "API დოკუმენტაცია"), ("ru", "Документация API")):
            page = client.get(f"/docs?lang={code}").text
            assert f'<html lang="{code}">' in page and f"{heading}:" in page, code
            for words in ("Parameters", "A token is needed.", "For developers", "Schemas"):
                assert words in english and words not in page, (code, words)


def test_static_text_goes_compressed_to_a_client_that_accepts_gzip(node: NodeServer) -> None:
    chromium = {"Accept-Encoding": "gzip, deflate, br, zstd"}
    with node.client() as client:
        for path in ("/static/cta.css", "/static/vendor/swagger-ui/swagger-ui-bundle.js",
                     "/static/vendor/redoc/redoc.standalone.js"):  # fmt: skip
            plain = client.get(path, headers={"Accept-Encoding": "identity"})
            packed = client.get(path, headers=chromium)
            assert plain.status_code == packed.status_code == 200, path
            assert "content-encoding" not in plain.headers
            assert packed.headers["content-encoding"] == "gzip"
            assert plain.headers["vary"] == packed.headers["vary"] == "Accept-Encoding"
            assert packed.content == plain.content  # httpx unpacks it: the same file
            sent = int(packed.headers["content-length"])
            assert sent < len(plain.content) / 3, (path, sent, len(plain.content))
            assert packed.headers["etag"] != plain.headers["etag"]
            again = client.get(path, headers=chromium | {"If-None-Match": packed.headers["etag"]})
            assert again.status_code == 304 and again.headers["vary"] == "Accept-Encoding"
            assert again.headers["x-content-type-options"] == "nosniff"  # the edge's headers
        bundle = "/static/vendor/swagger-ui/swagger-ui-bundle.js"
        part = client.get(bundle, headers=chromium | {"Range": "bytes=0-99"})
        assert part.status_code == 206 and len(part.content) == 100  # a range: as it is
        assert "content-encoding" not in part.headers
        refused = client.get("/static/cta.css", headers={"Accept-Encoding": "gzip;q=0, br"})
        assert "content-encoding" not in refused.headers
        page = client.get("/docs", headers=chromium)  # a page itself: never (BREACH)
        assert "content-encoding" not in page.headers


def test_a_browser_at_an_address_with_no_page_gets_a_page_in_its_language_not_json(
    node: NodeServer,
) -> None:
    """A mistyped or old link showed a browser the API's ``{"detail":"Not Found"}``."""
    html = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Accept-Language": "ka"}
    missing = httpx.get(f"{node.base_url}/travellers/stay", headers=html, timeout=10)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert 'lang="ka"' in missing.text and "ამ მისამართზე გვერდი არ არის" in missing.text
    assert '<a href="/">' in missing.text  # a way back to every page
    # the API, and clients that do not ask for HTML, keep the API's JSON answer
    api = httpx.get(f"{node.base_url}/v1/nothing-here", headers=html, timeout=10)
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
    plain = httpx.get(f"{node.base_url}/travellers/stay", timeout=10)
    assert plain.status_code == 404 and plain.json() == {"detail": "Not Found"}
