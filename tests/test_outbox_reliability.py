"""The outbox against real processes: a worker killed at each point of a send, and a
mail server that refuses, hangs and comes back. Needs PostgreSQL (the worker process must
reach the test database); CI has it, with Redis as the broker.

The outbox promises at-least-once delivery with a small window, not exactly-once: a
worker killed after the mail server took a message, before the row was marked sent,
sends it again once its claim has expired. So the kill tests assert that every message
arrives and that a kill repeats at most one message.

Run with ``--log-cli-level=INFO`` to see the figures (deliveries, duplicates, timings).
"""

import asyncio
import email
import logging
import math
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from mentorship.models import Notification
from mentorship.outbox.sending import CLAIM_EXPIRED, notifications_sweep
from mentorship.tasks import ping, send_notification
from tests.factories import PASSWORD, CohortFactory, UserFactory
from tests.reminders import daily_scan

ROOT = Path(__file__).resolve().parents[1]
SMTP_PORTS = range(7111, 7120)  # this project's ports for servers a test starts
logger = logging.getLogger(__name__)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the worker process needs to reach the test database (PostgreSQL in CI)",
    ),
]


# --- Processes ------------------------------------------------------------------------


def broker(tmp_path):
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"], {"visibility_timeout": 5}
    folder = tmp_path / "broker"
    for name in ("queue", "control"):
        (folder / name).mkdir(parents=True)
    options = {"data_folder_in": str(folder / "queue"), "data_folder_out": str(folder / "queue"),
               "control_folder": str(folder / "control")}  # fmt: skip
    return "filesystem://", options


@pytest.fixture
def outbox_worker(tmp_path, celery_conf):
    """start(**env) runs a Celery worker on a queue of its own; kill() ends it with SIGKILL."""
    broker_url, options = broker(tmp_path)
    queue = f"outbox-test-{uuid.uuid4().hex}"  # no other worker on this broker takes these
    celery_conf(task_always_eager=False, broker_url=broker_url,
                broker_transport_options=options, task_default_queue=queue)  # fmt: skip
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    running, started = [], []

    class Worker:
        def start(self, concurrency=1, **extra_env):
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "mentorship.settings",
                "DEBUG": "1",
                "DATABASE_URL": f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}",
                "CELERY_BROKER_URL": broker_url,
                "CELERY_VISIBILITY_TIMEOUT": "5",
                "RUN_DIR": str(tmp_path),
                **extra_env,
            }  # fmt: skip
            log = open(tmp_path / f"worker-{len(started)}.log", "w")  # noqa: SIM115
            started.append(log)
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "mentorship", "worker", "--queues", queue,
                 "--concurrency", str(concurrency), "--loglevel", "INFO", "--without-gossip",
                 "--without-mingle", "--without-heartbeat"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: parent and children die together
            )  # fmt: skip
            running.append(process)

        def kill(self):
            """SIGKILL, no goodbye: whatever the worker was doing stops mid-way."""
            while running:
                process = running.pop()
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    worker = Worker()
    yield worker
    worker.kill()
    for log in started:
        log.close()


def wait_for(condition, timeout=60, every=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def sweep_until_all_sent(rows, timeout=120) -> bool:
    """Run the sweep every second, as beat does every minute, until every row is sent."""
    ids = [row.pk for row in rows]

    def all_sent():
        notifications_sweep()
        return Notification.objects.filter(pk__in=ids, status="sent").count() == len(ids)

    return wait_for(all_sent, timeout=timeout, every=1.0)


def queue_rows(count: int, kind=Notification.Kind.NO_MEETING) -> list[Notification]:
    rows = Notification.objects.bulk_create(
        Notification(kind=kind, user=user, object_key=f"test:{i}", to_email=user.email,
                     subject="Time to catch up?", body_text="Hi")
        for i, user in enumerate(UserFactory.create_batch(count))
    )  # fmt: skip
    for row in rows:
        send_notification.delay(row.pk)
    return rows


# --- A worker killed at each point of a send ------------------------------------------


def delivered_ids(mail_dir: Path) -> list[str]:
    ids = []
    for path in mail_dir.glob("*"):
        ids += re.findall(r"^X-Notification-ID: (\d+)$", path.read_text(), flags=re.MULTILINE)
    return ids


def claims_waiting_on_a_lock() -> list[int]:
    with connection.cursor() as cursor:
        # Inside a transaction the activity view is a snapshot; take a fresh one.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE 'UPDATE%%mentorship_notification%%'"
        )
        return [pid for (pid,) in cursor.fetchall()]


