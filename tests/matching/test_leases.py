"""A run's claim is a lease: a crash, the time limit or an outage never holds a cohort."""

import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone
from kombu.exceptions import OperationalError

from matching import services, tasks
from matching.models import MatchingRun, Proposal, UnmatchedApm
from mentorship.celery import app
from mentorship.models import AuditLog
from tests.factories import CohortFactory

pytestmark = pytest.mark.django_db

LEASE = timedelta(seconds=settings.MATCHING_RUN_LEASE_SECONDS)
REQUEUE_AFTER = timedelta(seconds=settings.MATCHING_RUN_REQUEUE_SECONDS)


@pytest.fixture
def pairable(make_apm, make_mentor):
    apms = [make_apm() for _ in range(3)]
    mentors = [make_mentor(capacity=2), make_mentor(capacity=1)]
    return apms, mentors


def running(cohort, *, started_ago, lease_left):
    now = timezone.now()
    return MatchingRun.objects.create(
        cohort=cohort,
        status=MatchingRun.Status.RUNNING,
        started_at=now - started_ago,
        lease_expires_at=now + lease_left,
    )


def queued(cohort, *, sent_ago):
    return MatchingRun.objects.create(cohort=cohort, enqueued_at=timezone.now() - sent_ago)


@pytest.fixture
def sent(monkeypatch):
    """The tasks sent to the broker (they still run: tasks are eager in tests)."""
    calls = []
    real = services.runs.enqueue

    def record(task_name, *args):
        calls.append((task_name, *args))
        return real(task_name, *args)

    monkeypatch.setattr(services.runs, "enqueue", record)
    return calls


@pytest.fixture
def broker(monkeypatch):
    """Switch the broker off (``broker.up = False``): sending a run is then refused."""
    task = current_app.tasks[services.EXECUTE_RUN_TASK]
    real_delay = task.delay
    state = SimpleNamespace(up=True)

    def delay(*args, **kwargs):
        if not state.up:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        return real_delay(*args, **kwargs)

    monkeypatch.setattr(task, "delay", delay)
    return state


# --- The sweep ----------------------------------------------------------------------------


def test_the_sweep_fails_a_run_whose_lease_lapsed_and_leaves_a_live_one_alone(cohort):
    crashed = running(cohort, started_ago=timedelta(minutes=5), lease_left=-timedelta(seconds=1))
    live = running(CohortFactory(status=cohort.status), started_ago=timedelta(minutes=5),
                   lease_left=LEASE / 2)  # fmt: skip

    assert services.runs_sweep() == {"failed": 1, "requeued": 0}

    crashed.refresh_from_db()
    assert crashed.status == MatchingRun.Status.FAILED
    assert crashed.error == services.RUN_WORKER_STOPPED
    assert crashed.finished_at is not None
    audit = AuditLog.objects.get(action="matching.run_lease_expired")
    assert audit.target == f"matching.matchingrun:{crashed.pk}"
    assert (audit.actor, audit.details["from"], audit.details["to"]) == (None, "running", "failed")
    assert services.RUN_WORKER_STOPPED in audit.summary
    live.refresh_from_db()
    assert (live.status, live.error, live.finished_at) == (MatchingRun.Status.RUNNING, "", None)
    assert not AuditLog.objects.filter(target=f"matching.matchingrun:{live.pk}").exists()
    assert services.runs_sweep() == {"failed": 0, "requeued": 0}  # once only


def test_the_sweep_fails_a_run_past_the_time_limit_even_if_its_lease_is_renewed(cohort):
    # A worker pool that does not enforce the time limit (solo, threads) keeps renewing.
    too_long = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + LEASE + timedelta(seconds=5)
    run = running(cohort, started_ago=too_long, lease_left=LEASE)
    assert services.runs_sweep()["failed"] == 1
    run.refresh_from_db()
    assert (run.status, run.error) == (MatchingRun.Status.FAILED, services.RUN_WORKER_STOPPED)


def test_a_run_claimed_before_leases_existed_is_failed_after_the_time_limit(cohort):
    stuck = MatchingRun.objects.create(
        cohort=cohort, status=MatchingRun.Status.RUNNING,
        started_at=timezone.now() - timedelta(days=3), lease_expires_at=None,
    )  # fmt: skip
    assert services.runs_sweep()["failed"] == 1
    stuck.refresh_from_db()
    assert stuck.status == MatchingRun.Status.FAILED


