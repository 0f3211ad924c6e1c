"""A cohort's lifecycle: draft → intake open → matching (intake closed) → active → closed.

The guards here are the one home of "what may happen in which state": joining and
editing intake only while intake is open (``Cohort.intake_is_open``), matching runs and
approvals only once intake has closed, surveys only once the program has started.
"""

from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from mentorship.common.background import enqueue_on_commit
from mentorship.common.lifecycle import transition
from mentorship.models import COHORT_MOVE_REFUSED, Cohort, Enrollment, Role, User

COHORT_TRANSITION_NOT_ALLOWED = COHORT_MOVE_REFUSED
COHORT_NOT_MATCHABLE = (
    "%(cohort)s is “%(status)s”. Matching and approvals wait until intake has closed: "
    "close intake for the cohort first (Cohorts → select it → Close intake)."
)
COHORT_NOT_SURVEYABLE = (
    "%(cohort)s is “%(status)s”. Surveys ask about a program that has started: mark the "
    "cohort active first."
)
# Graduates told "we'll email you when the next cohort opens" hear the day it does
# (mentorship.graduation.graduate_invitations_queue; the daily scan is its sweep).
GRADUATE_INVITATION_TASK = "mentorship.journey.tasks.graduate_invitation_scan"
INTAKE_CLOSED_SUMMARY = (
    "Intake closed for %(cohort)s: %(apms)s APMs and %(mentors)s mentors are in."
)


def cohort_transition(*, cohort: Cohort, to_status: str, acting_user: User | None) -> Cohort:
    """Move a cohort one step along its lifecycle (locked, checked, audited)."""
    previous = Cohort.Status(cohort.status).label
    target = Cohort.Status(to_status).label
    cohort = transition(
        cohort,
        to=to_status,
        actor=acting_user,
        action="cohort.transition",
        summary=f"{cohort.name}: {previous} → {target}",
    )
    if to_status == Cohort.Status.INTAKE_OPEN:
        enqueue_on_commit(GRADUATE_INVITATION_TASK)
    return cohort


def cohort_intake_counts(*, cohort: Cohort) -> dict:
    """How many APMs and mentors have a submitted intake in the cohort (one query)."""
    submitted = Q(status=Enrollment.Status.SUBMITTED)
    return Enrollment.objects.filter(cohort=cohort).aggregate(
        apms=Count("pk", filter=submitted & Q(role=Role.APM)),
        mentors=Count("pk", filter=submitted & Q(role=Role.MENTOR)),
    )


def cohort_close_intake(*, cohort: Cohort, acting_user: User | None) -> str:
    """Close intake (intake open → matching); returns the summary the committee sees."""
    counts = cohort_intake_counts(cohort=cohort)
    summary = INTAKE_CLOSED_SUMMARY % {"cohort": cohort.name, **counts}
    transition(
        cohort,
        to=Cohort.Status.MATCHING,
        actor=acting_user,
        action="cohort.transition",
        summary=summary,
        **counts,
    )
    return summary


def cohort_require_matchable(cohort: Cohort) -> None:
    """Refuse matching runs, approvals and hand matches while intake is open."""
    if cohort.status not in Cohort.MATCHABLE_STATUSES:
        raise ValidationError(
            COHORT_NOT_MATCHABLE,
            code="cohort_not_matchable",
            params={"cohort": cohort.name, "status": cohort.get_status_display()},
        )


def cohort_require_surveyable(cohort: Cohort) -> None:
    """Refuse sending a survey to a cohort whose program has not started."""
    if cohort.status not in Cohort.SURVEYABLE_STATUSES:
        raise ValidationError(
            COHORT_NOT_SURVEYABLE,
            code="cohort_not_surveyable",
            params={"cohort": cohort.name, "status": cohort.get_status_display()},
        )
