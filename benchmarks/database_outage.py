"""How fast pages fail and how fast web and worker processes recover when PostgreSQL
goes away, without restarting them.

    .venv/bin/python benchmarks/database_outage.py [--rounds 5]

Starts a PostgreSQL of its own (initdb in a temporary folder on 127.0.0.1:7135; needs
initdb and pg_ctl, and runs the server as the postgres user when started as root),
migrates it, and points a gunicorn (7136, production connection settings), a second
gunicorn (7137, a new connection per request) and a Celery worker (filesystem broker)
at it. Never touches another PostgreSQL. Then, for each round:

- sessions killed (pg_terminate_backend) while the worker is in the middle of a task:
  how long until the worker's next task has written its row;
- sessions killed under the web process: status and time of the next signed-in page;
- PostgreSQL stopped: status and time of a page and of /healthz while it is down; once
  it is started again, how long until a page answers 200 and until the worker's next
  task has written its row;
- PostgreSQL frozen (SIGSTOP, the port stays open): status and time of a page that needs
  a new connection.

Prints the figures; asserts nothing. The worker's mail backend holds each message for
a second (tests/outage.py), so a task takes a little over a second end to end.
"""

import argparse
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import outage  # noqa: E402 - needs the path above

POSTGRES_PORT, WEB_PORT, WEB_FRESH_PORT = 7135, 7136, 7137


def say(text: str) -> None:
    sys.stdout.write(f"{text}\n")
    sys.stdout.flush()


def setup_django(database_url: str, folder: Path) -> None:
    # The web and worker processes inherit these (tests/outage.app_env), so a session made
    # here is valid there.
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(40)
    os.environ["DATABASE_URL"] = database_url
    os.environ["RUN_DIR"] = str(folder)
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "mentorship.settings"
    os.environ["DEBUG"] = "1"
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "CONN_MAX_AGE"):
        os.environ.pop(name, None)  # the filesystem broker in our folder, default settings
    import django

    django.setup()
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    say(f"migrated our own PostgreSQL in {time.monotonic() - started:.1f}s")


def other_sessions() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(outage.OTHER_SESSIONS)
        return cursor.fetchone()[0]


def kill_other_sessions() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(outage.TERMINATE_OTHER_SESSIONS)
        killed = cursor.fetchone()[0]
    outage.wait_for(lambda: other_sessions() == 0, timeout=10)
    return killed


def new_notification(user, index: int):
    from mentorship.models import Notification

    return Notification.objects.create(
        kind=Notification.Kind.NO_MEETING, user=user, object_key=f"bench:{index}",
        to_email=user.email, subject="Time to catch up?", body_text="Hi",
    )  # fmt: skip


def seconds_until_sent(row, timeout: float = 60) -> float | None:
    from mentorship.models import Notification

    sent = Notification.objects.filter(pk=row.pk, status=Notification.Status.SENT)
    return outage.wait_for(sent.exists, timeout=timeout)


