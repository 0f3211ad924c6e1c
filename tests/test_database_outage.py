"""PostgreSQL goes away and comes back: real server and worker processes recover alone.

Two kinds of outage. Sessions killed with pg_terminate_backend (a failover, a restart
of a pooler, an operator cleaning up) happen on the shared server, to this run's own
test database only. A stopped or frozen server needs a PostgreSQL of our own (initdb in
a temporary folder, ports 7132-7134), so the shared one is never touched.
Figures (how fast each recovers) come from benchmarks/database_outage.py.
"""

import json
import os
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from mentorship.models import Notification
from mentorship.tasks import send_notification
from tests import outage
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the server processes need to reach the test database (PostgreSQL in CI)",
    ),
]

WEB_PORT = 7131  # a web process on the test database
OWN_POSTGRES_PORT = 7132
OWN_WEB_PORT = 7133  # a web process on our own PostgreSQL, production connection settings
OWN_WEB_FRESH_PORT = 7134  # the same with a new connection per request (CONN_MAX_AGE=0)
TRY_AGAIN = "The program's database is not answering; try again in a minute"
# Reading any session needs the database, even one that does not exist.
SOME_SESSION = f"{settings.SESSION_COOKIE_NAME}=0123456789abcdefghijklmnopqrstuv"


def kill_other_sessions() -> int:
    """End every other session on this run's test database; how many there were."""
    with connection.cursor() as cursor:
        cursor.execute(outage.TERMINATE_OTHER_SESSIONS)
        killed = cursor.fetchone()[0]
    # pg_terminate_backend only signals; wait until they are really gone.
    assert outage.wait_for(lambda: other_sessions() == 0, timeout=10) is not None
    return killed


def other_sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute(outage.OTHER_SESSIONS)
        return cursor.fetchone()[0]


def signed_in_cookie(user) -> str:
    client = Client()
    client.force_login(user)  # a session row the server process reads on each request
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@pytest.fixture
def web_on_test_database(tmp_path):
    log = tmp_path / "web.log"
    database_url = outage.postgres_url(connection.settings_dict)
    process = outage.start_web(port=WEB_PORT, database_url=database_url, log=log)
    try:
        outage.wait_until_serving(WEB_PORT, process, log)
        yield process
    finally:
        outage.stop(process)


@pytest.mark.django_db(transaction=True)
def test_the_web_process_serves_the_next_request_after_its_connection_is_killed(
    web_on_test_database, apm
):
    cookie = signed_in_cookie(apm)
    assert outage.get(WEB_PORT, "/", cookie=cookie).status == 200
    workers = outage.worker_pids(web_on_test_database)

    assert kill_other_sessions() >= 1  # the kept connection (CONN_MAX_AGE) is gone

    after = outage.get(WEB_PORT, "/", cookie=cookie)
    assert after.status == 200  # the very next request, not a 503 first
    assert "My mentorship" in after.body
    assert outage.worker_pids(web_on_test_database) == workers  # nothing was restarted


def broker(tmp_path):
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"], {"visibility_timeout": 5}
    return outage.filesystem_broker(tmp_path / "broker")


