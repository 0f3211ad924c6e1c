from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled

from mentorship.models import Cohort, Enrollment, Profile, Team, User
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
        .order_by()  # the default order would join the user and widen the DISTINCT
        .values_list("role", flat=True)
        .distinct()
    )
    if user.is_superuser or (user.is_staff and user.groups.filter(name=COMMITTEE_GROUP).exists()):
        roles.add(COMMITTEE)
    return frozenset(roles)


def request_roles(request) -> frozenset[str]:
    """``user_roles`` of the person signed in, asked once for a GET or HEAD request: the
    view and the navigation both ask, and reading a page changes nobody's roles. Other
    requests ask afresh each time, since they may change roles on the way (a withdrawal
    that renders its page)."""
    if request.method not in ("GET", "HEAD"):
        return user_roles(request.user)
    if getattr(request, "_roles", None) is None:
        request._roles = user_roles(request.user)
    return request._roles


def request_is_committee(request) -> bool:
    return COMMITTEE in request_roles(request)


def account_notice_addresses(*, user: User, also: str = "") -> list[str]:
    """Where a notice about a change to this account goes: every verified address.

    ``also`` is one more address that must hear of it even if it is not (or no longer)
    verified: the primary address a change moved away from.
    """
    addresses = list(
        EmailAddress.objects.filter(user=user, verified=True)
        .order_by("email")
        .values_list("email", flat=True)
    )
    if also and also.lower() not in {address.lower() for address in addresses}:
        addresses.append(also)
    return addresses


def password_reset_allowed(*, user: User, email: str) -> bool:
    """Whether a password reset link for ``user`` may be mailed to ``email``.

    Only to an address the person proved is theirs (a verified one): anyone who once
    got into the account can attach an address, and a reset link sent there would hand
    the account to them. One exception: an account with no verified address at all
    answers at its own address (``user.email``), the one it was created with. People
    imported from a roster or named as someone's manager have no password yet and set
    their first one this way; with verification mandatory such an account has never
    been signed in to, so nobody else can have put an address on it.
    """
    verified = list(
        EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    )
    if verified:
        return email.lower() in {address.lower() for address in verified}
    return (user.email or "").lower() == email.lower()


def opens_committee_pages(user) -> bool:
    """Whether a person can open the admin or the committee's pages, which show everyone's
    answers: staff (the committee members among them) and superusers.

    The committee role (``user_roles``) is superusers and staff in the group, so this
    covers it; staff outside the group count too, since they reach the admin.
    """
    return user.is_authenticated and (user.is_staff or user.is_superuser)


def has_totp(user) -> bool:
    """Whether a person has an authenticator app: allauth then asks for its code at sign-in."""
    return is_mfa_enabled(user, types=[Authenticator.Type.TOTP])


def open_cohort():
    """The cohort currently taking intake, if any (the newest one wins)."""
    return (
        Cohort.objects.filter(status=Cohort.Status.INTAKE_OPEN)
        .order_by("-intake_opens_at")
        .first()
    )


def home_summary(*, user) -> dict:
    """What "My mentorship" shows: each enrollment, and whether the person can join."""
    enrollments = list(
        Enrollment.objects.filter(user=user)
        .select_related("cohort")
        .order_by("-cohort__program_starts_on", "role")
    )
    cohort = open_cohort()
    joined = {e.role for e in enrollments if cohort and e.cohort_id == cohort.pk}
    return {
        "enrollments": enrollments,
        "open_cohort": cohort,
        "can_join": bool(cohort and cohort.intake_is_open() and not joined),
    }


def get_own_enrollment(*, user, cohort, role) -> Enrollment | None:
    return (
        Enrollment.objects.filter(user=user, cohort=cohort, role=role)
        .prefetch_related("topics")
        .first()
    )


def get_own_profile(*, user) -> Profile:
    """The person's profile with their manager (the intake form shows the manager's
    address), or a new unsaved one."""
    profile = Profile.objects.select_related("manager").filter(user=user).first()
    if profile is None:
        return Profile(user=user)
    profile.user = user  # the signed-in user object, not a second copy
    return profile


def enrollment_shared_answers(*, enrollment: Enrollment) -> list[tuple[str, str]]:
    """The APM answers a mentor may see: only those the APM chose to share.

    Prefetch ``topics`` on the enrollment to keep this free of queries.
    """
    shared = set(enrollment.shared_with_mentor)
    answers = []
    for field, label in Enrollment.SHAREABLE_FIELDS.items():
        if field not in shared:
            continue
        if field == "topics":
            value = ", ".join(topic.name for topic in enrollment.topics.all())
        elif field in ("career_track", "cadence"):
            value = getattr(enrollment, f"get_{field}_display")()
        else:
            value = getattr(enrollment, field)
        answers.append((label, value))
    return answers


def teams_with_units():
    """Every team with its business unit, in the units' order (the intake's team list)."""
    return Team.objects.select_related("business_unit")
