from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from mentorship.models import AuditLog, Cohort, Enrollment, Meeting, Profile, User
from mentorship.roles import COMMITTEE_GROUP

COHORT_TRANSITION_NOT_ALLOWED = (
    "A cohort cannot move from “%(current)s” to “%(target)s”. "
    "Cohorts move draft → intake open → matching → active → closed."
)
INTAKE_CLOSED = "Intake for %(cohort)s is closed, so answers can no longer be changed."
ALREADY_WITHDRAWN = "You have already withdrawn from %(cohort)s."

# The only moves a cohort may make; anything else is refused.
COHORT_TRANSITIONS = {
    Cohort.Status.DRAFT: {Cohort.Status.INTAKE_OPEN},
    Cohort.Status.INTAKE_OPEN: {Cohort.Status.MATCHING},
    Cohort.Status.MATCHING: {Cohort.Status.ACTIVE},
    Cohort.Status.ACTIVE: {Cohort.Status.CLOSED},
    Cohort.Status.CLOSED: set(),
}


def audit_record(
    *, actor: User | None, action: str, target: models.Model | None, summary: str, **details
) -> AuditLog:
    target_label = f"{target._meta.label_lower}:{target.pk}" if target is not None else ""
    return AuditLog.objects.create(
        actor=actor, action=action, target=target_label, summary=summary, details=details
    )


@transaction.atomic
def committee_member_add(*, user: User) -> User:
    """Make a person a committee member: staff (admin access) in the committee group."""
    group = Group.objects.get(name=COMMITTEE_GROUP)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.add(group)
    return user


@transaction.atomic
def committee_member_remove(*, user: User) -> User:
    user.groups.remove(Group.objects.get(name=COMMITTEE_GROUP))
    if user.is_staff and not user.is_superuser:
        user.is_staff = False
        user.save(update_fields=["is_staff"])
    return user


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


def user_get_or_create_by_email(*, email: str, full_name: str = "") -> User:
    """Find a person by email, or record them without a password.

    Managers and imported people may not have signed in yet; they set a password
    through "forgot password" when they first come, and their sign-up is verified by
    the same email.
    """
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email, full_name=full_name)
        user.set_unusable_password()
        user.save()
    return user


def profile_for(user: User) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


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


MEETING_MATCH_ENDED = "This match has ended, so no more meetings can be logged for it."


@transaction.atomic
def meeting_log(
    *,
    match,
    logged_by: User,
    occurred_on,
    duration_minutes: int,
    topics,
    notes: str = "",
    next_meeting_on=None,
) -> Meeting:
    """Record a meeting of a pair. The caller has checked that logged_by is in the pair."""
    if match.status != "active":
        raise ValidationError(MEETING_MATCH_ENDED, code="match_ended")
    meeting = Meeting(
        match=match,
        logged_by=logged_by,
        occurred_on=occurred_on,
        duration_minutes=duration_minutes,
        notes=notes,
        next_meeting_on=next_meeting_on,
    )
    meeting.full_clean(exclude=["match", "logged_by"])
    meeting.save()
    meeting.topics.set(topics)
    return meeting
