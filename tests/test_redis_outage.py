"""Redis down: every page answers within a second, writes its rows, and loses nothing.

Redis is both the Celery broker and the cache behind allauth's rate limits. Each test
starts a redis-server of its own on 127.0.0.1:7121 (never the machine's shared Redis),
points the cache and the broker at it, then stops or freezes it and uses the site the
way people do. Once it is back, the sweeps queue again what waited in the database, and
the messages that reach Redis are run as a worker would (a real worker process does the
same in the PostgreSQL test at the end). Figures: benchmarks/redis_outage.py.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from celery import current_app
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from kombu import Connection

from matching import services as matching_services
from matching.emails import introductions_sweep
from matching.models import Match, MatchingRun, Proposal
from mentorship.common import background
from mentorship.common import cache as fallback_cache
from mentorship.common.audit import audit_target
from mentorship.models import AuditLog, Cohort, Enrollment, Notification, Role
from surveys import services as survey_services
from surveys.models import Ballot, Invitation, Question, Survey
from surveys.tasks import run_survey_schedule
from tests.factories import PASSWORD, CohortFactory, EnrollmentFactory, TeamFactory, UserFactory
from tests.matching.test_admin import default_weights
from tests.mentorship.test_intake import apm_answers

ROOT = Path(__file__).resolve().parents[1]
PORT = 7121  # this part's own port range is 7121-7129
WITHIN = 1.0  # seconds: every page answers within this while Redis is down
LOGIN_URL = reverse("account_login")
WRONG_PASSWORD_ERROR = "The email address and/or password you specified are not correct."

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        shutil.which("redis-server") is None,
        reason="needs redis-server (apt-get install redis-server) to start a Redis of its own",
    ),
]


class OwnRedis:
    """A redis-server of this test's own, on 127.0.0.1, keeping nothing on disk."""

    def __init__(self, port: int, folder: Path):
        self.port, self.folder, self.process = port, folder, None
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_timeout=0.5, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"redis-server did not start on port {self.port}")  # noqa: B904
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.thaw()
            self.process.terminate()
            self.process.wait(timeout=20)

    def freeze(self) -> None:
        """Hung, not gone: connections are accepted and never answered."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)


def reset_celery_pools():
    # Celery keeps its producer pool per broker; drop it so the next publish uses the
    # broker this test set (and the next test gets its own).
    current_app._pool, current_app.amqp._producer_pool = None, None


@pytest.fixture
def own_redis(tmp_path, settings, celery_conf):
    server = OwnRedis(PORT, tmp_path)
    server.start()
    timeouts = {"socket_connect_timeout": settings.REDIS_TIMEOUT,
                "socket_timeout": settings.REDIS_TIMEOUT}  # fmt: skip
    # The production wiring (mentorship/settings.py with REDIS_URL), on this Redis.
    settings.CACHES = {
        "default": {
            "BACKEND": "mentorship.common.cache.FallbackCache",
            "OPTIONS": {"PRIMARY": "redis", "FALLBACK": "database", "RETRY_AFTER": 15},
        },
        "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                  "LOCATION": server.url, "KEY_PREFIX": "mentorship", "OPTIONS": timeouts},
        "database": settings.DATABASE_CACHE,
    }  # fmt: skip
    server.queue = f"outage-{uuid.uuid4().hex}"
    celery_conf(
        task_always_eager=False,
        broker_url=server.url,
        broker_transport_options=timeouts,
        task_default_queue=server.queue,
    )
    reset_celery_pools()
    fallback_cache.breakers.clear()
    background.broker_breaker.reset()
    yield server
    server.stop()
    reset_celery_pools()
    fallback_cache.breakers.clear()
    background.broker_breaker.reset()


def timed(call):
    started = time.perf_counter()
    response = call()
    return response, time.perf_counter() - started


def run_what_the_broker_holds(server, capture) -> list[tuple[str, tuple]]:
    """Take each message off the test's queue and run its task, as a worker would."""
    ran = []
    with Connection(server.url) as conn:
        queue = conn.SimpleQueue(server.queue, no_ack=True)
        try:
            while True:
                try:
                    message = queue.get(block=False)
                except queue.Empty:
                    break
                name, (args, kwargs, _) = message.headers["task"], message.payload
                with capture(execute=True):  # tasks queue more work after their commit
                    current_app.tasks[name].apply(args=args, kwargs=kwargs).get()
                ran.append((name, tuple(args)))
        finally:
            queue.close()
    return ran


