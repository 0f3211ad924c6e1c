import pytest
from django.urls import reverse

from mentorship import health

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}
    assert "no-store" in response["Cache-Control"]


def test_healthz_is_503_when_the_broker_is_unreachable(client, celery_conf):
    # Nothing listens on port 1: the connection is refused at once.
    celery_conf(task_always_eager=False, broker_url="redis://127.0.0.1:1/0")
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "unavailable"}


def test_healthz_is_503_when_the_database_is_unreachable(client, monkeypatch):
    def broken_cursor():
        raise health.connection.OperationalError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unavailable"


def test_healthz_checks_the_filesystem_broker_folder(celery_conf, tmp_path):
    celery_conf(
        task_always_eager=False,
        broker_url="filesystem://",
        broker_transport_options={"data_folder_in": str(tmp_path)},
    )
    assert health.broker_status() == health.OK
    celery_conf(broker_transport_options={"data_folder_in": str(tmp_path / "nope")})
    assert health.broker_status() == health.UNAVAILABLE


def test_healthz_only_answers_get(client):
    assert client.post(reverse("healthz")).status_code == 405
