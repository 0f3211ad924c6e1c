"""Promotions: recorded by the committee, or reported by the APM and confirmed.

A confirmed promotion updates the person's profile title. It counts for the program
(the outcomes, the survey's promotion questions, the journey and graduation) only if it
is dated on or after the day the APM's match in the cohort started: a promotion from
before the mentoring began is not the program's doing.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from matching.models import Match
from mentorship.accounts import profile_for
from mentorship.common.audit import audit_record
from mentorship.common.lifecycle import transition
from mentorship.models import Cohort, Enrollment, Profile, Promotion, Role, User

PROMOTION_IN_FUTURE = (
    "The promotion date is in the future. Record a promotion once it has happened."
)
PROMOTION_SAME_TITLE = (
    "The new title is the same as the current one. Enter the title after the promotion."
)
PROMOTION_ALREADY_REPORTED = (
    "You have already reported a promotion to “%(title)s”. The committee will confirm it soon."
)
PROMOTION_ALREADY_CONFIRMED = "This promotion of %(person)s is already confirmed."
PROMOTION_NOT_AN_APM = (
    "Only APMs in the program report a promotion here. If you were promoted, tell the "
    "committee and they will record it."
)
# A match that ended early still had its mentoring: its promotions count too.
CREDITED_MATCH_STATUSES = (Match.Status.ACTIVE, Match.Status.GRADUATED, Match.Status.ENDED)


def _today() -> date:
    return timezone.localdate()


def promotion_check(*, from_title: str, to_title: str, promoted_on: date) -> None:
    if promoted_on > _today():
        raise ValidationError(PROMOTION_IN_FUTURE, code="future")
    if from_title.strip().casefold() == to_title.strip().casefold():
        raise ValidationError(PROMOTION_SAME_TITLE, code="same_title")


def current_apm_cohort(*, user: User) -> Cohort | None:
    """The cohort of the person's latest APM enrollment (where a promotion is counted)."""
    enrollment = (
        Enrollment.objects.filter(user=user, role=Role.APM, status=Enrollment.Status.SUBMITTED)
        .select_related("cohort")
        .order_by("-cohort__program_starts_on", "-id")
        .first()
    )
    return enrollment.cohort if enrollment else None


# A new title names its level: the first of these words found in it, most senior first.
LEVEL_WORDS = [
    (("director", "head of", "vice president", "vp", "chief"), Profile.Level.DIRECTOR),
    (("lead", "principal", "group"), Profile.Level.LEAD),
    (("senior", "sr"), Profile.Level.SENIOR),
    (("associate", "apm", "junior"), Profile.Level.ASSOCIATE),
    (("product manager", "product owner", "pm"), Profile.Level.PRODUCT_MANAGER),
]


def level_for_title(title: str) -> str:
    """The level a job title names ("Senior Product Manager": senior), or ""."""
    words = " " + " ".join(title.casefold().replace(".", " ").replace(",", " ").split()) + " "
    for keys, level in LEVEL_WORDS:
        if any(f" {key} " in words for key in keys):
            return level
    return ""


def _profile_title_set(user: User, title: str) -> None:
    """The new title, and the level it names (the old one would stay "Associate")."""
    profile = profile_for(user)
    profile.title = title
    profile.level = level_for_title(title) or profile.level
    profile.save(update_fields=["title", "level", "updated_at"])


@transaction.atomic
def promotion_record(
    *,
    user: User,
    from_title: str,
    to_title: str,
    promoted_on: date,
    acting_user: User | None,
    cohort: Cohort | None = None,
) -> Promotion:
    """The committee records a promotion: confirmed at once, the profile title updated."""
    promotion_check(from_title=from_title, to_title=to_title, promoted_on=promoted_on)
    promotion = Promotion.objects.create(
        user=user,
        cohort=cohort or current_apm_cohort(user=user),
        from_title=from_title.strip(),
        to_title=to_title.strip(),
        promoted_on=promoted_on,
        status=Promotion.Status.CONFIRMED,
        confirmed_by=acting_user,
        confirmed_at=timezone.now(),
    )
    _profile_title_set(user, promotion.to_title)
    audit_record(
        actor=acting_user,
        action="promotion.recorded",
        target=promotion,
        summary=f"Recorded the promotion of {user}: {promotion.from_title} → {promotion.to_title}",
        promoted_on=promoted_on.isoformat(),
    )
    return promotion


