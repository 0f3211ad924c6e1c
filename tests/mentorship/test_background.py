"""Queueing work while the broker is down: give up fast, leave the row for the sweep."""

import time
from types import SimpleNamespace

import pytest
from celery import signals

from mentorship import tasks
from mentorship.common import background, breaker
from tests.mentorship.test_deploy import PRODUCTION_ENV, manage

# Nothing listens on port 1: the connection is refused at once.
REFUSED = "redis://127.0.0.1:1/0"


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(breaker.time, "monotonic", lambda: now[0])
    return now


@pytest.fixture
def broker_down(celery_conf, clock):
    from mentorship.celery import app

    celery_conf(
        task_always_eager=False,
        broker_url=REFUSED,
        broker_transport_options={"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    )
    # The producer pool is keyed by broker; start from none so this test's broker is used.
    app._pool, app.amqp._producer_pool = None, None
    background.broker_breaker.reset()
    yield
    app._pool, app.amqp._producer_pool = None, None
    background.broker_breaker.reset()


@pytest.fixture
def publishes(monkeypatch):
    """Count the publish attempts of the ping task (and still make them)."""
    attempts = []
    real_delay = tasks.ping.delay

    def delay(*args):
        attempts.append(args)
        return real_delay(*args)

    monkeypatch.setattr(tasks.ping, "delay", delay)
    return attempts


def test_a_refused_broker_gives_up_within_a_fraction_of_a_second(broker_down, publishes):
    started = time.perf_counter()
    assert background.enqueue("mentorship.tasks.ping", "hello") is False
    assert time.perf_counter() - started < 0.5
    assert len(publishes) == 1


def test_after_a_failure_the_broker_is_skipped_for_a_few_seconds(broker_down, publishes, clock):
    background.enqueue("mentorship.tasks.ping", "first")
    for number in range(40):  # a survey sent to forty people waits for the broker once
        assert background.enqueue("mentorship.tasks.ping", number) is False
    assert len(publishes) == 1
    clock[0] += background.broker_breaker.retry_after + 0.1
    background.enqueue("mentorship.tasks.ping", "later")
    assert len(publishes) == 2


def test_an_error_from_an_eager_task_does_not_skip_the_next_one(celery_conf, monkeypatch):
    celery_conf(task_always_eager=True)
    background.broker_breaker.reset()

    def mail_server_refuses(*args):
        raise OSError("Connection refused by the mail server")

    monkeypatch.setattr(tasks.ping, "delay", mail_server_refuses)
    assert background.enqueue("mentorship.tasks.ping") is False
    assert not background.broker_breaker.is_open()


def test_production_publishing_tries_twice_at_once_with_short_timeouts():
    code = (
        "from django.conf import settings as s;"
        "print(s.CELERY_TASK_PUBLISH_RETRY_POLICY, s.CELERY_BROKER_TRANSPORT_OPTIONS,"
        " s.CELERY_BROKER_CONNECTION_MAX_RETRIES)"
    )
    env = {**PRODUCTION_ENV, "REDIS_URL": "redis://cache.internal:6379/0"}
    result = manage("shell", "-c", code, env=env)
    assert (
        "{'max_retries': 1, 'interval_start': 0, 'interval_step': 0, 'interval_max': 0} "
        "{'visibility_timeout': 3600, 'socket_connect_timeout': 0.15, 'socket_timeout': 0.15} "
        "None"
    ) in result.stdout, result.stdout + result.stderr


def test_a_worker_waits_longer_on_redis_than_a_web_process():
    conf = SimpleNamespace(
        broker_transport_options={"visibility_timeout": 3600, "socket_timeout": 0.25}
    )
    signals.celeryd_init.send(sender="worker@test", instance=None, conf=conf, options={})
    assert conf.broker_transport_options == {
        "visibility_timeout": 3600,
        "socket_connect_timeout": 5,
        "socket_timeout": 10,
    }


def test_a_worker_on_the_filesystem_broker_is_left_as_it_is():
    conf = SimpleNamespace(broker_transport_options={"data_folder_in": ".run/broker/queue"})
    signals.celeryd_init.send(sender="worker@test", instance=None, conf=conf, options={})
    assert conf.broker_transport_options == {"data_folder_in": ".run/broker/queue"}