def is_sent(row) -> bool:
    return Notification.objects.filter(pk=row.pk, status=Notification.Status.SENT).exists()


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_the_next_task_after_its_connection_is_killed_mid_task(
    tmp_path, celery_conf
):
    broker_url, options = broker(tmp_path)
    queue = f"outage-test-{uuid.uuid4().hex}"  # no other worker on this broker takes these
    celery_conf(task_always_eager=False, broker_url=broker_url,
                broker_transport_options=options, task_default_queue=queue)  # fmt: skip
    warm_up, interrupted, next_one = Notification.objects.bulk_create(
        Notification(kind=Notification.Kind.NO_MEETING, user=user, object_key=f"outage:{i}",
                     to_email=user.email, subject="Time to catch up?", body_text="Hi")
        for i, user in enumerate(UserFactory.create_batch(3))
    )  # fmt: skip
    (tmp_path / "mail").mkdir()
    log = tmp_path / "worker.log"
    worker = outage.start_worker(queue=queue, database_url=outage.postgres_url(
        connection.settings_dict), broker_url=broker_url, run_dir=tmp_path,
        mail_dir=tmp_path / "mail", log=log)  # fmt: skip
    try:
        send_notification.delay(warm_up.pk)
        assert outage.wait_for(lambda: is_sent(warm_up), timeout=120) is not None, log.read_text()
        children = outage.worker_pids(worker)

        send_notification.delay(interrupted.pk)
        # The task holds its connection while the slow mail backend sends: kill it then.
        assert outage.wait_for(lambda: other_sessions() >= 1, timeout=30) is not None
        assert kill_other_sessions() >= 1

        send_notification.delay(next_one.pk)
        assert outage.wait_for(lambda: is_sent(next_one), timeout=30) is not None, log.read_text()
        assert worker.poll() is None
        assert outage.worker_pids(worker) == children  # the same pool process, not a new one
    finally:
        outage.stop(worker)


# --- A PostgreSQL of our own, stopped and frozen ---------------------------------------


@pytest.fixture(scope="module")
def own_postgres(django_db_setup):
    reason = outage.own_postgres_unavailable()
    if reason:
        pytest.skip(reason)
    server = outage.OwnPostgres(OWN_POSTGRES_PORT).init()
    try:
        server.start()
        # The tables of the test database pytest-django has just migrated.
        source = outage.postgres_url(connection.settings_dict)
        outage.copy_schema(from_url=source, to=server, database="mentorship")
        yield server
    finally:
        server.destroy()


@pytest.fixture
def start_own_web(own_postgres, tmp_path):
    started = []

    def start(port, **env):
        log = tmp_path / f"web-{port}.log"
        process = outage.start_web(port=port, database_url=own_postgres.url("mentorship"),
                                   log=log, **env)  # fmt: skip
        started.append(process)
        outage.wait_until_serving(port, process, log)
        return process

    yield start
    for process in started:
        outage.stop(process)


def test_with_postgresql_stopped_a_page_answers_503_at_once_and_then_serves_again(
    own_postgres, start_own_web
):
    web = start_own_web(OWN_WEB_PORT)
    assert outage.get(OWN_WEB_PORT, "/", cookie=SOME_SESSION).status == 200
    workers = outage.worker_pids(web)

    own_postgres.stop()
    try:
        down = outage.get(OWN_WEB_PORT, "/", cookie=SOME_SESSION)
        assert down.status == 503
        assert TRY_AGAIN in down.body
        assert down.headers["Retry-After"] == "60"
        assert down.seconds < 1  # refused at once, no waiting for a timeout
        health = outage.get(OWN_WEB_PORT, "/healthz")
        assert health.status == 503
        assert json.loads(health.body)["checks"]["database"] == "unavailable"
    finally:
        own_postgres.start()

    back = outage.get(OWN_WEB_PORT, "/", cookie=SOME_SESSION)
    assert back.status == 200  # the first request once PostgreSQL is back
    assert outage.get(OWN_WEB_PORT, "/healthz").status == 200
    assert outage.worker_pids(web) == workers


def test_with_postgresql_frozen_a_page_answers_503_once_the_connect_timeout_passes(
    own_postgres, start_own_web
):
    # A new connection per request, so each one has to get through the frozen server.
    start_own_web(OWN_WEB_FRESH_PORT, CONN_MAX_AGE="0", DATABASE_CONNECT_TIMEOUT="2")
    assert outage.get(OWN_WEB_FRESH_PORT, "/", cookie=SOME_SESSION).status == 200

    own_postgres.freeze()
    try:
        down = outage.get(OWN_WEB_FRESH_PORT, "/", cookie=SOME_SESSION)
    finally:
        own_postgres.thaw()
    assert down.status == 503
    assert TRY_AGAIN in down.body
    assert 2 <= down.seconds < 6  # the connect timeout, not gunicorn's 30-second kill

    assert outage.get(OWN_WEB_FRESH_PORT, "/", cookie=SOME_SESSION).status == 200
