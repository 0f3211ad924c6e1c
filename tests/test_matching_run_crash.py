"""A worker killed in the middle of a matching run: the run fails within its lease, and a
new run for the cohort gives exactly the proposals a clean run gives.

Needs PostgreSQL (the worker process must reach the test database); CI has it. The
figures (kill to failed, the new run) are logged: run with ``--log-cli-level=INFO``.
"""

import logging
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone

from matching import services
from matching.models import MatchingRun, Proposal
from mentorship.models import AuditLog, BusinessUnit, Cohort, Enrollment, Profile, Role, Team, User
from toolkit.models import Category

ROOT = Path(__file__).resolve().parents[1]
LEASE_SECONDS = 3
# Big enough that a run takes a few seconds between its claim and its write.
APMS, MENTORS = 2000, 1200

logger = logging.getLogger(__name__)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the worker process needs to reach the test database (PostgreSQL in CI)",
    ),
]


def build_cohort(apms: int, mentors: int, seed: int = 11) -> Cohort:
    """A cohort past intake with its people, in bulk (see benchmarks/matching_run.py)."""
    rng = random.Random(seed)
    now = timezone.now()
    cohort = Cohort.objects.create(
        name="Crash test", slug="crash-test", status=Cohort.Status.MATCHING,
        intake_opens_at=now - timedelta(days=30),
        intake_closes_at=now - timedelta(days=1),
        program_starts_on=now.date(), program_ends_on=(now + timedelta(days=300)).date(),
    )  # fmt: skip
    units = BusinessUnit.objects.bulk_create(BusinessUnit(name=f"Unit {i}") for i in range(30))
    teams = Team.objects.bulk_create(
        Team(business_unit=unit, name=f"Team {j}") for unit in units for j in range(5)
    )
    password = make_password(None)
    users = User.objects.bulk_create(
        (User(email=f"p{i}@crash.example", full_name=f"Person {i}", password=password)
         for i in range(apms + mentors)),
        batch_size=2000,
    )  # fmt: skip
    mentor_users, apm_users = users[:mentors], users[mentors:]
    profiles = []
    for i, user in enumerate(users):
        team = teams[rng.randrange(len(teams))]
        manager = (
            mentor_users[rng.randrange(mentors)] if i >= mentors and rng.random() < 0.7 else None
        )
        profiles.append(Profile(user=user, team=team, business_unit_id=team.business_unit_id,
                                manager=manager, time_zone="America/New_York"))  # fmt: skip
    Profile.objects.bulk_create(profiles, batch_size=2000)
    enrollments = Enrollment.objects.bulk_create(
        [Enrollment(user=u, cohort=cohort, role=Role.MENTOR, capacity=rng.randint(1, 3),
                    submitted_at=now) for u in mentor_users]
        + [Enrollment(user=u, cohort=cohort, role=Role.APM, submitted_at=now) for u in apm_users],
        batch_size=2000,
    )  # fmt: skip
    categories = list(Category.objects.all())
    through = Enrollment.topics.through
    through.objects.bulk_create(
        (through(enrollment_id=e.pk, category_id=c.pk)
         for e in enrollments for c in rng.sample(categories, rng.randint(2, 4))),
        batch_size=5000,
    )  # fmt: skip
    return cohort


def broker(tmp_path):
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"], {"visibility_timeout": 5}
    folder = tmp_path / "broker"
    for name in ("queue", "control"):
        (folder / name).mkdir(parents=True)
    options = {"data_folder_in": str(folder / "queue"), "data_folder_out": str(folder / "queue"),
               "control_folder": str(folder / "control")}  # fmt: skip
    return "filesystem://", options


def start_worker(queue, broker_url, tmp_path, name):
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
        "MATCHING_RUN_LEASE_SECONDS": str(LEASE_SECONDS),  # the short lease of this test
    }
    with (tmp_path / f"{name}.log").open("w") as log:  # read when something goes wrong
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "mentorship", "worker", "--queues", queue,
             "--concurrency", "1", "--loglevel", "INFO", "--without-gossip",
             "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the kill takes parent and child
        )  # fmt: skip


def stop(worker):
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def wait_for(condition, timeout, every=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def status(run) -> str:
    return MatchingRun.objects.values_list("status", flat=True).get(pk=run.pk)


def proposals(run) -> list[tuple[int, int, float]]:
    return sorted(Proposal.objects.filter(run=run).values_list("apm_id", "mentor_id", "score"))


def test_a_run_whose_worker_is_killed_fails_within_its_lease_and_a_new_run_succeeds(
    tmp_path, celery_conf, categories, settings
):
    settings.MATCHING_RUN_LEASE_SECONDS = LEASE_SECONDS
    cohort = build_cohort(APMS, MENTORS)
    clean = MatchingRun.objects.create(cohort=cohort)
    services.run_execute(run_id=clean.pk)  # in this process, undisturbed
    clean.refresh_from_db()
    expected = proposals(clean)
    assert len(expected) == APMS

    broker_url, options = broker(tmp_path)
    queue = f"crash-test-{uuid.uuid4().hex}"  # no other worker on this broker takes these
    celery_conf(task_always_eager=False, broker_url=broker_url,
                broker_transport_options=options, task_default_queue=queue)  # fmt: skip
    worker = start_worker(queue, broker_url, tmp_path, "first-worker")
    try:
        crashed = services.run_request(cohort=cohort, acting_user=None)
        started = wait_for(lambda: status(crashed) == MatchingRun.Status.RUNNING, timeout=120)
        assert started, (tmp_path / "first-worker.log").read_text()[-3000:]
        time.sleep(0.3)  # into the read and the solve
        assert status(crashed) == MatchingRun.Status.RUNNING, "the run ended before the kill"
        stop(worker)  # SIGKILL: no goodbye, in the middle of the run
        killed_at = time.monotonic()

        # What the beat does every minute, here every 0.2 s.
        assert wait_for(lambda: services.runs_sweep()["failed"], LEASE_SECONDS + 10, every=0.2)
        kill_to_failed = time.monotonic() - killed_at
        crashed.refresh_from_db()
        assert crashed.status == MatchingRun.Status.FAILED
        assert crashed.error == services.RUN_WORKER_STOPPED
        assert not Proposal.objects.filter(run=crashed).exists()  # nothing half-written
        audit = AuditLog.objects.get(action="matching.run_lease_expired")
        assert audit.target == f"matching.matchingrun:{crashed.pk}"
        assert kill_to_failed <= LEASE_SECONDS + 1.5  # within the lease (and a sweep)

        worker = start_worker(queue, broker_url, tmp_path, "second-worker")
        requested_at = time.monotonic()
        again = services.run_request(cohort=cohort, acting_user=None)
        assert wait_for(lambda: status(again) != MatchingRun.Status.QUEUED
                        and status(again) != MatchingRun.Status.RUNNING, timeout=180)  # fmt: skip
        new_run_seconds = time.monotonic() - requested_at
    finally:
        stop(worker)

    again.refresh_from_db()
    assert again.status == MatchingRun.Status.SUCCEEDED, (
        again.error or (tmp_path / "second-worker.log").read_text()[-3000:]
    )
    assert proposals(again) == expected  # the same pairs and scores as the clean run
    logger.info(
        "Crash test (%s APMs x %s mentors, lease %s s): kill to failed %.2f s; new run "
        "%.2f s from request to succeeded (the new worker's start included), %.2f s from "
        "claim to finish; the clean run %.2f s from claim to finish",
        APMS, MENTORS, LEASE_SECONDS, kill_to_failed, new_run_seconds, again.duration_seconds,
        clean.duration_seconds,
    )  # fmt: skip
