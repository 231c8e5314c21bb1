"""``/static``: the package's files, gzip-compressed for a browser that accepts it.

A text file (CSS, script, JSON, SVG) of 1 KB or more is sent with ``Content-Encoding: gzip``
when the request's ``Accept-Encoding`` allows gzip: the stylesheet goes from 13 KB to 3.5 KB,
and the vendored viewers of the API documents (developers' tools) from 1.8 MB to 470 KB. Each
file is compressed once per worker, the first time it is asked for (in a worker thread), and
kept in memory keyed by its size and modification time, so that no request pays for it again
and a file changed on disk is compressed anew. Every answer for such a file says
``Vary: Accept-Encoding``; the compressed one has its own ``ETag`` (the file's with ``-gzip``),
so a cache never mixes the two. A ``Range`` request gets the file as it is (a byte range of
the compressed form would be meaningless to the client).

Only these files: the pages themselves are sent as they are. They carry a session's form token
beside text from the request, which a compressed answer would leak a byte at a time to an
attacker who sees the answers' lengths (BREACH); and the officer's answer is small and needed
at once.
"""

from __future__ import annotations

import gzip
import mimetypes
import os
import threading
from pathlib import Path

import anyio.to_thread
from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

__all__ = ["MIN_BYTES", "CompressedStaticFiles", "accepts_gzip"]

MIN_BYTES = 1024  # below this the gzip header and the CPU are not worth it
_TEXT = ("text/", "application/javascript", "application/json", "image/svg+xml",
         "application/xml")  # fmt: skip


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` value allows gzip (by name or by ``*``, not at q=0)."""
    named: dict[str, float] = {}
    for part in accept_encoding.split(","):
        coding, _, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        named[coding.strip().lower()] = weight
    if "gzip" in named:
        return named["gzip"] > 0
    return named.get("*", 0.0) > 0


def _compressible(path: str) -> bool:
    kind, _ = mimetypes.guess_type(path)
    return kind is not None and kind.startswith(_TEXT)


class CompressedStaticFiles(StaticFiles):
    """``StaticFiles`` that sends text files gzip-compressed to clients that accept it."""

    def __init__(self, *, directory: str | os.PathLike[str]) -> None:
        super().__init__(directory=directory)
        self._gzipped: dict[tuple[str, int, int], bytes] = {}
        self._lock = threading.Lock()

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if not _compressible(path) or response.status_code not in (200, 304):
            return response
        response.headers["vary"] = "Accept-Encoding"
        if not isinstance(response, FileResponse) or response.status_code != 200:
            return response
        headers = Headers(scope=scope)
        stat = response.stat_result
        if (stat is None or stat.st_size < MIN_BYTES or "range" in headers
                or not accepts_gzip(headers.get("accept-encoding", ""))):  # fmt: skip
            return response
        key = (str(response.path), stat.st_size, stat.st_mtime_ns)
        body = self._gzipped.get(key)
        if body is None:
            body = await anyio.to_thread.run_sync(self._compress, key)
        etag = response.headers["etag"].removesuffix('"') + '-gzip"'
        kept = {name: response.headers[name] for name in ("last-modified", "content-type")}
        compressed = {**kept, "etag": etag, "vary": "Accept-Encoding",
                      "content-encoding": "gzip"}  # fmt: skip
        cached = headers.get("if-none-match", "").split(",")
        if etag in [tag.strip().removeprefix("W/") for tag in cached]:
            return Response(status_code=304, headers={k: v for k, v in compressed.items()
                                                      if k != "content-type"})  # fmt: skip
        return Response(body, headers=compressed)

    def _compress(self, key: tuple[str, int, int]) -> bytes:
        body = gzip.compress(Path(key[0]).read_bytes(), compresslevel=9, mtime=0)
        with self._lock:
            for old in [k for k in self._gzipped if k[0] == key[0]]:  # the file changed
                del self._gzipped[old]
            self._gzipped[key] = body
        return body
