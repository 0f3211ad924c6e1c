from mentorship.models import Cohort, Enrollment
from mentorship.roles import COMMITTEE_GROUP

COMMITTEE = "committee"


def user_roles(user) -> frozenset[str]:
    """The roles a person has now: "apm", "mentor" and/or "committee".

    APM and mentor come from enrollments in cohorts that are not closed and were not
    withdrawn; the committee role from the committee group (superusers count too).
    """
    if not user.is_authenticated:
        return frozenset()
    roles = set(
        Enrollment.objects.filter(user=user)
        .exclude(status=Enrollment.Status.WITHDRAWN)
        .exclude(cohort__status=Cohort.Status.CLOSED)
        .values_list("role", flat=True)
        .distinct()
    )
    if user.is_superuser or (user.is_staff and user.groups.filter(name=COMMITTEE_GROUP).exists()):
        roles.add(COMMITTEE)
    return frozenset(roles)


def is_committee(user) -> bool:
    return COMMITTEE in user_roles(user)


def open_cohort():
    """The cohort currently taking intake, if any (the newest one wins)."""
    return (
        Cohort.objects.filter(status=Cohort.Status.INTAKE_OPEN)
        .order_by("-intake_opens_at")
        .first()
    )


def home_summary(*, user) -> dict:
    enrollments = list(
        Enrollment.objects.filter(user=user)
        .select_related("cohort")
        .order_by("-cohort__program_starts_on", "role")
    )
    return {"enrollments": enrollments, "open_cohort": open_cohort()}
