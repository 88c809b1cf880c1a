"""Charts as server-rendered SVG: no CDN, no JavaScript library, readable without scripts and in
a screenshot. Bars are drawn for this period with the previous period as a thin grey bar below."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString

BAR_HEIGHT, GAP, LABEL_WIDTH, WIDTH = 18, 10, 150, 560
# Inside each SVG, so a chart looks the same in the page, a saved file or a screenshot.
STYLE = (
    ".bar{fill:#2f6fdf}.previous{fill:#a0a7b4}"
    ".label,.value{font:12px system-ui,sans-serif;fill:#333}"
)


def bar_chart(rows: list[tuple[str, float, float | None]], *, title: str) -> SafeString:
    """Horizontal bars, one per ``(label, value, previous)``."""
    if not rows:
        return SafeString("")
    top = max(max(value, previous or 0) for _label, value, previous in rows) or 1
    span = WIDTH - LABEL_WIDTH - 60
    step = BAR_HEIGHT + GAP + 4
    parts = []
    for index, (label, value, previous) in enumerate(rows):
        y = index * step
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" class="label">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" class="bar">'
                "<title>{}: {}</title></rect>"
                '<text x="{}" y="{}" class="value">{}</text>',
                LABEL_WIDTH - 6,
                y + BAR_HEIGHT - 4,
                label[:24],
                LABEL_WIDTH,
                y,
                round(span * value / top, 1),
                BAR_HEIGHT,
                label,
                value,
                LABEL_WIDTH + round(span * value / top, 1) + 4,
                y + BAR_HEIGHT - 4,
                value,
            )
        )
        if previous is not None:
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="3" class="previous"></rect>',
                    LABEL_WIDTH,
                    y + BAR_HEIGHT + 1,
                    round(span * previous / top, 1),
                )
            )
    height = len(rows) * step
    return _svg(title, height, parts)


def column_chart(rows: list[tuple[str, float]], *, title: str) -> SafeString:
    """Vertical columns, one per ``(label, value)`` (e.g. a day), labels under the first, middle
    and last columns."""
    if not rows:
        return SafeString("")
    top = max(value for _label, value in rows) or 1
    height, base = 140, 120
    width = max(WIDTH // len(rows), 4)
    parts = []
    marked = {0, len(rows) // 2, len(rows) - 1}
    for index, (label, value) in enumerate(rows):
        tall = round((base - 10) * value / top, 1)
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" class="bar">'
                "<title>{}: {}</title></rect>",
                index * width,
                base - tall,
                max(width - 2, 2),
                tall,
                label,
                value,
            )
        )
        if index in marked:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" class="label">{}</text>', index * width, height - 4, label
                )
            )
    return _svg(title, height, parts, width=max(WIDTH, width * len(rows)))


def _svg(title: str, height: int, parts: list[SafeString], *, width: int = WIDTH) -> SafeString:
    return format_html(
        '<svg class="chart" role="img" viewBox="0 0 {} {}" width="100%" '
        'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        "<title>{}</title><style>{}</style>" + "{}" * len(parts) + "</svg>",
        width,
        height,
        title,
        STYLE,
        *parts,
    )
