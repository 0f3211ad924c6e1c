from celery import shared_task

from matching import emails, reminders, services
from mentorship.common import changes


@shared_task(acks_late=True)
def execute_matching_run(run_id: int) -> None:
    """Run the engine for a queued run.

    Idempotent: services.run_execute claims the run under a row lock only while it is
    queued (queued → running), so a redelivered message finds nothing to do. Not
    retried: a failed run records its error and the committee starts a new one.
    """
    services.run_execute(run_id=run_id)


# changes_nothing: it runs every minute and usually finds nothing to do, so it stamps a
# change (mentorship.common.changes) itself, only when it did something.
@shared_task(changes_nothing=True)
def sweep_matching_runs() -> dict[str, int]:
    """Periodic: fail runs whose worker is gone (lease lapsed); resend runs left queued;
    introduce matches whose introduction task was lost.

    Safe to run twice: only a run still running with a lapsed lease is failed (a state
    check under a row lock), and a resent run can be claimed by one delivery only.
    """
    swept = {**services.runs_sweep(), "introduced": emails.introductions_sweep()}
    if any(swept.values()):
        changes.mark_changed()
    return swept


@shared_task
def introduce_matches(match_ids: list[int]) -> int:
    """Queue the introductions of newly approved matches.

    Idempotent: a match is introduced once (``introduced_at`` under a row lock), and
    the sweep above takes any match whose task was lost.
    """
    return emails.introductions_queue(match_ids=match_ids)


@shared_task
def no_meeting_reminder_scan() -> int:
    """Periodic: nudge APMs whose pair has not met for 30 days.

    Safe to run twice: the outbox key (kind, person, match, last meeting) is unique.
    """
    return reminders.no_meeting_nudges_queue()
