"""Intake: a person joins a cohort as an APM or a mentor, edits, withdraws.

Every rule of intake lives here, whoever calls it (the intake page, the admin): answers
change only while the cohort's intake is open, a mentor's capacity never drops below
the APMs they already mentor, and a graduate's mentor intake closes their circle.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from matching.models import Match
from mentorship.accounts import profile_for, user_get_or_create_by_email
from mentorship.common.audit import audit_record
from mentorship.common.lifecycle import transition
from mentorship.graduation.guide import guide_full_circle_record
from mentorship.models import Cohort, Enrollment, Role, User

INTAKE_CLOSED = "Intake for %(cohort)s is closed, so answers can no longer be changed."
ALREADY_WITHDRAWN = "You have already withdrawn from %(cohort)s."
WITHDRAW_AFTER_INTAKE = (
    "Intake for %(cohort)s has closed. To withdraw now, please email the committee: "
    "they will make sure your match, if you have one, ends kindly."
)
CAPACITY_BELOW_MATCHES = (
    "%(person)s already mentors %(active)s APMs in %(cohort)s, so the capacity cannot be "
    "lower than %(active)s. End a match first if they need to take fewer."
)


def active_mentee_count(*, mentor: Enrollment) -> int:
    return Match.objects.filter(mentor=mentor, status=Match.Status.ACTIVE).count()


def enrollment_check_capacity(*, enrollment: Enrollment, capacity: int | None) -> None:
    """Refuse a mentor capacity below the mentor's active matches."""
    if enrollment.pk is None or enrollment.role != Role.MENTOR or capacity is None:
        return
    active = active_mentee_count(mentor=enrollment)
    if capacity < active:
        raise ValidationError(
            CAPACITY_BELOW_MATCHES,
            code="capacity_below_matches",
            params={
                "person": enrollment.user.display_name,
                "active": active,
                "cohort": enrollment.cohort.name,
            },
        )


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
    neither is. Re-submitting after withdrawing re-joins the cohort (an audited move).
    A graduate's first mentor intake in a later cohort records that they came full
    circle.
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
    enrollment = (
        Enrollment.objects.select_for_update()
        .select_related("user", "cohort")
        .filter(user=user, cohort=cohort, role=role)
        .first()
    )
    if enrollment is None:
        enrollment = Enrollment.objects.create(
            user=user, cohort=cohort, role=role, submitted_at=timezone.now(), **intake_data
        )
    else:
        enrollment_check_capacity(enrollment=enrollment, capacity=intake_data.get("capacity"))
        for field, value in intake_data.items():
            setattr(enrollment, field, value)
        enrollment.save()
        if enrollment.status == Enrollment.Status.WITHDRAWN:
            transition(
                enrollment,
                to=Enrollment.Status.SUBMITTED,
                actor=user,
                action="enrollment.rejoin",
                summary=f"{user} rejoined {cohort} as {enrollment.get_role_display()}",
                lock=False,
            )
    enrollment.topics.set(topics)
    guide_full_circle_record(enrollment=enrollment)
    return enrollment


@transaction.atomic
def enrollment_withdraw(*, enrollment: Enrollment, acting_user: User) -> Enrollment:
    """A person leaves a cohort while its intake is open; afterwards the committee acts."""
    locked = Enrollment.objects.select_for_update().select_related("cohort").get(pk=enrollment.pk)
    if locked.status == Enrollment.Status.WITHDRAWN:
        raise ValidationError(
            ALREADY_WITHDRAWN, code="already_withdrawn", params={"cohort": locked.cohort.name}
        )
    if not locked.cohort.intake_is_open():
        raise ValidationError(
            WITHDRAW_AFTER_INTAKE, code="intake_closed", params={"cohort": locked.cohort.name}
        )
    return transition(
        locked,
        to=Enrollment.Status.WITHDRAWN,
        actor=acting_user,
        action="enrollment.withdraw",
        summary=f"{locked.user} withdrew as {locked.get_role_display()} from {locked.cohort}",
        lock=False,
    )


@transaction.atomic
def enrollment_capacity_set(
    *, enrollment: Enrollment, capacity: int, acting_user: User | None
) -> Enrollment:
    """The committee changes a mentor's capacity (never below their active matches)."""
    locked = (
        Enrollment.objects.select_for_update()
        .select_related("user", "cohort")
        .get(pk=enrollment.pk)
    )
    if locked.capacity == capacity:
        return locked
    enrollment_check_capacity(enrollment=locked, capacity=capacity)
    previous = locked.capacity
    locked.capacity = capacity
    locked.full_clean(exclude=["user", "cohort", "topics"])
    locked.save(update_fields=["capacity", "updated_at"])
    audit_record(
        actor=acting_user,
        action="enrollment.capacity",
        target=locked,
        summary=f"{locked.user}'s capacity in {locked.cohort}: {previous} → {capacity}",
        **{"from": previous, "to": capacity},
    )
    enrollment.capacity = capacity
    return locked


# What the committee may correct in an intake from the admin. Who, which cohort, which
# role and the status are the enrollment's identity and workflow, changed only by the
# person (intake, withdrawal) or the roster import; what an APM shares with their
# mentor is the APM's own choice.
COMMITTEE_EDITABLE_FIELDS = (
    "topics",
    "career_track",
    "cadence",
    "goals",
    "prefers_other_unit",
    "notes_for_committee",
    "capacity",
)


@transaction.atomic
def enrollment_update_by_committee(
    *, enrollment: Enrollment, changed: list[str], acting_user: User | None
) -> Enrollment:
    """Save the committee's corrections to an intake (the admin form).

    Only COMMITTEE_EDITABLE_FIELDS are saved; a capacity is checked against the
    mentor's active matches. One audit row names the fields that changed; the values
    stay out of the log, since intake answers are private. Topics (a many-to-many) are
    saved by the caller after this.
    """
    locked = (
        Enrollment.objects.select_for_update()
        .select_related("user", "cohort")
        .get(pk=enrollment.pk)
    )
    fields = [name for name in changed if name in COMMITTEE_EDITABLE_FIELDS]
    if "capacity" in fields:
        enrollment_check_capacity(enrollment=locked, capacity=enrollment.capacity)
    columns = [name for name in fields if name != "topics"]
    if columns:
        enrollment.save(update_fields=[*columns, "updated_at"])
    if fields:
        audit_record(
            actor=acting_user,
            action="enrollment.edited",
            target=locked,
            summary=f"Edited the intake of {locked.user} in {locked.cohort}: {', '.join(fields)}",
            fields=fields,
            capacity={"from": locked.capacity, "to": enrollment.capacity}
            if "capacity" in fields
            else None,
        )
    return enrollment
