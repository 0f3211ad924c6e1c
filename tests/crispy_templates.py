"""Drawing a page with crispy-bootstrap5's own templates in place of the ones
``templates/bootstrap5/`` replaces, to compare the HTML of both."""

import contextlib
import difflib
import re
from pathlib import Path

import crispy_bootstrap5
from crispy_forms.utils import default_field_template
from django.conf import settings
from django.test import override_settings
from django.test.html import parse_html

# What differs between two renders of the same page whatever the template.
PER_REQUEST = re.compile(r'(name="csrfmiddlewaretoken" value="|nonce=")[^"]+')


def crispys(name: str) -> str:
    return (Path(crispy_bootstrap5.__file__).parent / "templates" / name).read_text()


@contextlib.contextmanager
def crispys_own_templates(*names: str):
    """Settings under which each of ``names`` is crispy-bootstrap5's template, everything
    else as usual (a locmem loader put first). crispy-forms keeps the field template it
    loaded first (``default_field_template`` is cached), so it is forgotten on the way in
    and out."""
    (engine,) = settings.TEMPLATES
    options = {key: value for key, value in engine["OPTIONS"].items() if key != "loaders"}
    loaders = [
        ("django.template.loaders.locmem.Loader", {name: crispys(name) for name in names}),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    default_field_template.cache_clear()
    try:
        with override_settings(
            TEMPLATES=[{**engine, "APP_DIRS": False, "OPTIONS": {**options, "loaders": loaders}}]
        ):
            yield
    finally:
        default_field_template.cache_clear()


def ours_and_crispys(draw, *names: str) -> tuple[str, str]:
    """``draw()`` with our templates, then with crispy-bootstrap5's for ``names``."""
    ours = draw()
    with crispys_own_templates(*names):
        theirs = draw()
    return ours, theirs


def assert_same_html(ours: str, theirs: str, where: str = "") -> None:
    """Both the same parsed HTML, leaving out what changes at every request."""
    mine, crispys_own = (parse_html(PER_REQUEST.sub(r"\1x", html)) for html in (ours, theirs))
    if mine != crispys_own:
        lines = [str(tree).replace("><", ">\n<").splitlines() for tree in (mine, crispys_own)]
        difference = difflib.unified_diff(*lines, "ours", "crispy's", lineterm="", n=2)
        raise AssertionError(f"{where}\n" + "\n".join(list(difference)[:60]))