# --- The program, set up while Redis is still up ---------------------------------------


def matching_cohort(status, apms=3, mentors=2, **fields):
    cohort = CohortFactory(status=status, **fields)
    for _ in range(apms):
        EnrollmentFactory(cohort=cohort, role=Role.APM)
    for _ in range(mentors):
        EnrollmentFactory(cohort=cohort, role=Role.MENTOR, capacity=2)
    return cohort


def active_fields():
    today = timezone.localdate()
    return {
        "intake_opens_at": timezone.now() - timedelta(days=150),
        "intake_closes_at": timezone.now() - timedelta(days=130),
        "program_starts_on": today - timedelta(days=120),
        "program_ends_on": today + timedelta(days=120),
    }


def draft_survey(cohort, title):
    survey = Survey.objects.create(
        cohort=cohort, title=title, audience="both", is_anonymous=True,
        opens_at=timezone.now() - timedelta(hours=1), closes_at=timezone.now() + timedelta(days=7),
    )  # fmt: skip
    Question.objects.create(survey=survey, position=1, kind="scale",
                            text="Our conversations helped me grow.")  # fmt: skip
    return survey


@pytest.fixture
def program(db, committee):
    """Everything the pages below need, made while Redis is up and nothing is queued."""
    now = timezone.now()
    # Proposals waiting for the committee: a run that finished in an active cohort.
    to_approve = matching_cohort(Cohort.Status.ACTIVE, **active_fields())
    run = MatchingRun.objects.create(cohort=to_approve, started_by=committee)
    matching_services.run_execute(run_id=run.pk)
    # A cohort past intake, waiting for its run.
    to_match = matching_cohort(Cohort.Status.MATCHING)
    # A pair in an active cohort with a survey open (to answer) and one to send.
    surveyed = CohortFactory(status=Cohort.Status.ACTIVE, **active_fields())
    pair = Match.objects.create(
        cohort=surveyed, status=Match.Status.ACTIVE, introduced_at=now,
        apm=EnrollmentFactory(cohort=surveyed, role=Role.APM),
        mentor=EnrollmentFactory(cohort=surveyed, role=Role.MENTOR),
    )  # fmt: skip
    open_survey = draft_survey(surveyed, "Mid-point check-in")
    survey_services.survey_open(survey=open_survey, acting_user=committee)
    Invitation.objects.filter(survey=open_survey).update(invited_email_sent_at=now)
    to_send = draft_survey(surveyed, "End-of-cohort survey")
    # An intake that is open, and someone about to fill it in.
    intake = CohortFactory(status=Cohort.Status.INTAKE_OPEN)
    return {
        "proposals": list(Proposal.objects.filter(run=run).values_list("pk", flat=True)),
        "to_match": to_match, "pair": pair, "open_survey": open_survey, "to_send": to_send,
        "intake": intake, "team": TeamFactory(name="Benefits Portal"),
        "joiner": UserFactory(full_name="Avery Park"), "member": UserFactory(),
    }  # fmt: skip


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def warm_up(program, committee):
    """Render each page once with Redis up: the bound is about Redis, not template loading."""
    Client().get(LOGIN_URL)
    admin = signed_in(committee)
    admin.get(reverse("admin:matching_proposal_changelist"))
    admin.get(reverse("admin:matching_matchingrun_add"))
    admin.get(reverse("admin:surveys_survey_changelist"))
    signed_in(program["joiner"]).get(reverse("intake", args=[program["intake"].slug, Role.APM]))
    signed_in(program["pair"].apm.user).get(
        reverse("surveys:answer", args=[program["open_survey"].pk])
    )


