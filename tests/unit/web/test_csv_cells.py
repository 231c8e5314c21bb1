"""The statistics CSV's cells: a text a spreadsheet would run as a formula is made inert
(``cta.entrypoints.web.statistics._inert``; the sweep's FED-B2 put ``=1+2`` there through a
peer's record)."""

from __future__ import annotations

import pytest

from cta.entrypoints.web.statistics import _inert


@pytest.mark.parametrize(("cell", "written"), [
    ("=1+2", "'=1+2"), ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("+1", "'+1"), ("-1+2", "'-1+2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("GEO-TBS", "GEO-TBS"), ("Türkiye", "Türkiye"), ("", ""), (12, 12),
    (-3, -3),
])  # fmt: skip
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(cell: object, written: object) -> None:
    assert _inert(cell) == written