def test_a_run_still_queued_after_a_few_minutes_is_sent_again_once(cohort, pairable, sent):
    waiting = queued(cohort, sent_ago=REQUEUE_AFTER + timedelta(seconds=1))
    fresh = queued(CohortFactory(status=cohort.status), sent_ago=timedelta(seconds=5))

    assert services.runs_sweep() == {"failed": 0, "requeued": 1}
    assert services.runs_sweep() == {"failed": 0, "requeued": 0}

    assert sent == [(services.EXECUTE_RUN_TASK, waiting.pk)]
    waiting.refresh_from_db()
    assert waiting.status == MatchingRun.Status.SUCCEEDED  # the eager worker ran it
    assert Proposal.objects.filter(run=waiting).count() == 3
    fresh.refresh_from_db()
    assert fresh.status == MatchingRun.Status.QUEUED


def test_a_run_asked_for_while_the_broker_was_down_runs_once_it_is_back(
    cohort, committee, pairable, broker, django_capture_on_commit_callbacks
):
    broker.up = False
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_request(cohort=cohort, acting_user=committee)
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.QUEUED  # the request was kept, not lost

    MatchingRun.objects.filter(pk=run.pk).update(enqueued_at=timezone.now() - REQUEUE_AFTER)
    assert services.runs_sweep()["requeued"] == 0  # still down: tried again next minute
    broker.up = True
    assert services.runs_sweep()["requeued"] == 1

    run.refresh_from_db()
    assert run.status == MatchingRun.Status.SUCCEEDED
    assert Proposal.objects.filter(run=run).count() == 3


def test_the_sweep_task_calls_the_service_and_is_scheduled_every_minute(cohort):
    running(cohort, started_ago=timedelta(minutes=5), lease_left=-timedelta(seconds=1))
    assert tasks.sweep_matching_runs() == {"failed": 1, "requeued": 0, "introduced": 0}
    schedule = app.conf.beat_schedule["sweep-matching-runs"]
    assert (schedule["task"], schedule["schedule"]) == ("matching.tasks.sweep_matching_runs", 60)


# --- The next request ---------------------------------------------------------------------


