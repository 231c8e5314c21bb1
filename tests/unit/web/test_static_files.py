"""The static files' compression rule on files of the test's own (sizes and kinds chosen)."""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from cta.entrypoints.web.static_files import MIN_BYTES, CompressedStaticFiles

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def _get(folder: Path, path: str) -> httpx.Response:
    """``path`` asked of the application in process (the ASGI interface, no server)."""
    app = Starlette(routes=[Mount("/static", CompressedStaticFiles(directory=folder))])

    async def ask() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
            return await client.get(path, headers=GZIP)

    return asyncio.run(ask())


def test_a_text_file_under_the_minimum_goes_as_it_is_and_one_at_it_compressed(
    tmp_path: Path,
) -> None:
    (tmp_path / "small.js").write_text("x" * (MIN_BYTES - 1))
    (tmp_path / "big.js").write_text("y" * MIN_BYTES)
    small = _get(tmp_path, "/static/small.js")
    big = _get(tmp_path, "/static/big.js")
    assert small.status_code == big.status_code == 200
    assert "content-encoding" not in small.headers
    assert small.headers["vary"] == "Accept-Encoding"
    assert big.headers["content-encoding"] == "gzip"
    assert big.content == b"y" * MIN_BYTES  # the client unpacks it
    assert int(big.headers["content-length"]) < MIN_BYTES


def test_a_file_that_is_not_text_goes_as_it_is(tmp_path: Path) -> None:
    data = gzip.compress(b"z" * 4096)
    (tmp_path / "picture.png").write_bytes(data)
    answer = _get(tmp_path, "/static/picture.png")
    assert answer.status_code == 200 and answer.content == data
    assert "content-encoding" not in answer.headers