def describe(values: list[float | None]) -> str:
    answered = [value for value in values if value is not None]
    missed = f", {len(values) - len(answered)} timed out" if len(answered) < len(values) else ""
    if not answered:
        return f"none{missed}"
    return (f"median {statistics.median(answered):.3f}s, max {max(answered):.3f}s "
            f"(n={len(answered)}{missed})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    reason = outage.own_postgres_unavailable()
    if reason:
        sys.exit(f"Cannot start a PostgreSQL of our own: {reason}")
    folder = Path(tempfile.mkdtemp(prefix="bench-outage-"))
    server = outage.OwnPostgres(POSTGRES_PORT).init()
    processes = []
    try:
        server.start()
        server.psql("postgres", "-c", "CREATE DATABASE mentorship")
        setup_django(server.url("mentorship"), folder)
        run(server, folder, processes, args.rounds)
    finally:
        for process in processes:
            outage.stop(process)
        server.destroy()
        shutil.rmtree(folder, ignore_errors=True)


def run(server, folder: Path, processes: list, rounds: int) -> None:
    from django.db import connection
    from django.test import Client

    from mentorship.models import User
    from mentorship.tasks import send_notification

    user = User.objects.create_user(email="pat@bench.example", full_name="Pat Bench")
    client = Client()
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    counter = iter(range(1_000_000))
    (folder / "mail").mkdir()

    # --- The worker, alone on the database (so its session is the only other one) ---
    worker = outage.start_worker(queue="celery", database_url=server.url("mentorship"),
                                 broker_url="filesystem://", run_dir=folder,
                                 mail_dir=folder / "mail", log=folder / "worker.log")  # fmt: skip
    processes.append(worker)
    warm_up = new_notification(user, next(counter))
    send_notification.delay(warm_up.pk)
    if seconds_until_sent(warm_up, timeout=120) is None:
        sys.exit(f"the worker did not start:\n{(folder / 'worker.log').read_text()[-2000:]}")
    children = outage.worker_pids(worker)

    normal, after_kill = [], []
    for _ in range(rounds):
        row = new_notification(user, next(counter))
        send_notification.delay(row.pk)
        normal.append(seconds_until_sent(row))
    for _ in range(rounds):
        interrupted, following = (new_notification(user, next(counter)) for _ in range(2))
        send_notification.delay(interrupted.pk)
        outage.wait_for(lambda: other_sessions() >= 1, timeout=30)  # mid-task
        killed_at = time.monotonic()
        kill_other_sessions()
        send_notification.delay(following.pk)
        sent = seconds_until_sent(following)
        after_kill.append(None if sent is None else time.monotonic() - killed_at)
    say(f"worker, a task end to end (enqueue to row sent): {describe(normal)}")
    same = outage.worker_pids(worker) == children
    say(f"worker, session killed mid-task -> next task's row sent: {describe(after_kill)} "
        f"after the kill; same pool process: {same}")  # fmt: skip

    # --- The web process ---------------------------------------------------------------
    web = outage.start_web(port=WEB_PORT, database_url=server.url("mentorship"),
                           log=folder / "web.log")  # fmt: skip
    processes.append(web)
    outage.wait_until_serving(WEB_PORT, web, folder / "web.log")
    fresh = outage.start_web(port=WEB_FRESH_PORT, database_url=server.url("mentorship"),
                             log=folder / "web-fresh.log", CONN_MAX_AGE="0")  # fmt: skip
    processes.append(fresh)
    outage.wait_until_serving(WEB_FRESH_PORT, fresh, folder / "web-fresh.log")
    web_workers = outage.worker_pids(web)

    pages = [outage.get(WEB_PORT, "/", cookie=cookie) for _ in range(rounds)]
    say(f"web, a signed-in page normally: {describe([p.seconds for p in pages])}, "
        f"statuses {sorted({p.status for p in pages})}")  # fmt: skip
    statuses, times = [], []
    for _ in range(rounds):
        outage.get(WEB_PORT, "/", cookie=cookie)  # the web process keeps its session
        kill_other_sessions()
        page = outage.get(WEB_PORT, "/", cookie=cookie)
        statuses.append(page.status)
        times.append(page.seconds)
    say(f"web, session killed -> next signed-in page: {describe(times)}, statuses {statuses}")

    down_pages, down_health, back_after, worker_back = [], [], [], []
    down_statuses, health_statuses, failed_while_back = [], [], []
    for _ in range(rounds):
        connection.close()  # ours goes down with the server too
        server.stop()
        for _ in range(3):
            page = outage.get(WEB_PORT, "/", cookie=cookie)
            down_pages.append(page.seconds)
            down_statuses.append(page.status)
        health = outage.get(WEB_PORT, "/healthz")
        down_health.append(health.seconds)
        health_statuses.append(health.status)
        server.start()
        attempts = []

        def serves(attempts=attempts):
            attempts.append(outage.get(WEB_PORT, "/", cookie=cookie).status)
            return attempts[-1] == 200

        back_after.append(outage.wait_for(serves, timeout=30, interval=0.05))
        failed_while_back.append(len(attempts) - 1)
        row = new_notification(user, next(counter))
        send_notification.delay(row.pk)
        worker_back.append(seconds_until_sent(row))
    say(f"PostgreSQL stopped: a signed-in page {describe(down_pages)}, "
        f"statuses {sorted(set(down_statuses))}; /healthz {describe(down_health)}, "
        f"statuses {sorted(set(health_statuses))}")  # fmt: skip
    say(f"PostgreSQL started again: first 200 {describe(back_after)} after pg_ctl start "
        f"returned (non-200 answers before it: {failed_while_back})")  # fmt: skip
    say(f"PostgreSQL started again: the worker's next task, enqueue to row sent: "
        f"{describe(worker_back)}")  # fmt: skip
    say(f"same gunicorn worker throughout: {outage.worker_pids(web) == web_workers}; "
        f"same Celery pool process: {outage.worker_pids(worker) == children}")  # fmt: skip

    frozen, frozen_statuses = [], []
    for _ in range(min(rounds, 3)):
        connection.close()
        server.freeze()
        try:
            page = outage.get(WEB_FRESH_PORT, "/", cookie=cookie, timeout=60)
        finally:
            server.thaw()
        frozen.append(page.seconds)
        frozen_statuses.append(page.status)
    say(f"PostgreSQL frozen, a page needing a new connection: {describe(frozen)}, "
        f"statuses {frozen_statuses} (DATABASE_CONNECT_TIMEOUT is 3s)")  # fmt: skip


if __name__ == "__main__":
    main()
