"""The pages with Redis up, hung and stopped, and how long waiting mail takes once it is back.

    .venv/bin/python benchmarks/redis_outage.py

Starts processes of its own on 127.0.0.1: a redis-server (port 7122, nothing on disk),
a gunicorn web process (port 7125) and a Celery worker, against a throwaway database
(SQLite in a temporary folder, or the database named by DATABASE_URL, which must be
empty or disposable), and builds a small program. Then, over HTTP, it times each page
three times: with Redis up, hung (SIGSTOP: connections are accepted and never answered)
and stopped. Last it starts Redis again, runs the periodic jobs once (as beat would, every
minute for the outbox sweep), and times until the same worker has sent every email that
waited and run every matching run that waited. Prints the figures; asserts nothing.

Sign-in hashes the password (PBKDF2, about a second on a busy machine): compare its
times with Redis down against its time with Redis up, not against zero.
"""

import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REDIS_PORT, WEB_PORT = 7122, 7125
BASE = f"http://127.0.0.1:{WEB_PORT}"
PASSWORD = "a-strong-test-passphrase-42"  # tests.factories.PASSWORD  # noqa: S105


def environment(folder: Path, database_url: str | None) -> dict:
    return {
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "mentorship.settings",
        "DATABASE_URL": database_url or f"sqlite:///{folder}/bench.sqlite3",
        "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
        "RUN_DIR": str(folder),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(folder / "mail"),
        "LOG_LEVEL": "WARNING",
    }


class Redis:
    def __init__(self, folder: Path):
        self.folder, self.process = folder, None

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 - our own arguments
            [shutil.which("redis-server"), "--port", str(REDIS_PORT), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
        import redis

        client = redis.Redis(port=REDIS_PORT, socket_timeout=0.5, socket_connect_timeout=0.5)
        for _ in range(200):
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        os.kill(self.process.pid, signal.SIGCONT)
        self.process.terminate()
        self.process.wait(timeout=20)

    def freeze(self):
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self):
        os.kill(self.process.pid, signal.SIGCONT)