def test_the_next_run_request_after_a_crashed_run_starts_at_once(
    cohort, committee, pairable, django_capture_on_commit_callbacks
):
    crashed = running(cohort, started_ago=timedelta(minutes=5), lease_left=-timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_request(cohort=cohort, acting_user=committee)

    crashed.refresh_from_db()
    assert (crashed.status, crashed.error) == (
        MatchingRun.Status.FAILED,
        services.RUN_WORKER_STOPPED,
    )
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.SUCCEEDED
    assert Proposal.objects.filter(run=run).count() == 3
    actions = list(
        AuditLog.objects.filter(action__startswith="matching.run")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions[:2] == ["matching.run_lease_expired", "matching.run_requested"]


def test_a_run_request_while_a_live_run_is_running_is_still_refused(cohort, committee):
    live = running(cohort, started_ago=timedelta(minutes=5), lease_left=LEASE / 2)
    with pytest.raises(ValidationError) as error:
        services.run_request(cohort=cohort, acting_user=committee)
    assert error.value.messages == [services.RUN_ALREADY_ACTIVE % {"cohort": cohort.name}]
    live.refresh_from_db()
    assert live.status == MatchingRun.Status.RUNNING


def test_a_stale_run_of_another_cohort_is_left_to_the_sweep(
    cohort, committee, pairable, django_capture_on_commit_callbacks
):
    other = running(CohortFactory(status=cohort.status), started_ago=timedelta(minutes=5),
                    lease_left=-timedelta(seconds=1))  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.run_request(cohort=cohort, acting_user=committee)
    other.refresh_from_db()
    assert other.status == MatchingRun.Status.RUNNING


# --- The worker's side --------------------------------------------------------------------


def test_a_claimed_run_holds_a_lease_and_a_finished_one_is_not_swept(
    cohort, pairable, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_request(cohort=cohort, acting_user=None)
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.SUCCEEDED
    assert run.lease_expires_at - run.started_at >= LEASE
    MatchingRun.objects.filter(pk=run.pk).update(lease_expires_at=timezone.now() - LEASE)
    assert services.runs_sweep()["failed"] == 0


def test_a_worker_whose_run_was_failed_meanwhile_drops_its_result(
    cohort, pairable, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        earlier = services.run_request(cohort=cohort, acting_user=None)
    before = sorted(Proposal.objects.values_list("id", "status"))
    real_match = services.runs.engine.match

    def lease_lapses_while_solving(*args, **kwargs):
        result = real_match(*args, **kwargs)
        MatchingRun.objects.filter(pk=slow.pk).update(lease_expires_at=timezone.now() - LEASE)
        assert services.runs_fail_stale(cohort=cohort) == 1  # the sweep, meanwhile
        return result

    monkeypatch.setattr(services.runs.engine, "match", lease_lapses_while_solving)
    slow = MatchingRun.objects.create(cohort=cohort)
    assert services.run_execute(run_id=slow.pk) is None

    slow.refresh_from_db()
    assert (slow.status, slow.error) == (MatchingRun.Status.FAILED, services.RUN_WORKER_STOPPED)
    assert not Proposal.objects.filter(run=slow).exists()
    assert sorted(Proposal.objects.values_list("id", "status")) == before  # not superseded
    assert earlier.pk != slow.pk


def test_a_run_failing_in_the_middle_of_writing_leaves_no_proposals_of_that_run(
    cohort, pairable, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.run_request(cohort=cohort, acting_user=None)
    before = sorted(Proposal.objects.values_list("id", "status"))
    written_when_it_broke = []

    def break_after_the_proposals(rows, **kwargs):
        written_when_it_broke.append(Proposal.objects.filter(run=run).count())
        raise OSError("server closed the connection unexpectedly")

    monkeypatch.setattr(UnmatchedApm.objects, "bulk_create", break_after_the_proposals)
    run = MatchingRun.objects.create(cohort=cohort)
    with pytest.raises(OSError, match="server closed"):
        services.run_execute(run_id=run.pk)

    assert written_when_it_broke == [3]  # it broke in the middle: proposals were written
    assert not Proposal.objects.filter(run=run).exists()  # and none of them are left
    assert sorted(Proposal.objects.values_list("id", "status")) == before
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.FAILED
    assert "server closed" in run.error


@pytest.mark.django_db(transaction=True)
def test_the_worker_renews_the_lease_while_the_engine_works(cohort, pairable, monkeypatch):
    real_match = services.runs.engine.match
    seen = []

    def slow_match(*args, **kwargs):
        # Read between renewals (every 0.5 s at a 2 s lease): SQLite's shared in-memory
        # test database refuses a read while another connection writes.
        seen.append(MatchingRun.objects.get(pk=run.pk).lease_expires_at)
        time.sleep(1.25)
        seen.append(MatchingRun.objects.get(pk=run.pk).lease_expires_at)
        return real_match(*args, **kwargs)

    monkeypatch.setattr(services.runs.engine, "match", slow_match)
    run = MatchingRun.objects.create(cohort=cohort)
    with override_settings(MATCHING_RUN_LEASE_SECONDS=2):
        services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.SUCCEEDED
    assert seen[1] > seen[0]  # renewed while it solved


# --- The committee ------------------------------------------------------------------------


def test_the_committee_marks_a_stuck_run_failed_with_a_reason(cohort, committee):
    run = running(cohort, started_ago=timedelta(minutes=2), lease_left=LEASE)
    services.run_mark_failed(run=run, acting_user=committee, reason="  Stuck since lunch  ")
    run.refresh_from_db()
    assert (run.status, run.error) == (MatchingRun.Status.FAILED, "Stuck since lunch")
    audit = AuditLog.objects.get(action="matching.run_marked_failed")
    assert (audit.actor, audit.details["from"], audit.details["to"]) == (
        committee, "running", "failed"
    )  # fmt: skip
    assert "Stuck since lunch" in audit.summary


def test_marking_a_queued_run_failed_frees_the_cohort(
    cohort, committee, pairable, django_capture_on_commit_callbacks
):
    stuck = queued(cohort, sent_ago=timedelta(hours=1))
    services.run_mark_failed(run=stuck, acting_user=committee, reason="No worker")
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_request(cohort=cohort, acting_user=committee)
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.SUCCEEDED


@pytest.mark.parametrize("status", [MatchingRun.Status.SUCCEEDED, MatchingRun.Status.FAILED])
def test_marking_a_finished_run_failed_is_refused(cohort, committee, status):
    run = MatchingRun.objects.create(cohort=cohort, status=status, error="")
    with pytest.raises(ValidationError) as error:
        services.run_mark_failed(run=run, acting_user=committee, reason="Oops")
    label = MatchingRun.Status(status).label.lower()
    assert error.value.messages == [
        services.RUN_ALREADY_FINISHED % {"run": run.pk, "status": label}
    ]
    run.refresh_from_db()
    assert (run.status, run.error) == (status, "")
    assert not AuditLog.objects.filter(action="matching.run_marked_failed").exists()


def test_marking_a_run_failed_needs_a_reason(cohort, committee):
    run = running(cohort, started_ago=timedelta(minutes=2), lease_left=LEASE)
    with pytest.raises(ValidationError) as error:
        services.run_mark_failed(run=run, acting_user=committee, reason="   ")
    assert error.value.messages == [services.RUN_FAIL_REASON_REQUIRED]
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.RUNNING
