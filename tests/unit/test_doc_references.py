"""What README.md and docs/*.md point at exists: every relative link and its #anchor (GitHub's
rule: lower case, spaces to hyphens, punctuation dropped), and every ``METHOD /v1/path`` they
name is an operation of the node's OpenAPI document (or the federation's one hidden call).
docs/benchmarks.md is a log of runs and is not read as a source, but its headings are anchors
other pages link to."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cta.bootstrap import reference
from cta.entrypoints.api.app import create_app
from cta.policy.crossing_points import load_crossing_points
from cta.services.node import Node
from tests.unit.node.conftest import NOW
from tests.unit.node.memory_store import MemoryStore

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["README.md", *sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")
                                if p.name != "benchmarks.md")]  # fmt: skip
# served to peers only when the node is federated, and left out of the OpenAPI document
NOT_IN_OPENAPI = {("GET", "/v1/federation/records")}


def _text(name: str) -> str:
    text = (ROOT / name).read_text(encoding="utf-8")
    return re.sub(r"```.*?```", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)


def _slug(heading: str) -> str:
    heading = re.sub(r"<[^>]+>", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", heading).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for line in _text(str(path.relative_to(ROOT))).splitlines():
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            slug = _slug(m.group(1))
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            found.add(slug if n == 0 else f"{slug}-{n}")
    return found


def _line(text: str, at: int) -> int:
    return text[:at].count("\n") + 1


@pytest.mark.parametrize("name", SOURCES)
def test_every_relative_link_and_anchor_resolves(name: str) -> None:
    text, broken = _text(name), []
    for m in re.finditer(r"\]\(([^)\s]+)\)", text):
        target = m.group(1)
        if re.match(r"^[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        dest = (ROOT / name).parent / path if path else ROOT / name
        if not dest.exists():
            broken.append(f"{name}:{_line(text, m.start())}: {target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest.resolve()):
            broken.append(f"{name}:{_line(text, m.start())}: {target}: no such heading")
    assert not broken, "\n".join(broken)


@pytest.fixture(scope="module")
def operations() -> set[tuple[str, str]]:
    node = Node(MemoryStore(), reference(), load_crossing_points(), state="GEO",
                clock=lambda: NOW)  # fmt: skip
    paths = create_app(node).openapi()["paths"]
    return {(method.upper(), re.sub(r"\{[^}]*\}", "{}", path))
            for path, ops in paths.items() for method in ops}  # fmt: skip


def _expand(path: str) -> list[str]:
    """``/v1/{visas,authorizations}/{id}/revocation`` is two paths; ``{id}`` is a parameter."""
    m = re.search(r"\{([\w-]+(?:,[\w-]+)+)\}", path)
    if m is None:
        return [re.sub(r"\{[^}]*\}", "{}", path)]
    return [p for word in m.group(1).split(",")
            for p in _expand(path[:m.start()] + word + path[m.end():])]  # fmt: skip


@pytest.mark.parametrize("name", SOURCES)
def test_every_api_call_named_is_an_operation(name: str, operations: set[tuple[str, str]]) -> None:
    text, unknown = (ROOT / name).read_text(encoding="utf-8"), []
    known = operations | {(m, re.sub(r"\{[^}]*\}", "{}", p)) for m, p in NOT_IN_OPENAPI}
    for m in re.finditer(r"\b(GET|POST|PUT|DELETE|PATCH)\s+(/v1/[\w\-{}/.,…]*)", text):
        method, written = m.group(1), m.group(2).rstrip(".,")
        for path in _expand(written.rstrip("…")):
            path = path.rstrip("/")
            if written.endswith("…"):  # "GET /v1/persons/…": some operation under it
                found = any(k[0] == method and k[1].startswith(path + "/") for k in known)
            else:
                found = (method, path) in known
            if not found:
                unknown.append(f"{name}:{_line(text, m.start())}: {method} {written}")
    assert not unknown, "no such operation in the OpenAPI document:\n" + "\n".join(unknown)
