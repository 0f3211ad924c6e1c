"""Expected refusals are logged as one line; real errors keep their traceback."""

import io
import logging

import pytest
from django.core.exceptions import PermissionDenied

from mentorship.common.logfilters import ExpectedRefusalsWithoutTraceback

pytestmark = pytest.mark.django_db


@pytest.fixture
def console():
    """What the site's console handler (settings.LOGGING) prints, while the test runs."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, ExpectedRefusalsWithoutTraceback) for f in h.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    level = logging.getLogger("django.request").level
    logging.getLogger("django.request").setLevel(logging.WARNING)
    yield stream
    handler.setStream(previous)
    logging.getLogger("django.request").setLevel(level)


def test_a_participant_refused_the_admin_is_one_line_without_a_traceback(
    client, outsider, console
):
    client.force_login(outsider)
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 403

    printed = console.getvalue()
    assert "Forbidden (Permission denied): /admin/login/" in printed
    assert "Traceback" not in printed


def test_a_page_not_found_is_one_line_without_a_traceback(client, outsider, console):
    client.force_login(outsider)
    assert client.get("/toolkit/topics/no-such-topic/").status_code == 404
    assert "Traceback" not in console.getvalue()


def test_a_real_error_keeps_its_traceback(console):
    try:
        raise RuntimeError("the database went away")
    except RuntimeError:
        logging.getLogger("django.request").error("Internal Server Error: /", exc_info=True)
    try:
        raise PermissionDenied
    except PermissionDenied:
        logging.getLogger("django.request").warning("Forbidden: /", exc_info=True)

    printed = console.getvalue()
    assert printed.count("Traceback") == 1
    assert "RuntimeError: the database went away" in printed
    assert "Forbidden: /" in printed