class Browser:
    """A person's browser: cookies, CSRF, no redirects followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), self._NoRedirect()
        )

    def request(self, path, data=None):
        if data is not None:
            token = next((c.value for c in self.jar if c.name == "csrftoken"), "")
            data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **data}, doseq=True)
        started = time.perf_counter()
        try:
            request = urllib.request.Request(BASE + path, data=data and data.encode())  # noqa: S310
            response = self.opener.open(request, timeout=60)
            status, body = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read().decode(errors="replace")
        return status, time.perf_counter() - started, body

    def sign_in(self, email, password=PASSWORD):
        self.request("/accounts/login/")
        return self.request("/accounts/login/", {"login": email, "password": password})


def build_program(phases):
    """One set of objects per phase, so each phase does the real work once."""
    from django.utils import timezone

    from matching import services as matching_services
    from matching.models import Match, MatchingRun, Proposal
    from mentorship.accounts import committee_member_add
    from mentorship.models import Cohort, Role
    from surveys import services as survey_services
    from surveys.models import Invitation, Question, Survey
    from tests.factories import CohortFactory, EnrollmentFactory, TeamFactory, UserFactory

    now, today = timezone.now(), timezone.localdate()
    active = {"intake_opens_at": now - timedelta(days=150),
              "intake_closes_at": now - timedelta(days=130),
              "program_starts_on": today - timedelta(days=120),
              "program_ends_on": today + timedelta(days=120)}  # fmt: skip
    committee = committee_member_add(user=UserFactory(email="committee@bench.example"))

    def cohort_with_people(status, **fields):
        cohort = CohortFactory(status=status, **fields)
        for _ in range(3):
            EnrollmentFactory(cohort=cohort, role=Role.APM)
        for _ in range(2):
            EnrollmentFactory(cohort=cohort, role=Role.MENTOR, capacity=2)
        return cohort

    def survey(cohort, title):
        made = Survey.objects.create(
            cohort=cohort, title=title, audience="both", is_anonymous=True,
            opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=7),
        )  # fmt: skip
        Question.objects.create(survey=made, position=1, kind="scale", text="Helpful?")
        return made

    program = {"committee": committee, "team": TeamFactory(name="Benefits Portal")}
    for phase in phases:
        run = MatchingRun.objects.create(
            cohort=cohort_with_people(Cohort.Status.ACTIVE, **active), started_by=committee
        )
        matching_services.run_execute(run_id=run.pk)
        surveyed = CohortFactory(status=Cohort.Status.ACTIVE, **active)
        pair = Match.objects.create(
            cohort=surveyed, status=Match.Status.ACTIVE,
            apm=EnrollmentFactory(cohort=surveyed, role=Role.APM),
            mentor=EnrollmentFactory(cohort=surveyed, role=Role.MENTOR),
        )  # fmt: skip
        answered = survey(surveyed, "Check-in")
        survey_services.survey_open(survey=answered, acting_user=committee)
        Invitation.objects.filter(survey=answered).update(invited_email_sent_at=now)
        program[phase] = {
            "proposals": list(Proposal.objects.filter(run=run).values_list("pk", flat=True)),
            "to_match": cohort_with_people(Cohort.Status.MATCHING),
            "answered": answered, "apm": pair.apm.user, "to_send": survey(surveyed, "Final"),
            "intake": CohortFactory(status=Cohort.Status.INTAKE_OPEN),
            "joiner": UserFactory(), "member": UserFactory(), "locked_out": UserFactory(),
        }  # fmt: skip
    return program


def pages(program, phase):
    """Each page once, in the order a day in the program would use them."""
    from matching.engine import Weights
    from tests.mentorship.test_intake import apm_answers

    data = program[phase]
    joiner, apm, committee = Browser(), Browser(), Browser()
    for browser, user in ((joiner, data["joiner"]), (apm, data["apm"]),
                          (committee, program["committee"])):  # fmt: skip
        browser.sign_in(user.email)  # signed in before the phase: sessions live in the database
    committee.request("/admin/matching/proposal/")
    committee.request("/admin/surveys/survey/")
    yield "sign-in, wrong password", Browser().sign_in(data["member"].email, "not-it-at-all")
    yield "sign-in, right password", Browser().sign_in(data["member"].email)
    joiner.request(f"/intake/{data['intake'].slug}/apm/")
    yield (
        "intake form",
        joiner.request(f"/intake/{data['intake'].slug}/apm/", apm_answers(program["team"])),
    )
    survey = data["answered"]
    apm.request(f"/surveys/{survey.pk}/")
    yield (
        "survey submit",
        apm.request(f"/surveys/{survey.pk}/submit/", {f"q_{survey.questions.get().pk}": "4"}),
    )
    yield (
        "proposal approval",
        committee.request(
            "/admin/matching/proposal/",
            {"action": "approve_selected", "_selected_action": data["proposals"]},
        ),
    )
    committee.request("/admin/matching/matchingrun/add/")
    weights = {f"weight_{k}": v for k, v in Weights().as_dict().items()}
    yield (
        "start a matching run",
        committee.request(
            "/admin/matching/matchingrun/add/", {"cohort": data["to_match"].pk, **weights}
        ),
    )
    yield (
        "send a survey",
        committee.request(
            "/admin/surveys/survey/",
            {"action": "send_selected", "_selected_action": [data["to_send"].pk]},
        ),
    )
    yield "/healthz", Browser().request("/healthz")
    locked_out = Browser()
    for _ in range(5):
        locked_out.sign_in(data["locked_out"].email, "not-it-at-all")
    status, seconds, body = locked_out.sign_in(data["locked_out"].email, "not-it-at-all")
    refused = "refused" if "Too many failed login attempts" in body else "NOT refused"
    yield f"6th wrong password ({refused})", (status, seconds, body)


def password_check_seconds() -> float:
    from django.contrib.auth.hashers import check_password, make_password

    hashed = make_password(PASSWORD)
    started = time.perf_counter()
    check_password("not-it-at-all", hashed)
    return time.perf_counter() - started


def main():
    folder = Path(tempfile.mkdtemp(prefix="bench-redis-"))
    (folder / "mail").mkdir()
    env = environment(folder, os.environ.get("DATABASE_URL"))
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    redis = Redis(folder)
    redis.start()
    phases = ["Redis up", "Redis hung", "Redis stopped"]
    program = build_program(phases)
    connection.close()  # the web process and the worker use the database from here
    child_env = {**os.environ, **env}
    web = subprocess.Popen(  # noqa: S603 - our own arguments
        [sys.executable, "-m", "gunicorn", "mentorship.wsgi", "--bind", f"127.0.0.1:{WEB_PORT}",
         "--workers", "1", "--timeout", "60"],
        cwd=ROOT, env=child_env, stdout=(folder / "web.log").open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "mentorship", "worker", "--pool", "solo",
         "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=child_env, stdout=(folder / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        for _ in range(200):
            try:
                Browser().request("/healthz")
                break
            except OSError:
                time.sleep(0.1)
        print(f"Database: {connection.vendor}; logs in {folder}")
        print(f"One PBKDF2 password check here takes {password_check_seconds():.2f} s")
        results = {}
        for phase in phases:
            if phase == "Redis hung":
                redis.freeze()
            if phase == "Redis stopped":
                redis.thaw()
                redis.stop()
            for name, (status, seconds, _) in pages(program, phase):
                results.setdefault(name.split(" (")[0], {})[phase] = f"{status} {seconds:5.2f} s"
                if name.startswith("6th"):
                    results[name.split(" (")[0]][phase] += " " + name.split(" (")[1][:-1]
        width = max(len(name) for name in results)
        print(f"{'page':<{width}}  " + "  ".join(f"{phase:<22}" for phase in phases))
        for name, row in results.items():
            print(f"{name:<{width}}  " + "  ".join(f"{row.get(p, ''):<22}" for p in phases))
        print(recovery(redis, folder))
    finally:
        for process in (web, worker):
            process.terminate()
            process.wait(timeout=30)
        if redis.process.poll() is None:
            redis.stop()


def recovery(redis, folder: Path) -> str:
    from django.utils import timezone

    from matching.models import MatchingRun
    from matching.services import EXECUTE_RUN_TASK
    from mentorship.common.background import enqueue
    from mentorship.models import Notification
    from mentorship.outbox.sending import notifications_sweep
    from surveys.models import Invitation
    from surveys.tasks import run_survey_schedule

    waiting = Notification.objects.filter(status="pending").count()
    waiting_invitations = Invitation.objects.filter(invited_email_sent_at=None).count()
    runs = list(MatchingRun.objects.filter(status="queued").values_list("pk", flat=True))
    redis.start()
    back = time.perf_counter()
    # What beat runs: the outbox sweep every minute (it takes rows pending for over two
    # minutes: backdate them), the survey schedule every hour, and matching's sweep of
    # queued runs (issue 11, part 1; enqueued here by hand).
    Notification.objects.filter(status="pending").update(
        created_at=timezone.now() - timedelta(minutes=10)
    )
    notifications_sweep()
    run_survey_schedule()
    for run_id in runs:
        enqueue(EXECUTE_RUN_TASK, run_id)
    expected = waiting + waiting_invitations
    while time.perf_counter() - back < 120:
        sent = len(re.findall(r"^X-Notification-ID: ", "".join(
            p.read_text() for p in (folder / "mail").glob("*")), flags=re.MULTILINE))  # fmt: skip
        done = not MatchingRun.objects.filter(pk__in=runs).exclude(status="succeeded").exists()
        if (
            done
            and Notification.objects.filter(status="pending").count() == 0
            and (not Invitation.objects.filter(invited_email_sent_at=None).exists())
        ):
            break
        time.sleep(0.1)
    elapsed = time.perf_counter() - back
    return (
        f"Redis back: {waiting} waiting emails and {waiting_invitations} invitations sent, "
        f"{len(runs)} waiting runs finished, {elapsed:.2f} s after Redis started "
        f"(mail files now hold {sent} messages, {expected} of them from the outage)"
    )


if __name__ == "__main__":
    main()
