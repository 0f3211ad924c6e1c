import time

import pytest
from django.urls import reverse

from mentorship import health

pytestmark = pytest.mark.django_db


REFUSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once


@pytest.fixture
def redis_cache_refused(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "mentorship.common.cache.FallbackCache",
            "OPTIONS": {"PRIMARY": "redis", "FALLBACK": "database"},
        },
        "redis": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REFUSED,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        },
        "database": settings.DATABASE_CACHE,
    }


def test_healthz_reports_database_broker_and_cache(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "cache": "ok"},
        "down": [],
    }
    assert "no-store" in response["Cache-Control"]


def test_healthz_says_degraded_but_keeps_serving_when_the_broker_is_unreachable(
    client, celery_conf
):
    # The site works without the broker (work waits for the sweep), so a load balancer
    # must not take the web processes out: 200, with what is down.
    celery_conf(task_always_eager=False, broker_url=REFUSED)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"] == {"database": "ok", "broker": "unavailable", "cache": "ok"}
    assert response.json()["down"] == ["broker"]


def test_healthz_reports_the_redis_cache_not_its_database_fallback(client, redis_cache_refused):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["checks"]["cache"] == "unavailable"
    assert response.json()["down"] == ["cache"]


def test_healthz_answers_fast_with_all_of_redis_down(client, celery_conf, redis_cache_refused):
    celery_conf(
        task_always_eager=False,
        broker_url=REFUSED,
        broker_transport_options={"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    )
    started = time.perf_counter()
    response = client.get(reverse("healthz"))
    assert time.perf_counter() - started < 1
    assert response.json()["status"] == "degraded"
    assert response.json()["down"] == ["broker", "cache"]


def test_healthz_is_503_when_the_database_is_unreachable(client, monkeypatch):
    def broken_cursor():
        raise health.connection.OperationalError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
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
