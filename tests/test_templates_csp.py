"""Our templates need nothing the Content-Security-Policy forbids.

The policy (mentorship/settings.py) allows scripts and styles only from our own static
files, so no template of ours may carry an inline <script> with code, an on*= event
handler (htmx's hx-on too), a javascript: URL, a <style> element or a style attribute.
Read from the source, like test_layers. Emails are not pages: mail clients need their
inline styles, and no policy applies.
"""

from pathlib import Path

import pytest
from django.template import engines

from tests.csp import csp_problems

ROOT = Path(__file__).resolve().parent.parent


def our_templates() -> list[Path]:
    """Every template in templates/ and in our apps' templates/ folders."""
    engine = engines["django"]
    folders = [Path(folder) for folder in engine.template_dirs]
    ours = [f for f in folders if f.is_relative_to(ROOT) and ".venv" not in f.parts]
    return sorted(path for folder in ours for path in folder.rglob("*.html"))


def test_the_scan_covers_the_shared_and_every_app_template_folder():
    folders = {path.relative_to(ROOT).parts[0] for path in our_templates()}
    assert folders == {"templates", "mentorship", "matching", "toolkit", "surveys"}


@pytest.mark.parametrize("path", our_templates(), ids=lambda path: str(path.relative_to(ROOT)))
def test_template_needs_no_inline_script_or_style(path):
    is_email = "email" in path.relative_to(ROOT).parts
    assert csp_problems(path.read_text(), is_email=is_email) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<script>alert(1)</script>", "inline <script>"),
        ('<script type="module">\n  go();\n</script>', "inline <script>"),
        ('<button type="button" onclick="go()">Go</button>', "onclick= handler"),
        ('<img src="x.png"\n     onerror="go()">', "onerror= handler"),
        ('<body {% if x %}onload="go()"{% endif %}>', "onload= handler"),
        ('<form hx-post="/x/" hx-on::after-request="go()">', "hx-on::after-request= handler"),
        ('<a href="javascript:go()">Go</a>', "javascript: URL"),
        ('<div class="module" style="padding: 1em;">', "style attribute"),
        ("<style>.a { color: red; }</style>", "<style> element"),
    ],
)
def test_the_scan_catches_each_kind_of_inline_code(source, expected):
    problems = csp_problems(source)
    assert problems
    assert expected in problems[0]


@pytest.mark.parametrize(
    "source",
    [
        "<script src=\"{% static 'bootstrap/js/bootstrap.bundle.min.js' %}\" defer></script>",
        '<script type="application/json" data-allauth-onload="x">{"ids": {}}</script>',
        '<p>Based on your answers, one=two.</p><a data-on="x" href="/">Home</a>',
        '<div hx-get="/toolkit/" hx-trigger="every 2s">',
        '<tr><th scope="col" class="col-person">Person</th></tr>',
    ],
)
def test_the_scan_lets_static_scripts_data_and_plain_markup_through(source):
    assert csp_problems(source) == []
