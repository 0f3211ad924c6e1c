"""The SVG bar chart (mentorship.common.charts): our numbers, outside texts escaped."""

from django.utils.safestring import SafeString, mark_safe

from mentorship.common.charts import (
    BAR_WIDTH,
    LABEL_CHARS,
    LABEL_WIDTH,
    ROW_HEIGHT,
    Bar,
    bar_chart,
)

HOSTILE = "<script>alert(1)</script> \"quoted\" & 'single'"


def test_every_text_from_outside_is_escaped():
    chart = bar_chart(
        title=HOSTILE, chart_id='q1"><script>',
        bars=[Bar(label=HOSTILE, value=50.0, text=HOSTILE)],
    )  # fmt: skip

    assert isinstance(chart, SafeString)
    assert "<script>" not in chart
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; &amp; &#x27;single&#x27;"
        in chart
    )
    assert 'aria-labelledby="q1&quot;&gt;&lt;script&gt;-title"' in chart
    assert chart.count("&lt;script&gt;") == 5  # the title, label, value text, and the id twice


def test_bars_are_drawn_to_scale_and_hidden_groups_have_only_the_track():
    chart = bar_chart(
        title="Shares", chart_id="c",
        bars=[Bar("All", 100.0, "100%"), Bar("Half", 50.0, "50%"), Bar("Over", 150.0, "?"),
              Bar("Hidden", None, "fewer than 5 answers")],
    )  # fmt: skip

    assert f'height="{ROW_HEIGHT * 4 + 8}"' in chart
    assert f'width="{float(BAR_WIDTH)}"' in chart  # 100% and 150% (capped) fill the track
    assert chart.count(f'width="{BAR_WIDTH / 2}"') == 1
    assert chart.count(f'<rect x="{LABEL_WIDTH}"') == 4 + 3  # four tracks, three bars
    assert ">fewer than 5 answers</text>" in chart


def test_long_labels_are_shortened_and_safe_text_is_kept():
    chart = bar_chart(
        title=mark_safe("<tspan>Shares</tspan>"), chart_id="c",
        bars=[Bar("A label much longer than the space the chart keeps for it", 10.0, "10%")],
    )  # fmt: skip

    assert (
        '<figcaption id="c-title" class="chart-title"><tspan>Shares</tspan></figcaption>' in chart
    )
    assert 'aria-labelledby="c-title"' in chart
    shortened = "A label much longer than the space"[: LABEL_CHARS - 1].rstrip() + "…"
    assert f">{shortened}</text>" in chart