# --- The pages, with Redis stopped -----------------------------------------------------


def test_with_redis_stopped_every_page_answers_within_a_second_and_nothing_is_lost(
    own_redis, program, committee, django_capture_on_commit_callbacks, mailoutbox
):
    warm_up(program, committee)
    own_redis.stop()
    capture = django_capture_on_commit_callbacks
    answers = {}

    def page(name, call):
        with capture(execute=True):  # the publish happens after commit: time it too
            response, seconds = timed(call)
        answers[name] = (response.status_code, round(seconds, 3))
        assert seconds < WITHIN, answers
        return response

    # Sign-in, with the wrong password and the right one.
    member = program["member"]
    client = Client()
    response = page("sign-in, wrong password", lambda: client.post(
        LOGIN_URL, {"login": member.email, "password": "not-the-password-1"}))  # fmt: skip
    assert response.status_code == 200
    assert WRONG_PASSWORD_ERROR in response.content.decode()
    response = page("sign-in, right password", lambda: client.post(
        LOGIN_URL, {"login": member.email, "password": PASSWORD}))  # fmt: skip
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)

    # The intake form.
    joiner, intake = program["joiner"], program["intake"]
    client = signed_in(joiner)
    intake_url = reverse("intake", args=[intake.slug, Role.APM])
    response = page("intake form", lambda: client.post(
        intake_url, apm_answers(program["team"])))  # fmt: skip
    assert response.status_code == 302
    assert Enrollment.objects.filter(user=joiner, cohort=intake, role=Role.APM).exists()

    # A survey answer.
    survey, apm_user = program["open_survey"], program["pair"].apm.user
    client = signed_in(apm_user)
    scale = survey.questions.get()
    response = page("survey submit", lambda: client.post(
        reverse("surveys:submit", args=[survey.pk]), {f"q_{scale.pk}": "4"}))  # fmt: skip
    assert response.status_code == 302
    # Anonymous: kept as a sealed ballot; the mix task could not be queued, and the
    # hourly schedule mixes it (into a response once there are enough for a batch).
    assert Ballot.objects.filter(survey=survey).count() == 1
    assert Invitation.objects.get(survey=survey, user=apm_user).completed_on

    admin = signed_in(committee)
    # Approving the proposals: the matches exist, their introductions wait for a worker.
    response = page("proposal approval", lambda: admin.post(
        reverse("admin:matching_proposal_changelist"),
        {"action": "approve_selected", "_selected_action": program["proposals"]}))  # fmt: skip
    assert response.status_code == 302
    approved = Match.objects.filter(proposal__in=program["proposals"])
    assert approved.count() == 3
    assert approved.filter(introduced_at=None).count() == 3
    introductions = Notification.objects.filter(kind=Notification.Kind.MATCH_INTRODUCTION)
    assert not introductions.exists()

    # Starting a matching run: it waits, queued.
    to_match = program["to_match"]
    response = page("start a matching run", lambda: admin.post(
        reverse("admin:matching_matchingrun_add"),
        {"cohort": to_match.pk, **default_weights()}))  # fmt: skip
    assert response.status_code == 302
    run = MatchingRun.objects.get(cohort=to_match)
    assert run.status == MatchingRun.Status.QUEUED
    assert AuditLog.objects.filter(
        action="matching.run_requested", target=audit_target(run)
    ).exists()

    # Sending a survey: everyone is invited, the emails wait.
    to_send = program["to_send"]
    response = page("send a survey", lambda: admin.post(
        reverse("admin:surveys_survey_changelist"),
        {"action": "send_selected", "_selected_action": [to_send.pk]}))  # fmt: skip
    assert response.status_code == 302
    to_send.refresh_from_db()
    assert to_send.status == Survey.Status.OPEN
    invitations = Invitation.objects.filter(survey=to_send)
    assert invitations.count() == 2
    assert not invitations.exclude(invited_email_sent_at=None).exists()

    response = page("/healthz", lambda: Client().get(reverse("healthz")))
    assert response.status_code == 200
    assert response.json()["down"] == ["broker", "cache"]
    assert all(status != 500 for status, _ in answers.values())
    assert mailoutbox == []

    # Redis is back. The periodic jobs find what waited and queue it again; in production
    # they run in a worker, which has its own view of the broker (not this breaker's).
    own_redis.start()
    background.broker_breaker.reset()
    approved.update(created_at=timezone.now() - timedelta(minutes=10))
    with capture(execute=True):
        assert introductions_sweep() == 3  # six introductions, each sent once it commits
        run_survey_schedule()
        # A queued run is queued again by matching's stale-run sweep (issue 11, part 1).
        background.enqueue(matching_services.EXECUTE_RUN_TASK, run.pk)
    ran = run_what_the_broker_holds(own_redis, capture)

    names = [name for name, _ in ran]
    assert names.count("matching.tasks.execute_matching_run") == 1
    assert names.count("surveys.tasks.send_survey_invitation") == 2
    # Six introductions from the sweep, then the two invitations through the outbox.
    assert introductions.count() == 6
    assert names.count("mentorship.tasks.send_notification") == 8
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.SUCCEEDED
    assert Proposal.objects.filter(run=run).count() == 3
    assert not invitations.filter(invited_email_sent_at=None).exists()
    recipients = sorted(address for message in mailoutbox for address in message.to)
    pair = program["pair"]
    introduced = introductions.values_list("to_email", flat=True)
    expected = sorted([pair.apm.user.email, pair.mentor.user.email, *introduced])
    assert recipients == expected  # every email once: six introductions, two invitations


