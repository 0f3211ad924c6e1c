"""The outbox against real processes: a worker killed mid-batch loses no email and sends
none twice. Needs PostgreSQL (the worker process must reach the test database); CI has it.
"""

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from mentorship.models import Notification
from mentorship.outbox.sending import notifications_sweep
from mentorship.tasks import send_notification
from tests.factories import UserFactory
from tests.reminders import daily_scan

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the worker process needs to reach the test database (PostgreSQL in CI)",
    ),
]


def broker(tmp_path):
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"], {"visibility_timeout": 5}
    folder = tmp_path / "broker"
    for name in ("queue", "control"):
        (folder / name).mkdir(parents=True)
    options = {"data_folder_in": str(folder / "queue"), "data_folder_out": str(folder / "queue"),
               "control_folder": str(folder / "control")}  # fmt: skip
    return "filesystem://", options


def start_worker(queue, broker_url, mail_dir, tmp_path):
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mentorship.settings",
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}",
        "CELERY_BROKER_URL": broker_url,
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "RUN_DIR": str(tmp_path),
        "EMAIL_BACKEND": "tests.slow_mail_backend.SlowFileBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "mentorship", "worker", "--queues", queue,
         "--concurrency", "1", "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
         "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so we can kill parent and child
    )  # fmt: skip


def delivered_ids(mail_dir: Path) -> list[str]:
    ids = []
    for path in mail_dir.glob("*"):
        ids += re.findall(r"^X-Notification-ID: (\d+)$", path.read_text(), flags=re.MULTILINE)
    return ids


def wait_for(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_worker_killed_mid_batch_loses_none_of_50_reminders_and_repeats_none(
    tmp_path, celery_conf
):
    broker_url, options = broker(tmp_path)
    queue = f"outbox-test-{uuid.uuid4().hex}"  # no other worker on this broker takes these
    celery_conf(
        task_always_eager=False,
        broker_url=broker_url,
        broker_transport_options=options,
        task_default_queue=queue,
    )
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    rows = Notification.objects.bulk_create(
        Notification(kind="no_meeting", user=user, object_key=f"test:{i}", to_email=user.email,
                     subject="Time to catch up?", body_text="Hi")
        for i, user in enumerate(UserFactory.create_batch(50))
    )  # fmt: skip
    for row in rows:
        send_notification.delay(row.pk)

    worker = start_worker(queue, broker_url, mail_dir, tmp_path)
    try:
        assert wait_for(lambda: len(delivered_ids(mail_dir)) >= 10, timeout=120)
        os.killpg(worker.pid, signal.SIGKILL)  # no goodbye: in the middle of a send
        worker.wait(timeout=10)
        sent_before_restart = len(delivered_ids(mail_dir))
        assert sent_before_restart < 50

        worker = start_worker(queue, broker_url, mail_dir, tmp_path)
        # Whatever the broker did not hand back, the periodic sweep re-enqueues.
        Notification.objects.update(created_at=timezone.now() - timedelta(minutes=10))
        for _ in range(6):
            notifications_sweep()
            if wait_for(lambda: Notification.objects.filter(status="sent").count() == 50, 30):
                break
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)

    ids = delivered_ids(mail_dir)
    assert Notification.objects.filter(status="sent").count() == 50
    assert sorted(ids) == sorted(str(row.pk) for row in rows)  # all 50, each exactly once


def test_two_scans_at_once_queue_one_reminder_per_person():
    import threading

    from django.db import connections

    from tests.factories import CohortFactory

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