def kill_before_the_claim_commits(outbox_worker) -> None:
    with transaction.atomic():
        # Hold every pending row: the worker's next claim (an UPDATE) waits, uncommitted.
        list(Notification.objects.select_for_update().filter(status="pending").values("pk"))
        assert wait_for(claims_waiting_on_a_lock, timeout=60)
        waiting = claims_waiting_on_a_lock()
        outbox_worker.kill()
        # The database ends the dead worker's session, as it does once it sees the
        # closed socket; its claim never commits.
        with connection.cursor() as cursor:
            for pid in waiting:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def kill_paused_at(outbox_worker, point: str, pause_dir: Path) -> str:
    (pause_dir / point).touch()
    assert wait_for((pause_dir / "paused").exists, timeout=60)
    outbox_worker.kill()
    (pause_dir / point).unlink()
    return (pause_dir / "paused").read_text().split()[1]


@pytest.mark.parametrize("point", ["before-claim", "before-send", "after-send"])
def test_a_worker_killed_at_any_point_of_a_send_loses_nothing_and_repeats_at_most_one(
    outbox_worker, tmp_path, point
):
    mail_dir, pause_dir = tmp_path / "mail", tmp_path / "pause"
    mail_dir.mkdir()
    pause_dir.mkdir()
    worker_env = {
        "EMAIL_BACKEND": "tests.slow_mail_backend.SlowFileBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "OUTBOX_TEST_PAUSE_DIR": str(pause_dir),
    }
    rows = queue_rows(20)
    outbox_worker.start(**worker_env)
    assert wait_for(lambda: len(delivered_ids(mail_dir)) >= 5, timeout=120)

    if point == "before-claim":
        kill_before_the_claim_commits(outbox_worker)
        # The held claim never committed; the killed worker may have committed one
        # claim just before it (concurrency 1: at most one), which the expiry recovers.
        assert Notification.objects.filter(status="sending").count() <= 1
        in_flight = None
    else:
        in_flight = kill_paused_at(outbox_worker, point, pause_dir)
    delivered_before = len(delivered_ids(mail_dir))
    assert delivered_before < len(rows)

    # The dead worker's claim expires (sending.claim_expiry); here, at once. Rows whose
    # task the broker lost with the worker are due for the sweep.
    Notification.objects.filter(status="sending").update(
        claimed_at=timezone.now() - timedelta(hours=1)
    )
    Notification.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    outbox_worker.start(**worker_env)
    assert sweep_until_all_sent(rows)

    counts = Counter(delivered_ids(mail_dir))
    twice = sorted(pk for pk, count in counts.items() if count > 1)
    logger.info("kill %s: %s rows, %s delivered before the kill, %s messages delivered, "
                "%s delivered twice %s", point, len(rows), delivered_before,
                sum(counts.values()), len(twice), twice)  # fmt: skip
    assert set(counts) == {str(row.pk) for row in rows}  # every message arrived
    assert max(counts.values()) <= 2
    assert len(twice) <= 1  # at most one repeated per kill
    if point == "after-send":
        assert set(twice) <= {in_flight}  # only the one the server had already taken
    if in_flight:
        row = Notification.objects.get(pk=in_flight)
        assert (row.attempts, row.last_error) == (2, CLAIM_EXPIRED)  # the lost try counts


# --- A mail server that refuses, hangs, then comes back ---------------------------------


class SwitchableMailServer:
    """An SMTP server on 127.0.0.1 whose ``mode`` the test switches.

    "421": every message is refused for now (4.3.2, try again later); "hang": the server
    never answers MAIL FROM, so the client can only time out; "ok": it takes the message.
    """

    def __init__(self):
        self.mode = "ok"
        self.received: list[str] = []  # X-Notification-ID of each message taken

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        if self.mode == "421":
            return "421 4.3.2 Service not available, try again later"
        while self.mode == "hang":
            await asyncio.sleep(0.05)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = email.message_from_bytes(envelope.content)
        self.received.append(message["X-Notification-ID"])
        return "250 Message accepted for delivery"


def free_port() -> int:
    for port in SMTP_PORTS:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    pytest.fail(f"every port in {SMTP_PORTS} is taken")


