"""Server-rendered bar charts: inline SVG with a title, always shown beside a data table.

No JavaScript and no inline style (the Content-Security-Policy allows neither): the SVG
has its natural size, and site.css lets it shrink to fit a narrow column. It comes in a
``<figure>`` whose visible caption says what the chart measures, and is an image named by
that caption (``role="img"``, ``aria-labelledby``); the numbers themselves are
in the table next to it, which is what screen readers and keyboard users read. Colours
meet WCAG AA: the bars (#1d4f91) have a contrast of 8.3:1 against white, the text
(#212529) 15.4:1.
"""

from dataclasses import dataclass

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

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
    """Horizontal bars on a 0-100 scale, one row per bar, values written out.

    Written with f-strings: only the texts (labels, values, the title and the id) come
    from outside and each is escaped; the rest are our numbers. format_html for each of
    the hundreds of elements of a results page was a fifth of its time.
    """
    height = ROW_HEIGHT * len(bars) + 8
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    rows = []
    for index, bar in enumerate(bars):
        y = 4 + index * ROW_HEIGHT
        middle = y + ROW_HEIGHT / 2
        rows.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end" '
            f'dominant-baseline="middle">{conditional_escape(_short(bar.label))}</text>'
        )
        rows.append(
            f'<rect x="{LABEL_WIDTH}" y="{y + 5}" width="{BAR_WIDTH}" '
            f'height="{ROW_HEIGHT - 10}" fill="{TRACK_COLOUR}"/>'
        )
        if bar.value is not None:
            length = round(BAR_WIDTH * max(0.0, min(bar.value, 100.0)) / 100, 1)
            rows.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + 5}" width="{length}" '
                f'height="{ROW_HEIGHT - 10}" fill="{BAR_COLOUR}"/>'
            )
        rows.append(
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{middle}" '
            f'dominant-baseline="middle">{conditional_escape(bar.text)}</text>'
        )
    chart_id = conditional_escape(chart_id)
    return mark_safe(  # noqa: S308 - every text above is escaped
        f'<figure class="chart"><figcaption id="{chart_id}-title" class="chart-title">'
        f"{conditional_escape(title)}</figcaption>"
        f'<svg class="survey-chart" role="img" aria-labelledby="{chart_id}-title" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'preserveAspectRatio="xMinYMin meet" font-size="15" fill="{TEXT_COLOUR}" '
        f'font-family="system-ui, sans-serif" xmlns="http://www.w3.org/2000/svg">'
        f"{''.join(rows)}</svg></figure>"
    )


# The parts of a stacked bar, in order: each at least 3:1 against white (WCAG 1.4.11)
# and told apart by the list beside the bar, not by colour alone.
PART_COLOURS = ("#1d4f91", "#2e7d32", "#7b1fa2", "#b71c1c", "#e65100", "#006064")
STACK_WIDTH = 320
STACK_HEIGHT = 18


def stacked_bar(*, parts: list[tuple[str, float]], most: float, label: str) -> SafeString:
    """One bar split into parts (label, value) on a 0..most scale, named by ``label``.

    The same colours, in the same order, as ``.swatch-1`` … in the stylesheets, which
    mark the list of parts that must come with it.
    """
    x, rects = 0.0, []
    scale = STACK_WIDTH / most if most > 0 else 0
    for index, (_, value) in enumerate(parts):
        width = round(max(0.0, value) * scale, 1)
        if width <= 0:
            continue
        colour = PART_COLOURS[index % len(PART_COLOURS)]
        rects.append(
            f'<rect x="{round(x, 1)}" y="0" width="{width}" height="{STACK_HEIGHT}" '
            f'fill="{colour}"/>'
        )
        x += width
    return mark_safe(  # noqa: S308 - the label is escaped; the rest are our numbers
        f'<svg class="stacked-bar" role="img" aria-label="{conditional_escape(label)}" '
        f'viewBox="0 0 {STACK_WIDTH} {STACK_HEIGHT}" width="{STACK_WIDTH}" '
        f'height="{STACK_HEIGHT}" xmlns="http://www.w3.org/2000/svg">'
        f'<rect x="0" y="0" width="{STACK_WIDTH}" height="{STACK_HEIGHT}" fill="{TRACK_COLOUR}"/>'
        f"{''.join(rects)}</svg>"
    )
