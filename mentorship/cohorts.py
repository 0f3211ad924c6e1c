"""A cohort's lifecycle: draft → intake open → matching (intake closed) → active → closed."""

from django.core.exceptions import ValidationError
from django.db import transaction

from mentorship.common.audit import audit_record
from mentorship.models import Cohort, User

COHORT_TRANSITION_NOT_ALLOWED = (
    "A cohort cannot move from “%(current)s” to “%(target)s”. "
    "Cohorts move draft → intake open → matching → active → closed."
)

# The only moves a cohort may make; anything else is refused.
COHORT_TRANSITIONS = {
    Cohort.Status.DRAFT: {Cohort.Status.INTAKE_OPEN},
    Cohort.Status.INTAKE_OPEN: {Cohort.Status.MATCHING},
    Cohort.Status.MATCHING: {Cohort.Status.ACTIVE},
    Cohort.Status.ACTIVE: {Cohort.Status.CLOSED},
    Cohort.Status.CLOSED: set(),
}


@transaction.atomic
def cohort_transition(*, cohort: Cohort, to_status: str, acting_user: User | None) -> Cohort:
    # Lock the row so two admins clicking at once cannot both move the cohort.
    locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if to_status not in COHORT_TRANSITIONS[locked.status]:
        raise ValidationError(
            COHORT_TRANSITION_NOT_ALLOWED,
            code="transition_not_allowed",
            params={
                "current": locked.get_status_display(),
                "target": Cohort.Status(to_status).label,
            },
        )
    previous = locked.status
    locked.status = to_status
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=acting_user,
        action="cohort.transition",
        target=locked,
        summary=f"{locked.name}: {Cohort.Status(previous).label} → {locked.get_status_display()}",
        previous=previous,
        status=to_status,
    )
    cohort.status = locked.status
    return locked
