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


def test_a_copy_is_kept_until_the_next_change():
    built = []

    def build():
        built.append(1)
        return {"figures": len(built)}

    assert changes.current_copy("figures", build, max_age=60) == {"figures": 1}
    assert changes.current_copy("figures", build, max_age=60) == {"figures": 1}
    respond("POST")
    assert changes.current_copy("figures", build, max_age=60) == {"figures": 2}
    assert len(built) == 2


def test_a_change_made_while_the_copy_was_built_makes_it_old_at_once():
    built = []

    def build():
        built.append(1)
        respond("POST")  # committed while the figures were being read
        return len(built)

    assert changes.current_copy("figures", build, max_age=60) == 1
    assert changes.current_copy("figures", build, max_age=60) == 2


def test_a_copy_is_kept_at_most_its_age(monkeypatch):
    kept = {}
    monkeypatch.setattr(changes.cache, "set", lambda key, value, timeout: kept.update(t=timeout))
    changes.current_copy("figures", lambda: 1, max_age=42)
    assert kept == {"t": 42}


def test_without_a_cache_every_call_builds(monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(changes.cache, "get", broken)
    monkeypatch.setattr(changes.cache, "set", broken)
    built = []
    for _ in range(2):
        assert changes.current_copy("figures", lambda: built.append(1) or len(built), max_age=60)
    assert len(built) == 2


@pytest.mark.django_db
def test_background_work_stamps_unless_it_changes_nothing():
    from matching.tasks import introduce_matches, sweep_matching_runs
    from mentorship.tasks import ping, sweep_outbox

    ping.delay()
    sweep_outbox.delay()
    sweep_matching_runs.delay()  # every minute, and nothing to sweep
    assert changes.changed_at() == 0
    introduce_matches.delay([])
    assert changes.changed_at() > 0


@pytest.mark.django_db
def test_the_matching_sweep_stamps_when_it_introduces_a_match(monkeypatch):
    from matching import emails
    from matching.tasks import sweep_matching_runs

    monkeypatch.setattr(emails, "introductions_sweep", lambda: 1)
    sweep_matching_runs.delay()
    assert changes.changed_at() > 0
