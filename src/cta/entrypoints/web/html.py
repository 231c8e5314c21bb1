"""The workbench's chart as inline SVG text: every value goes through ``esc`` (html.escape)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

__all__ = ["bar_chart", "esc"]


def esc(value: object) -> str:
    """Text for HTML content or a quoted attribute; ``None`` is an en dash."""
    return "–" if value is None else escape(str(value), quote=True)


def bar_chart(
    element_id: str, title: str, groups: Sequence[tuple[str, Sequence[tuple[str, int, str]]]],
    number: Callable[[int], str] = "{:,}".format,
) -> str:
    """A horizontal bar chart as inline SVG: groups of (label, value, colour) bars; ``number``
    writes a value as the page's language does."""
    width, label_w, bar_h, gap = 720, 150, 18, 6
    largest = max([1] + [value for _, bars in groups for _, value, _ in bars])
    scale = (width - label_w - 130) / largest
    parts: list[str] = []
    y = 24
    for group, bars in groups:
        parts.append(f'<text x="0" y="{y + 12}" class="group">{esc(group)}</text>')
        y += bar_h + gap
        for label, value, colour in bars:
            length = max(1, round(value * scale)) if value else 0
            parts.append(
                f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end">{esc(label)}</text>'
                f'<rect x="{label_w}" y="{y}" width="{length}" height="{bar_h}" '
                f'fill="{esc(colour)}" data-label="{esc(label)}" data-value="{value}"/>'
                f'<text x="{label_w + length + 6}" y="{y + 13}">{esc(number(value))}</text>'
            )
            y += bar_h + gap
        y += gap * 2
    return (
        f'<svg id="{esc(element_id)}" role="img" aria-label="{esc(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y}" '
        f'viewBox="0 0 {width} {y}"><title>{esc(title)}</title>{"".join(parts)}</svg>'
    )
