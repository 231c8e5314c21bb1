"""The statistics pages' charts, drawn on the server as inline SVG: no script, no library.

Each chart is an ``<svg role="img">`` named by its ``<title>`` and described by its ``<desc>``
(a screen reader reads those and then the table that follows, which holds every number). The
marks' colours keep 3:1 against white (WCAG 1.4.11), the text is near-black; numbers are in
the page's language. ``viewBox`` with ``width="100%"`` scales a chart to the column, 360 px
wide included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from cta.entrypoints.web.i18n import Language

__all__ = ["COLOURS", "Series", "bars", "lines", "matrix"]

# GOV.UK blue, red and green: 4.5:1 or more against white
COLOURS = ("#1d70b8", "#d4351c", "#00703c")
INK = "#0b0c0c"
WIDTH = 640
LABELS = 190  # the bars' labels, left of the bars


@dataclass(frozen=True)
class Series:
    """One measure drawn in one colour; ``name`` is already in the page's language."""

    name: str
    values: Sequence[int]


def _svg(ident: str, title: str, desc: str, height: int, body: list[str]) -> Markup:
    head = (f'<svg class="chart" id="{escape(ident)}" role="img" width="100%" '
            f'viewBox="0 0 {WIDTH} {height}" aria-labelledby="{escape(ident)}-title '
            f'{escape(ident)}-desc" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{escape(ident)}-title">{escape(title)}</title>'
            f'<desc id="{escape(ident)}-desc">{escape(desc)}</desc>')  # fmt: skip
    # the text's font and colour once, for every mark inside
    text = f'<g font-family="sans-serif" font-size="13" fill="{INK}">'
    return Markup(head + text + "".join(body) + "</g></svg>")


def _short(label: str, most: int = 26) -> str:
    return label if len(label) <= most else label[: most - 1] + "…"


def bars(ident: str, title: str, desc: str, labels: Sequence[str], series: Sequence[Series],
         lang: Language) -> Markup:  # fmt: skip
    """Horizontal bars, one group per label and one bar per series, each with its number."""
    bar, gap = 14, 10
    group = bar * len(series) + gap
    height = max(group * len(labels) + gap, 40)
    top = max((v for s in series for v in s.values), default=0) or 1
    room = WIDTH - LABELS - 70  # the longest bar leaves room for its number
    body: list[str] = []
    for i, label in enumerate(labels):
        y0 = gap + i * group
        body.append(f'<text x="{LABELS - 8}" y="{y0 + bar * len(series) / 2 + 4:.0f}" '
                    f'text-anchor="end">{escape(_short(label))}</text>')
        for j, s in enumerate(series):
            value = s.values[i]
            length = max(1.0, room * value / top) if value else 0.0
            y = y0 + j * bar
            body.append(f'<rect x="{LABELS}" y="{y}" width="{length:.1f}" height="{bar - 2}" '
                        f'fill="{COLOURS[j % len(COLOURS)]}"/>'
                        f'<text x="{LABELS + length + 4:.1f}" y="{y + bar - 4}"'
                        f'>{escape(lang.number(value))}</text>')  # fmt: skip
    body.append(f'<line x1="{LABELS}" y1="0" x2="{LABELS}" y2="{height}" stroke="{INK}"/>')
    return _svg(ident, title, desc, height, body)


def lines(ident: str, title: str, desc: str, ticks: tuple[str, str], series: Sequence[Series],
          lang: Language) -> Markup:  # fmt: skip
    """One line per series over evenly spaced points (days or weeks); ``ticks`` name the first
    and the last point; the highest value is marked on the left."""
    height, left, right, top_y, base = 260, 56, 12, 16, 220
    points = max((len(s.values) for s in series), default=0)
    top = max((v for s in series for v in s.values), default=0) or 1
    step = (WIDTH - left - right) / max(points - 1, 1)
    body = [f'<line x1="{left}" y1="{base}" x2="{WIDTH - right}" y2="{base}" stroke="{INK}"/>',
            f'<line x1="{left}" y1="{top_y}" x2="{left}" y2="{base}" stroke="{INK}"/>',
            f'<text x="{left - 6}" y="{top_y + 4}" text-anchor="end">'
            f'{escape(lang.number(top))}</text>',
            f'<text x="{left - 6}" y="{base + 4}" text-anchor="end">'
            f'{escape(lang.number(0))}</text>',
            f'<text x="{left}" y="{base + 22}">{escape(ticks[0])}</text>',
            f'<text x="{WIDTH - right}" y="{base + 22}" text-anchor="end"'
            f'>{escape(ticks[1])}</text>']  # fmt: skip
    for j, s in enumerate(series):
        span = base - top_y
        coords = [(left + i * step, base - span * v / top) for i, v in enumerate(s.values)]
        if len(coords) == 1:  # one point: a short level mark
            coords.append((coords[0][0] + 8, coords[0][1]))
        path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f} {y:.1f}" for i, (x, y) in
                        enumerate(coords))  # fmt: skip
        body.append(f'<path d="{path}" fill="none" stroke="{COLOURS[j % len(COLOURS)]}" '
                    f'stroke-width="2.5"/>')  # fmt: skip
    return _svg(ident, title, desc, height, body)


def matrix(ident: str, title: str, desc: str, rows: Sequence[str], columns: Sequence[str],
           values: Sequence[Sequence[int]], lang: Language) -> Markup:  # fmt: skip
    """A grid: one square per row and column, the darker the more, with its number."""
    left, head, cell_w, cell_h = 170, 30, (WIDTH - 170) // max(len(columns), 1), 44
    height = head + cell_h * len(rows) + 4
    top = max((v for row in values for v in row), default=0) or 1
    body = [f'<text x="{left + (c + 0.5) * cell_w:.0f}" y="20" text-anchor="middle" '
            f'>{escape(_short(name, 18))}</text>'
            for c, name in enumerate(columns)]  # fmt: skip
    for r, name in enumerate(rows):
        y = head + r * cell_h
        body.append(f'<text x="{left - 8}" y="{y + cell_h / 2 + 4:.0f}" text-anchor="end" '
                    f'>{escape(_short(name, 24))}</text>')
        for c, value in enumerate(values[r]):
            # from near-white to a light blue: the near-black number stays readable
            shade = value / top
            rgb = (round(243 - 110 * shade), round(242 - 60 * shade), round(241 - 10 * shade))
            fill = "#{:02x}{:02x}{:02x}".format(*rgb)
            body.append(f'<rect x="{left + c * cell_w + 2}" y="{y + 2}" width="{cell_w - 4}" '
                        f'height="{cell_h - 4}" fill="{fill}" '
                        f'stroke="#b1b4b6"/><text x="{left + (c + 0.5) * cell_w:.0f}" '
                        f'y="{y + cell_h / 2 + 5:.0f}" text-anchor="middle"'
                        f'>{escape(lang.number(value))}</text>')  # fmt: skip
    return _svg(ident, title, desc, height, body)
