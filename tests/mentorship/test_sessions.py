"""Sessions end after SESSION_IDLE_MINUTES idle and SESSION_HOURS in all, on the server."""

import time

import pytest
from django.urls import reverse

from mentorship.sessions import LAST_SEEN_AT, SIGNED_IN_AT

pytestmark = pytest.mark.django_db


def set_session(client, **values):
    session = client.session
    session.update(values)
    session.save()


def test_a_session_idle_past_the_limit_is_signed_out(client, apm, settings):
    client.force_login(apm)
    assert client.get(reverse("home")).context["user"].is_authenticated
    set_session(client, **{LAST_SEEN_AT: time.time() - settings.SESSION_IDLE_MINUTES * 60 - 5})
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    page = client.get(reverse("home"))
    assert not page.context["user"].is_authenticated
    messages = [str(m) for m in page.context["messages"]]
    assert any("30 minutes without activity" in m for m in messages)


def test_a_session_used_within_the_limit_stays_signed_in(client, apm, settings):
    client.force_login(apm)
    client.get(reverse("home"))
    set_session(client, **{LAST_SEEN_AT: time.time() - settings.SESSION_IDLE_MINUTES * 60 + 60})
    assert client.get(reverse("home")).context["user"] == apm


def test_activity_does_not_stretch_a_session_past_its_hours(client, apm, settings):
    client.force_login(apm)
    client.get(reverse("home"))
    set_session(client, **{SIGNED_IN_AT: time.time() - settings.SESSION_COOKIE_AGE - 5})
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert not client.get(reverse("home")).context["user"].is_authenticated


def test_the_idle_clock_is_written_at_most_once_a_minute(client, apm):
    client.force_login(apm)
    client.get(reverse("home"))
    first = client.session[LAST_SEEN_AT]
    client.get(reverse("home"))
    assert client.session[LAST_SEEN_AT] == first
