"""While the database is away, pages answer 503 "try again in a minute", not the 500 page.

The outage is simulated in-process: every query raises what Django raises when the
server is gone. tests/test_database_outage.py does it for real, with a server process
and a PostgreSQL that is stopped and started again.
"""

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentorship import selectors
from mentorship.models import NotificationPreference

ROOT = Path(__file__).resolve().parents[2]
TRY_AGAIN = "The program's database is not answering; try again in a minute"

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def database_down(error=OperationalError):
    def refuse(execute, sql, params, many, context):
        raise error("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse):
        yield


@pytest.fixture
def client(client):
    client.raise_request_exception = False  # answer like the server does, with a page
    return client


def test_a_signed_in_page_answers_503_with_the_try_again_page(client, apm):
    client.force_login(apm)
    with database_down():
        response = client.get(reverse("home"))
    assert response.status_code == 503
    assert TRY_AGAIN in response.content.decode()
    assert response["Retry-After"] == "60"


def test_a_dropped_connection_on_a_form_post_answers_503_and_saves_nothing(client, apm):
    client.force_login(apm)
    with database_down(InterfaceError):
        response = client.post(reverse("notification_preferences"), {"nudges_enabled": ""})
    assert response.status_code == 503
    assert TRY_AGAIN in response.content.decode()
    assert not NotificationPreference.objects.filter(user=apm).exists()


def test_the_committee_admin_answers_503_too(client, committee):
    client.force_login(committee)
    with database_down():
        response = client.get(reverse("admin:index"))
    assert response.status_code == 503
    assert TRY_AGAIN in response.content.decode()


def test_the_try_again_page_itself_needs_no_database():
    with CaptureQueriesContext(connection) as queries:
        page = render_to_string("503_database.html")
    assert len(queries) == 0
    assert TRY_AGAIN in page


def test_other_errors_still_get_the_500_page(client, apm, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("a bug, not an outage")

    monkeypatch.setattr(selectors, "home_summary", broken)
    client.force_login(apm)
    response = client.get(reverse("home"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert "Retry-After" not in response


def test_pages_answer_normally_once_the_database_is_back(client, apm):
    client.force_login(apm)
    with database_down():
        assert client.get(reverse("home")).status_code == 503
    assert client.get(reverse("home")).status_code == 200


def test_postgresql_connections_give_up_connecting_after_a_few_seconds():
    # Read from the settings a deployment loads (a subprocess: they depend on the
    # environment at import time). Nothing connects here.
    script = (
        "import json; from django.conf import settings; db = settings.DATABASES['default'];"
        "print(json.dumps({k: db[k] for k in ('OPTIONS', 'CONN_MAX_AGE', 'CONN_HEALTH_CHECKS')}))"
    )
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"CONN_MAX_AGE", "DATABASE_URL"}},
        "DJANGO_SETTINGS_MODULE": "mentorship.settings",
        "DEBUG": "1",
        "DATABASE_URL": "postgres://app@db.example.org:5432/mentorship",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    db = json.loads(result.stdout.splitlines()[-1])
    assert db["OPTIONS"]["connect_timeout"] == 3
    assert db["OPTIONS"]["keepalives"] == 1
    assert db["CONN_HEALTH_CHECKS"] is True
    assert db["CONN_MAX_AGE"] == 60