@pytest.fixture
def mail_server():
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    server = SwitchableMailServer()
    controller = Controller(server, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield server, controller.port
    server.mode = "ok"  # lets hanging sessions finish
    controller.stop()


def timed(call, *args, **kwargs):
    started = time.monotonic()
    response = call(*args, **kwargs)
    return response, time.monotonic() - started


class Watch:
    """Samples the rows while mail fails: each failure, with the wait it scheduled."""

    def __init__(self):
        self.failures: dict[int, list[tuple[int, float]]] = {}
        self.sweeps = 0

    def sample(self):
        for pk, attempts, status, next_at, updated in Notification.objects.values_list(
            "pk", "attempts", "status", "next_attempt_at", "updated_at"
        ):
            seen = self.failures.setdefault(pk, [])
            if status == "pending" and attempts and next_at and attempts > len(seen):
                seen.append((attempts, (next_at - updated).total_seconds()))

    def run(self, seconds: float):
        """Sweep every second for ``seconds``, sampling four times a second."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            notifications_sweep()
            self.sweeps += 1
            for _ in range(4):
                self.sample()
                time.sleep(0.25)


def test_a_mail_server_that_refuses_then_hangs_then_returns_fails_no_page_and_loses_no_mail(
    outbox_worker, mail_server, client
):
    server, port = mail_server
    first_retry = 1  # seconds; production waits a minute
    outbox_worker.start(
        concurrency=4,
        EMAIL_URL=f"smtp://127.0.0.1:{port}",
        EMAIL_TIMEOUT="1",
        OUTBOX_FIRST_RETRY_SECONDS=str(first_retry),
    )
    person = UserFactory(email="apm@adhoc.example")
    pages = []

    def sign_up(address):
        data = {"full_name": "Avery Park", "email": address, "password1": PASSWORD,
                "password2": PASSWORD}  # fmt: skip
        pages.append(timed(client.post, reverse("account_signup"), data))

    def reset():
        pages.append(timed(client.post, reverse("account_reset_password"),
                           {"email": person.email}))  # fmt: skip

    # A running site is warm: it has loaded its URLs, templates and password lists, and
    # opened its connection to the broker.
    for name in ("account_signup", "account_reset_password"):
        assert client.get(reverse(name)).status_code == 200
    weak = {"email": "warm@adhoc.example", "password1": "x", "password2": "x"}
    assert client.post(reverse("account_signup"), weak).status_code == 200  # refused
    ping.delay()

    watch = Watch()
    outage_started = time.monotonic()
    server.mode = "421"
    sign_up("first@adhoc.example")
    reset()
    queue_rows(4, kind=Notification.Kind.MATCH_INTRODUCTION)
    watch.run(15)
    refused = Notification.objects.all()
    assert refused.count() == 6
    assert all(row.attempts >= 1 and "421" in row.last_error for row in refused)

    server.mode = "hang"
    sign_up("second@adhoc.example")
    reset()
    watch.run(10)
    timed_out = Notification.objects.filter(last_error__contains="timed out")
    assert timed_out.count() >= 2  # at least the two queued during the hang

    server.mode = "ok"
    back = time.monotonic()
    outage = back - outage_started
    rows = list(Notification.objects.all())
    assert sweep_until_all_sent(rows, timeout=120)
    to_deliver = time.monotonic() - back

    assert all(response.status_code == 302 for response, _ in pages)
    assert max(seconds for _, seconds in pages) < 1.0  # pages answer at once
    assert Counter(server.received) == Counter(str(row.pk) for row in rows)  # each one, once
    rows = list(Notification.objects.all())
    failures = {row.pk: row.attempts - 1 for row in rows}  # the last attempt succeeded
    assert all(count >= 1 for count in failures.values())  # the failures are counted
    # No tight loop: the sweep ran every second, but each row waited out a doubling,
    # jittered backoff (at least half of first_retry * 2^(n-1) after its n-th failure),
    # which allows about log2 of the outage's length in attempts.
    most = 2 + math.log2(2 * outage / first_retry + 1)
    assert max(failures.values()) <= most < watch.sweeps
    for pk, seen in watch.failures.items():
        for attempt, wait in seen:
            assert wait >= 0.5 * first_retry * 2 ** (attempt - 1) - 0.01, (pk, seen)
    logger.info(
        "smtp: %s rows, pages answered in %s s, %.1f s outage (421 then hanging), %s sweeps, "
        "failures per row %s (bound %.1f), waits %s, delivered %s, %.1f s to deliver after "
        "the server returned", len(rows), [round(s, 3) for _, s in pages], outage,
        watch.sweeps, sorted(failures.values()), most, dict(watch.failures),
        len(server.received), to_deliver,
    )  # fmt: skip


# --- Scans ----------------------------------------------------------------------------


def test_two_scans_at_once_queue_one_reminder_per_person():
    CohortFactory()
    people = UserFactory.create_batch(10)
    barrier = threading.Barrier(2)

    def scan():
        try:
            barrier.wait(timeout=10)
            daily_scan()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for person in people:
        assert Notification.objects.filter(user=person, kind="intake_open").count() == 1
