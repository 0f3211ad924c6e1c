"""Background work for the journey page. Tasks take ids and are safe to run twice."""

from celery import shared_task

from mentorship import graduation
from mentorship.journey import snapshots


# changes_nothing: a snapshot is a copy (mentorship.common.changes); stamping a change
# after building one would make it old at once.
@shared_task(changes_nothing=True)
def journey_snapshot_refresh(cohort_id: int) -> None:
    """Work a cohort's journey out again, unless a fresh snapshot was built meanwhile."""
    snapshots.snapshot_refresh(cohort_id=cohort_id)


@shared_task
def graduate_invitation_scan() -> int:
    """Periodic: invite to mentor the graduates waiting for a cohort, the day one opens.
    Safe to run twice (unique outbox keys)."""
    return graduation.graduate_invitations_queue()
