"""Server-rendered bar charts: inline SVG with a title, always shown beside a data table.

No JavaScript and no inline style (the Content-Security-Policy allows neither): the SVG
has its natural size, and site.css lets it shrink to fit a narrow column. It is an image
with an accessible name (``role="img"`` and a ``<title>``); the numbers themselves are
in the table next to it, which is what screen readers and keyboard users read. Colours
meet WCAG AA: the bars (#1d4f91) have a contrast of 8.3:1 against white, the text
(#212529) 15.4:1.
"""

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

BAR_COLOUR = "#1d4f91"
TRACK_COLOUR = "#e9ecef"
TEXT_COLOUR = "#212529"
LABEL_WIDTH = 210
BAR_WIDTH = 260
VALUE_WIDTH = 220
ROW_HEIGHT = 28
LABEL_CHARS = 28


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # a share from 0 to 100; None when the group is hidden
    text: str  # what the value reads as, e.g. "75% (15 of 20)"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def bar_chart(*, title: str, bars: list[Bar], chart_id: str) -> SafeString:
    """Horizontal bars on a 0-100 scale, one row per bar, values written out."""
    height = ROW_HEIGHT * len(bars) + 8
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    rows = []
    for index, bar in enumerate(bars):
        y = 4 + index * ROW_HEIGHT
        middle = y + ROW_HEIGHT / 2
        rows.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>',
                LABEL_WIDTH - 8,
                middle,
                _short(bar.label),
            )
        )
        rows.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                LABEL_WIDTH,
                y + 5,
                BAR_WIDTH,
                ROW_HEIGHT - 10,
                TRACK_COLOUR,
            )
        )
        if bar.value is not None:
            rows.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                    LABEL_WIDTH,
                    y + 5,
                    round(BAR_WIDTH * max(0.0, min(bar.value, 100.0)) / 100, 1),
                    ROW_HEIGHT - 10,
                    BAR_COLOUR,
                )
            )
        rows.append(
            format_html(
                '<text x="{}" y="{}" dominant-baseline="middle">{}</text>',
                LABEL_WIDTH + BAR_WIDTH + 8,
                middle,
                bar.text,
            )
        )
    return format_html(
        '<svg class="survey-chart" role="img" aria-labelledby="{id}-title" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'preserveAspectRatio="xMinYMin meet" font-size="15" fill="{text}" '
        'font-family="system-ui, sans-serif" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title>{rows}</svg>',
        id=chart_id,
        w=width,
        h=height,
        text=TEXT_COLOUR,
        title=title,
        rows=format_html_join("", "{}", ((row,) for row in rows)),
    )
