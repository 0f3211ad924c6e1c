"""Intake: a person joins a cohort as an APM or a mentor, edits, withdraws."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mentorship.accounts import profile_for, user_get_or_create_by_email
from mentorship.common.audit import audit_record
from mentorship.models import Cohort, Enrollment, User

INTAKE_CLOSED = "Intake for %(cohort)s is closed, so answers can no longer be changed."
ALREADY_WITHDRAWN = "You have already withdrawn from %(cohort)s."


@transaction.atomic
def enrollment_save(
    *,
    user: User,
    cohort: Cohort,
    role: str,
    full_name: str,
    profile_data: dict,
    intake_data: dict,
) -> Enrollment:
    """Create or update a person's intake for a cohort, with their profile.

    Runs in one transaction: either the profile and the answers are both saved or
    neither is. Re-submitting after withdrawing re-joins the cohort.
    """
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if not cohort.intake_is_open():
        raise ValidationError(INTAKE_CLOSED, code="intake_closed", params={"cohort": cohort.name})

    if full_name and user.full_name != full_name:
        user.full_name = full_name
        user.save(update_fields=["full_name"])

    profile_data = dict(profile_data)
    manager_email = profile_data.pop("manager_email", None)
    profile = profile_for(user)
    profile.manager = user_get_or_create_by_email(email=manager_email) if manager_email else None
    for field, value in profile_data.items():
        setattr(profile, field, value)
    profile.full_clean()
    profile.save()

    intake_data = dict(intake_data)
    topics = intake_data.pop("topics")
    enrollment, created = Enrollment.objects.get_or_create(
        user=user,
        cohort=cohort,
        role=role,
        defaults={**intake_data, "submitted_at": timezone.now()},
    )
    if not created:
        for field, value in intake_data.items():
            setattr(enrollment, field, value)
        enrollment.status = Enrollment.Status.SUBMITTED
        enrollment.save()
    enrollment.topics.set(topics)
    return enrollment


@transaction.atomic
def enrollment_withdraw(*, enrollment: Enrollment, acting_user: User) -> Enrollment:
    locked = Enrollment.objects.select_for_update().select_related("cohort").get(pk=enrollment.pk)
    if locked.status == Enrollment.Status.WITHDRAWN:
        raise ValidationError(
            ALREADY_WITHDRAWN, code="already_withdrawn", params={"cohort": locked.cohort.name}
        )
    locked.status = Enrollment.Status.WITHDRAWN
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=acting_user,
        action="enrollment.withdraw",
        target=locked,
        summary=f"{locked.user} withdrew as {locked.get_role_display()} from {locked.cohort}",
    )
    return locked
