"""The change stamp: after every successful write request, and only then."""

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from mentorship.common import changes


def respond(method, status=200, *, nothing=False):
    request = getattr(RequestFactory(), method.lower())("/somewhere/")

    def view(request):
        if nothing:
            changes.changes_nothing(request)
        return HttpResponse(status=status)

    changes.ChangesMiddleware(view)(request)


@pytest.fixture(autouse=True)
def no_stamp():
    cache.delete(changes.KEY)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("status", [200, 302])
def test_a_successful_write_request_stamps_the_time(method, status):
    respond(method, status)
    assert changes.changed_at() > 0


@pytest.mark.parametrize(
    ("method", "status", "nothing"),
    [("GET", 200, False), ("HEAD", 200, False), ("POST", 400, False), ("POST", 403, False),
     ("POST", 500, False), ("POST", 302, True)],
)  # fmt: skip
def test_reads_refusals_and_views_that_change_nothing_do_not(method, status, nothing):
    respond(method, status, nothing=nothing)
    assert changes.changed_at() == 0


def test_without_a_cache_the_data_counts_as_changed(monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(changes.cache, "get", broken)
    monkeypatch.setattr(changes.cache, "set", broken)
    respond("POST")  # the write it follows is not turned into an error
    assert changes.changed_at() > 0
