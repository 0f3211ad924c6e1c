"""The default cache: Redis first, the database cache while Redis is not answering."""

import sqlite3

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from mentorship.common import breaker
from mentorship.common import cache as fallback
from tests.factories import PASSWORD
from tests.mentorship.test_deploy import PRODUCTION_ENV, manage

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("account_login")


class FlakyCache(LocMemCache):
    """Stands in for Redis: raises redis-py's ConnectionError while ``down`` is set."""

    down = False
    calls = 0

    def _check(self):
        type(self).calls += 1
        if type(self).down:
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Refused.")

    def add(self, *args, **kwargs):
        self._check()
        return super().add(*args, **kwargs)

    def get(self, *args, **kwargs):
        self._check()
        return super().get(*args, **kwargs)

    def set(self, *args, **kwargs):
        self._check()
        return super().set(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._check()
        return super().delete(*args, **kwargs)


@pytest.fixture
def clock(monkeypatch):
    """The breaker's clock, moved by hand."""
    now = [1000.0]
    monkeypatch.setattr(breaker.time, "monotonic", lambda: now[0])
    return now


@pytest.fixture
def flaky(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "mentorship.common.cache.FallbackCache",
            "OPTIONS": {"PRIMARY": "flaky", "FALLBACK": "database", "RETRY_AFTER": 15},
        },
        "flaky": {"BACKEND": "tests.mentorship.test_cache.FlakyCache", "LOCATION": "flaky"},
        "database": settings.DATABASE_CACHE,
    }
    FlakyCache.down, FlakyCache.calls = False, 0
    fallback.breakers.clear()
    yield FlakyCache
    FlakyCache.down = False
    caches["flaky"].clear()
    caches["database"].clear()
    fallback.breakers.clear()


def test_values_go_to_redis_while_it_answers(flaky):
    cache.set("greeting", "hello")
    assert cache.get("greeting") == "hello"
    assert caches["flaky"].get("greeting") == "hello"
    assert caches["database"].get("greeting") is None


def test_while_redis_is_down_values_go_to_the_database_cache(flaky, clock):
    flaky.down = True
    cache.set("greeting", "hello")
    assert cache.get("greeting") == "hello"
    assert caches["database"].get("greeting") == "hello"


def test_after_a_failure_redis_is_left_alone_for_a_few_seconds_then_tried_again(flaky, clock):
    flaky.down = True
    cache.get("a")
    cache.get("b")
    cache.add("c", 1)
    assert flaky.calls == 1  # one failure opened the breaker; the rest went straight by
    clock[0] += 14
    cache.get("d")
    assert flaky.calls == 1
    clock[0] += 2
    flaky.down = False
    cache.set("e", "back")
    assert flaky.calls == 2
    assert caches["flaky"].get("e") == "back"


def test_a_real_redis_that_refuses_connections_falls_back(settings, clock):
    settings.CACHES = {
        "default": {
            "BACKEND": "mentorship.common.cache.FallbackCache",
            "OPTIONS": {"PRIMARY": "redis", "FALLBACK": "database"},
        },
        # Nothing listens on port 1: the connection is refused at once.
        "redis": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        },
        "database": settings.DATABASE_CACHE,
    }
    fallback.breakers.clear()
    try:
        assert cache.add("lock", True, timeout=10) is True
        assert cache.add("lock", True, timeout=10) is False  # locks still exclude
        assert caches["database"].get("lock") is True
    finally:
        caches["database"].clear()
        fallback.breakers.clear()


def test_clear_empties_both_stores(flaky, clock):
    cache.set("kept-in-redis", 1)
    flaky.down = True
    cache.set("kept-in-the-database", 1)
    flaky.down = False
    clock[0] += 60
    cache.clear()
    assert caches["flaky"].get("kept-in-redis") is None
    assert caches["database"].get("kept-in-the-database") is None


def test_the_sixth_wrong_password_is_refused_while_redis_is_down(client, flaky, clock, outsider):
    flaky.down = True
    for _ in range(5):
        response = client.post(LOGIN_URL, {"login": outsider.email, "password": "wrong-one-1"})
        assert response.status_code == 200
        assert "Too many failed login attempts" not in response.content.decode()
    response = client.post(LOGIN_URL, {"login": outsider.email, "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_signing_in_works_while_redis_is_down(client, flaky, clock, outsider):
    flaky.down = True
    response = client.post(LOGIN_URL, {"login": outsider.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(outsider.pk)


def test_migrate_creates_the_database_cache_table(tmp_path):
    database = tmp_path / "fresh.sqlite3"
    result = manage("migrate", env={**PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{database}"})
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert "mentorship_cache" in tables