def test_with_redis_stopped_the_sixth_wrong_password_is_still_refused(own_redis, outsider):
    own_redis.stop()
    client = Client()
    for _ in range(5):
        response = client.post(LOGIN_URL, {"login": outsider.email, "password": "wrong-one-1"})
        assert WRONG_PASSWORD_ERROR in response.content.decode()
    response, seconds = timed(
        lambda: client.post(LOGIN_URL, {"login": outsider.email, "password": "wrong-one-1"})
    )
    assert seconds < WITHIN
    assert "Too many failed login attempts" in response.content.decode()
    # The right password does not get past it either, until the limit expires.
    response = client.post(LOGIN_URL, {"login": outsider.email, "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_with_redis_hung_sign_in_and_sending_a_survey_answer_within_a_second(
    own_redis, program, committee, django_capture_on_commit_callbacks
):
    warm_up(program, committee)
    own_redis.freeze()
    member = program["member"]
    client = Client()
    response, seconds = timed(
        lambda: client.post(LOGIN_URL, {"login": member.email, "password": PASSWORD})
    )
    assert response.status_code == 302
    assert seconds < WITHIN
    admin = signed_in(committee)
    with django_capture_on_commit_callbacks(execute=True):
        response, seconds = timed(lambda: admin.post(
            reverse("admin:surveys_survey_changelist"),
            {"action": "send_selected", "_selected_action": [program["to_send"].pk]}))  # fmt: skip
    assert response.status_code == 302
    assert seconds < WITHIN
    assert Invitation.objects.filter(survey=program["to_send"]).count() == 2
    response, seconds = timed(lambda: Client().get(reverse("healthz")))
    assert seconds < WITHIN
    assert response.json()["down"] == ["broker", "cache"]


# --- A real worker through the outage (PostgreSQL: the worker must reach the test DB) ---


def start_worker(server, mail_dir: Path, run_dir: Path) -> subprocess.Popen:
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mentorship.settings",
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}",
        "REDIS_URL": server.url,  # broker and cache, as in production
        "CELERY_BROKER_URL": server.url,
        "RUN_DIR": str(run_dir),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    return subprocess.Popen(
        # Its own tasks go to the default queue: this Redis is the test's alone.
        [sys.executable, "-m", "celery", "-A", "mentorship", "worker",
         "--queues", f"{server.queue},celery",
         "--pool", "solo", "--loglevel", "INFO", "--without-gossip", "--without-mingle",
         "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=(run_dir / "worker.log").open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def delivered(mail_dir: Path) -> list[str]:
    """The outbox ids of every email the worker wrote, once per delivery."""
    found = []
    for path in mail_dir.glob("*"):
        found += re.findall(r"^X-Notification-ID: (\d+)$", path.read_text(), flags=re.MULTILINE)
    return found


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the worker process needs to reach the test database (PostgreSQL in CI)",
)
def test_a_worker_rides_out_the_outage_and_sends_everything_once_redis_is_back(
    own_redis, tmp_path, committee
):
    to_approve = matching_cohort(Cohort.Status.ACTIVE, **active_fields())
    first_run = MatchingRun.objects.create(cohort=to_approve, started_by=committee)
    matching_services.run_execute(run_id=first_run.pk)
    proposals = list(Proposal.objects.filter(run=first_run))
    to_match = matching_cohort(Cohort.Status.MATCHING)
    surveyed = CohortFactory(status=Cohort.Status.ACTIVE, **active_fields())
    Match.objects.create(
        cohort=surveyed, status=Match.Status.ACTIVE, introduced_at=timezone.now(),
        apm=EnrollmentFactory(cohort=surveyed, role=Role.APM),
        mentor=EnrollmentFactory(cohort=surveyed, role=Role.MENTOR),
    )  # fmt: skip
    survey = draft_survey(surveyed, "End-of-cohort survey")
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    worker = start_worker(own_redis, mail_dir, tmp_path)
    try:
        # The worker works: the first approval's two introductions go out at once.
        matching_services.proposal_approve(proposal=proposals[0], acting_user=committee)
        assert wait_for(lambda: len(delivered(mail_dir)) == 2, timeout=60)

        own_redis.stop()
        time.sleep(3)  # the worker notices and keeps trying to reconnect
        for proposal in proposals[1:]:
            matching_services.proposal_approve(proposal=proposal, acting_user=committee)
        run = matching_services.run_request(cohort=to_match, acting_user=committee)
        survey_services.survey_open(survey=survey, acting_user=committee)
        invitations = Invitation.objects.filter(survey=survey)
        assert list(invitations.values_list("invited_email_sent_at", flat=True)) == [None, None]
        waiting = Match.objects.filter(introduced_at=None)
        assert waiting.count() == len(proposals) - 1  # introduced by the worker, later
        assert MatchingRun.objects.get(pk=run.pk).status == MatchingRun.Status.QUEUED

        own_redis.start()
        back = time.monotonic()
        # The periodic jobs, as beat runs them every minute (sweeps) and hour (surveys).
        background.broker_breaker.reset()
        waiting.update(created_at=timezone.now() - timedelta(minutes=10))
        assert introductions_sweep() == len(proposals) - 1
        run_survey_schedule()
        # A queued run is queued again by matching's stale-run sweep (issue 11, part 1).
        background.enqueue(matching_services.EXECUTE_RUN_TASK, run.pk)

        def everything_done():
            return (
                Notification.objects.filter(status="sent").count() == 8
                and MatchingRun.objects.get(pk=run.pk).status == MatchingRun.Status.SUCCEEDED
            )

        assert wait_for(everything_done, timeout=90), (
            list(Notification.objects.values_list("pk", "status")),
            MatchingRun.objects.get(pk=run.pk).status,
            (tmp_path / "worker.log").read_text()[-6000:],
        )
        assert time.monotonic() - back < 90
        assert worker.poll() is None  # the same worker, never restarted
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)

    # Eight emails (six introductions, two invitations), each delivered once.
    assert sorted(delivered(mail_dir)) == sorted(
        str(pk) for pk in Notification.objects.values_list("pk", flat=True)
    )
    assert not Invitation.objects.filter(survey=survey, invited_email_sent_at=None).exists()
