"""The Celery application.

Configuration lives in Django settings under the ``CELERY_`` prefix. Tasks are
``DjangoTask`` subclasses, so ``task.delay_on_commit(...)`` enqueues only once the
surrounding transaction has committed: a worker never sees an id that is not saved yet.
"""

import os

from celery import Celery, signals
from celery.schedules import crontab

from mentorship.common.changes import stamp_after_task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")

app = Celery("mentorship", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()  # and every process imports them as its apps load (apps.py)

# Pages that keep a copy (mentorship.common.changes) rebuild it after background work.
signals.task_success.connect(stamp_after_task)


# Every periodic job, in one place. `make run` runs beat inside its worker; production
# runs exactly one `celery -A mentorship beat` (two would still send each email once:
# the outbox keys make every job idempotent).
app.conf.beat_schedule = {
    # Every minute: take back outbox sends a dead worker left claimed, and send the rows
    # that are due (a retry whose backoff has passed, or one the broker lost).
    "sweep-outbox": {"task": "mentorship.tasks.sweep_outbox", "schedule": 60.0},
    # Every day at 13:00 UTC (9 a.m. in Washington): intake open and closing nudges.
    "intake-reminders": {
        "task": "mentorship.tasks.intake_reminder_scan",
        "schedule": crontab(hour=13, minute=0),
    },
    # Every day at 13:02 UTC: graduates waiting for a cohort hear the day one opens.
    "graduate-invitations": {
        "task": "mentorship.journey.tasks.graduate_invitation_scan",
        "schedule": crontab(hour=13, minute=2),
    },
    # Every day at 13:05 UTC: nudge APMs whose pair has not met for 30 days.
    "no-meeting-reminders": {
        "task": "matching.tasks.no_meeting_reminder_scan",
        "schedule": crontab(hour=13, minute=5),
    },
    # Every day at 03:15 UTC: attributed survey answers past ATTRIBUTED_ANSWERS_MONTHS go.
    "attributed-answers-retention": {
        "task": "surveys.tasks.attributed_answers_purge",
        "schedule": crontab(hour=3, minute=15),
    },
    # Every day at 13:30 UTC: survey reminders that are due (at most two per person).
    "survey-reminders": {
        "task": "surveys.tasks.send_survey_reminders",
        "schedule": crontab(hour=13, minute=30),
    },
    # Every hour, on the hour: invite for surveys that opened, mix anonymous answers whose
    # mix task was lost, seal anonymous surveys that closed (mixing their last answers).
    "survey-schedule": {
        "task": "surveys.tasks.run_survey_schedule",
        "schedule": crontab(minute=0),
    },
    # Leases on long work (issue 11, part 1). Every minute: fail matching runs whose
    # worker is gone (lease lapsed, or past the time limit); resend runs left queued.
    "sweep-matching-runs": {"task": "matching.tasks.sweep_matching_runs", "schedule": 60.0},
}


@app.on_after_configure.connect
def _make_filesystem_broker_folders(sender, **kwargs):
    # kombu's filesystem transport expects its folders to exist.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)


# --- Workers are patient with the broker (issue 11, part 4) ------------------------
# Settings give Redis calls a fraction of a second, because web processes publish inside
# a request. A worker is not answering anyone: it waits longer before calling a
# connection dead (so a slow moment does not drop it), and it reconnects for ever
# (CELERY_BROKER_CONNECTION_MAX_RETRIES = None).
WORKER_REDIS_TIMEOUTS = {"socket_connect_timeout": 5, "socket_timeout": 10}


@signals.celeryd_init.connect
def _patient_broker_for_workers(conf, **kwargs):
    options = conf.broker_transport_options or {}
    if "socket_timeout" in options:  # Redis; the filesystem transport has no sockets
        conf.broker_transport_options = {**options, **WORKER_REDIS_TIMEOUTS}