@transaction.atomic
def promotion_report(
    *, user: User, from_title: str, to_title: str, promoted_on: date
) -> Promotion:
    """An APM reports their own promotion; nothing changes until the committee confirms it."""
    if not can_report_promotion(user=user):
        raise ValidationError(PROMOTION_NOT_AN_APM, code="not_an_apm")
    promotion_check(from_title=from_title, to_title=to_title, promoted_on=promoted_on)
    # Lock the person's row so that a double-submitted form reports once.
    User.objects.select_for_update().filter(pk=user.pk).first()
    waiting = Promotion.objects.filter(user=user, status=Promotion.Status.REPORTED).first()
    if waiting is not None:
        raise ValidationError(
            PROMOTION_ALREADY_REPORTED, code="already_reported", params={"title": waiting.to_title}
        )
    promotion = Promotion.objects.create(
        user=user,
        cohort=current_apm_cohort(user=user),
        from_title=from_title.strip(),
        to_title=to_title.strip(),
        promoted_on=promoted_on,
        status=Promotion.Status.REPORTED,
        reported_by=user,
    )
    audit_record(
        actor=user,
        action="promotion.reported",
        target=promotion,
        summary=f"{user} reported a promotion: {promotion.from_title} → {promotion.to_title}",
        promoted_on=promoted_on.isoformat(),
    )
    return promotion


@transaction.atomic
def promotion_confirm(*, promotion: Promotion, acting_user: User | None) -> Promotion:
    """Confirm a reported promotion: the profile takes the new title; the APM may graduate."""
    locked = Promotion.objects.select_for_update().select_related("user").get(pk=promotion.pk)
    if locked.status == Promotion.Status.CONFIRMED:
        raise ValidationError(
            PROMOTION_ALREADY_CONFIRMED, code="already_confirmed", params={"person": locked.user}
        )
    transition(
        locked,
        to=Promotion.Status.CONFIRMED,
        actor=acting_user,
        action="promotion.confirmed",
        summary=(
            f"Confirmed the promotion of {locked.user}: {locked.from_title} → {locked.to_title}"
        ),
        changes={"confirmed_by": acting_user, "confirmed_at": timezone.now()},
        lock=False,
    )
    _profile_title_set(locked.user, locked.to_title)
    return locked


def can_report_promotion(*, user: User) -> bool:
    """Whether a person may report their own promotion: an APM with a submitted intake."""
    return Enrollment.objects.filter(
        user=user, role=Role.APM, status=Enrollment.Status.SUBMITTED
    ).exists()


def credited_promotions(*, user=None, cohort) -> QuerySet[Promotion]:
    """Confirmed promotions that count for the program in ``cohort``.

    Dated on or after the day the APM's match in that cohort started. ``user`` and
    ``cohort`` may be ``OuterRef``s of an enclosing query (one row per enrollment).
    """
    cohort_ref = OuterRef(cohort) if isinstance(cohort, OuterRef) else cohort
    mentored_before = Match.objects.filter(
        apm__user=OuterRef("user"),
        cohort=cohort_ref,
        status__in=CREDITED_MATCH_STATUSES,
        created_at__date__lte=OuterRef("promoted_on"),
    )
    promotions = Promotion.objects.filter(status=Promotion.Status.CONFIRMED)
    if user is not None:
        promotions = promotions.filter(user=user)
    return promotions.filter(Exists(mentored_before))
