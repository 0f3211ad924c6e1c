"""Promotions, graduation and the way back as a mentor ("full circle").

    promotion_record   the committee records a promotion: confirmed at once
    promotion_report   an APM reports their own promotion: waits for the committee
    promotion_confirm  the committee confirms a reported promotion
    apm_graduate       ends an active match as graduated, opens the graduation guide
    guide_step_toggle  the graduate ticks (or unticks) a step of their guide
    guide_full_circle_record  the graduate's mentor intake closes the circle
    journey_remind     the committee nudges a person who stalled in the journey

A confirmed promotion updates the person's profile title and makes an APM eligible to
graduate. Every change the committee answers for leaves an audit row.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from mentorship.accounts import profile_for
from mentorship.common.audit import audit_record
from mentorship.models import (
    Cohort,
    Enrollment,
    GraduationGuide,
    Meeting,
    Notification,
    Promotion,
    Role,
    User,
)
from mentorship.notifications import absolute_url, notification_queue

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
GRADUATION_NO_PROMOTION = (
    "%(apm)s has no confirmed promotion yet. Record or confirm their promotion first, "
    "then graduate them."
)
GRADUATION_MATCH_NOT_ACTIVE = (
    "The match of %(apm)s with %(mentor)s is %(status)s: only an APM in an active match "
    "can graduate."
)
GRADUATION_NO_ACTIVE_MATCH = (
    "%(apm)s has no active match, so there is no pair to graduate. Check their matches."
)
GUIDE_STEP_UNKNOWN = "“%(step)s” is not a step of the graduation guide."
GUIDE_STEP_BY_INTAKE = (
    "This step is ticked for you when you submit the mentor intake of the next cohort."
)
REMIND_ALREADY_TODAY = "%(person)s was already sent this reminder today."
REMIND_NOT_USEFUL = "A reminder will not move %(person)s on from “%(step)s”: %(action)s"
REMIND_NO_OPEN_COHORT = (
    "No cohort has intake open, so there is no mentor intake to invite %(person)s to yet."
)

# The step the mentor intake closes; the others the graduate ticks by hand.
GUIDE_STEPS = list(GraduationGuide.Step)
GUIDE_MANUAL_STEPS = [step for step in GUIDE_STEPS if step != GraduationGuide.Step.MENTOR_INTAKE]
PREFILL_TOPIC_COUNT = 3


def _today() -> date:
    return timezone.localdate()


# --- Promotions ------------------------------------------------------------------------


def _check_promotion(*, from_title: str, to_title: str, promoted_on: date) -> None:
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


def _profile_title_set(user: User, title: str) -> None:
    profile = profile_for(user)
    profile.title = title
    profile.save(update_fields=["title", "updated_at"])


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
    _check_promotion(from_title=from_title, to_title=to_title, promoted_on=promoted_on)
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
    _check_promotion(from_title=from_title, to_title=to_title, promoted_on=promoted_on)
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
    locked.status = Promotion.Status.CONFIRMED
    locked.confirmed_by = acting_user
    locked.confirmed_at = timezone.now()
    locked.save(update_fields=["status", "confirmed_by", "confirmed_at", "updated_at"])
    _profile_title_set(locked.user, locked.to_title)
    audit_record(
        actor=acting_user,
        action="promotion.confirmed",
        target=locked,
        summary=(
            f"Confirmed the promotion of {locked.user}: {locked.from_title} → {locked.to_title}"
        ),
    )
    return locked


# --- Graduation ------------------------------------------------------------------------


def next_mentor_cohort(*, after: Cohort | None = None) -> Cohort | None:
    """The cohort a graduate can join as a mentor: intake open now, and not ``after``
    (the cohort they graduate from). When several are open, the one starting first."""
    now = timezone.now()
    cohorts = Cohort.objects.filter(
        status=Cohort.Status.INTAKE_OPEN, intake_opens_at__lte=now, intake_closes_at__gt=now
    )
    if after is not None:
        cohorts = cohorts.exclude(pk=after.pk)
    return cohorts.order_by("program_starts_on", "pk").first()


def _graduation_emails(*, match, guide: GraduationGuide) -> None:
    apm, mentor = match.apm.user, match.mentor.user
    guide_url = absolute_url(reverse("graduation_guide"))
    notification_queue(
        kind=Notification.Kind.GRADUATION,
        user=apm,
        obj=guide,
        subject="Congratulations on graduating from the program",
        template="mentorship/email/graduation_apm",
        context={"cohort": match.cohort, "mentor": mentor, "guide_url": guide_url},
    )
    notification_queue(
        kind=Notification.Kind.MENTOR_THANKS,
        user=mentor,
        obj=match,
        subject=f"Thank you for mentoring {apm.display_name}",
        template="mentorship/email/graduation_mentor_thanks",
        context={"cohort": match.cohort, "apm": apm},
    )
    cohort = next_mentor_cohort(after=match.cohort)
    if cohort is not None:
        _mentor_invitation_queue(user=apm, cohort=cohort, period="")


def _mentor_invitation_queue(*, user: User, cohort: Cohort, period: str) -> Notification | None:
    intake_path = reverse("intake", args=[cohort.slug, Role.MENTOR]) + "?from=graduation"
    return notification_queue(
        kind=Notification.Kind.MENTOR_INVITATION,
        user=user,
        obj=cohort,
        period=period,
        subject=f"Come back as a mentor in {cohort.name}",
        template="mentorship/email/graduation_mentor_invitation",
        context={"cohort": cohort, "intake_url": absolute_url(intake_path)},
    )


@transaction.atomic
def apm_graduate(*, match, acting_user: User | None) -> GraduationGuide:
    """Graduate the APM of an active match.

    In one transaction: the match ends as "graduated" (not "ended": no rematch, no ban),
    the APM's graduation guide opens, and the outbox gets the APM's congratulations, the
    mentor's thanks and, when a cohort has intake open, the APM's invitation to mentor.
    The match row is locked, so two committee members graduating at once do it once.
    """
    from matching.models import Match

    match = (
        Match.objects.select_for_update()
        .select_related("apm__user", "mentor__user", "cohort")
        .get(pk=match.pk)
    )
    apm_user = match.apm.user
    if match.status != Match.Status.ACTIVE:
        raise ValidationError(
            GRADUATION_MATCH_NOT_ACTIVE,
            code="match_not_active",
            params={
                "apm": apm_user.display_name,
                "mentor": match.mentor.user.display_name,
                "status": match.get_status_display().lower(),
            },
        )
    if not Promotion.objects.filter(user=apm_user, status=Promotion.Status.CONFIRMED).exists():
        raise ValidationError(
            GRADUATION_NO_PROMOTION, code="no_promotion", params={"apm": apm_user.display_name}
        )
    match.status = Match.Status.GRADUATED
    match.ended_at = timezone.now()
    match.end_reason = "Graduated"
    match.save(update_fields=["status", "ended_at", "end_reason", "updated_at"])
    guide, _ = GraduationGuide.objects.get_or_create(apm_enrollment=match.apm)
    _graduation_emails(match=match, guide=guide)
    audit_record(
        actor=acting_user,
        action="graduation.graduated",
        target=match,
        summary=f"Graduated {apm_user} (mentored by {match.mentor.user}) from {match.cohort}",
        guide=guide.pk,
    )
    return guide


def apm_graduate_by_user(*, user: User, acting_user: User | None) -> GraduationGuide:
    """Graduate a person from their active match as an APM (the promotion admin's action)."""
    from matching.models import Match

    match = Match.objects.filter(apm__user=user, status=Match.Status.ACTIVE).first()
    if match is None:
        raise ValidationError(
            GRADUATION_NO_ACTIVE_MATCH, code="no_active_match", params={"apm": user.display_name}
        )
    return apm_graduate(match=match, acting_user=acting_user)


# --- The graduation guide --------------------------------------------------------------


def guide_for_user(*, user: User) -> GraduationGuide | None:
    """The person's graduation guide (the latest, should they have graduated twice)."""
    return (
        GraduationGuide.objects.filter(apm_enrollment__user=user)
        .select_related("apm_enrollment__cohort", "mentor_enrollment__cohort")
        .order_by("-created_at", "-id")
        .first()
    )


def guide_progress(guide: GraduationGuide) -> int:
    return sum(1 for step in GUIDE_STEPS if step in guide.steps_done)


@transaction.atomic
def guide_step_toggle(*, guide: GraduationGuide, step: str, done: bool) -> GraduationGuide:
    """Tick or untick one step of a guide; returns the guide as saved.

    The row is locked so two tabs ticking different steps both keep their tick.
    """
    if step not in GraduationGuide.Step.values:
        raise ValidationError(GUIDE_STEP_UNKNOWN, code="unknown_step", params={"step": step})
    if step == GraduationGuide.Step.MENTOR_INTAKE:
        raise ValidationError(GUIDE_STEP_BY_INTAKE, code="by_intake")
    locked = GraduationGuide.objects.select_for_update().get(pk=guide.pk)
    steps = dict(locked.steps_done)
    if done:
        steps.setdefault(step, _today().isoformat())
    else:
        steps.pop(step, None)
    if steps != locked.steps_done:
        locked.steps_done = steps
        locked.save(update_fields=["steps_done", "updated_at"])
    guide.steps_done = locked.steps_done
    return locked


@transaction.atomic
def guide_full_circle_record(*, enrollment: Enrollment) -> GraduationGuide | None:
    """A graduate submitted a mentor intake: record that they came full circle.

    Called after every mentor intake save; does nothing for people without a guide, for
    APM enrollments, for the graduate's own cohort, and once the circle is closed.
    """
    if enrollment.role != Role.MENTOR or enrollment.status != Enrollment.Status.SUBMITTED:
        return None
    guide = (
        GraduationGuide.objects.select_for_update()
        .filter(apm_enrollment__user_id=enrollment.user_id, full_circle_at=None)
        .exclude(apm_enrollment__cohort_id=enrollment.cohort_id)
        .order_by("-created_at", "-id")
        .first()
    )
    if guide is None:
        return None
    guide.mentor_enrollment = enrollment
    guide.full_circle_at = timezone.now()
    today = _today().isoformat()
    guide.steps_done = {**guide.steps_done, GraduationGuide.Step.MENTOR_INTAKE: today}
    guide.save(update_fields=["mentor_enrollment", "full_circle_at", "steps_done", "updated_at"])
    audit_record(
        actor=enrollment.user,
        action="graduation.full_circle",
        target=guide,
        summary=f"{enrollment.user} came full circle: mentor in {enrollment.cohort}",
        mentor_enrollment=enrollment.pk,
    )
    return guide


def mentor_intake_initial(*, user: User) -> dict | None:
    """Starting answers for a graduate's mentor intake, or None for anyone else.

    Topics: the categories of the toolkit topics the graduate's meetings covered most
    (ties go to the toolkit's category order), then their own APM interests, up to
    three. Career track: the one they chose as an APM. Capacity: one APM to start with.
    """
    guide = (
        GraduationGuide.objects.filter(apm_enrollment__user=user)
        .select_related("apm_enrollment")
        .order_by("-created_at", "-id")
        .first()
    )
    if guide is None:
        return None
    apm_enrollment = guide.apm_enrollment
    covered = (
        Meeting.topics.through.objects.filter(meeting__match__apm=apm_enrollment)
        .values("topic__category_id")
        .annotate(times=Count("id"))
        .order_by("-times", "topic__category__order", "topic__category__name")
        .values_list("topic__category_id", flat=True)[:PREFILL_TOPIC_COUNT]
    )
    topics = list(covered)
    if len(topics) < PREFILL_TOPIC_COUNT:
        for category_id in apm_enrollment.topics.order_by("order", "name").values_list(
            "id", flat=True
        ):
            if category_id not in topics:
                topics.append(category_id)
            if len(topics) == PREFILL_TOPIC_COUNT:
                break
    return {"topics": topics, "career_track": apm_enrollment.career_track, "capacity": 1}


def home_graduation(*, user: User) -> dict:
    """What the home page shows about graduation: the guide and its progress, and
    whether a reported promotion is waiting for the committee. Two queries."""
    guide = (
        GraduationGuide.objects.filter(apm_enrollment__user=user)
        .order_by("-created_at", "-id")
        .only("id", "apm_enrollment_id", "steps_done", "full_circle_at")
        .first()
    )
    waiting = (
        Promotion.objects.filter(user=user, status=Promotion.Status.REPORTED)
        .only("id", "to_title")
        .first()
    )
    return {
        "graduation_guide": guide,
        "graduation_progress": guide_progress(guide) if guide else 0,
        "graduation_step_total": len(GUIDE_STEPS),
        "promotion_waiting": waiting,
    }


# --- Nudges from the committee's journey page ----------------------------------------


@transaction.atomic
def journey_remind(*, apm_enrollment: Enrollment, acting_user: User | None) -> Notification:
    """Queue today's nudge for an APM who stalled, chosen by where they stalled.

    Matched without a first meeting: the no-meeting nudge. Met but no survey answer:
    the survey reminder. Graduated but not yet a mentor: the invitation to mentor.
    Elsewhere a reminder would not help (the committee acts), and this says what to do.
    The outbox key (kind, person, object, today's date) sends at most one a day.
    """
    from mentorship import journey

    person = journey.person_journey(apm_enrollment=apm_enrollment)
    name = person.name
    period = _today().isoformat()
    user = apm_enrollment.user
    if person.furthest == journey.MATCHED:
        notification = notification_queue(
            kind=Notification.Kind.NO_MEETING,
            user=user,
            obj=apm_enrollment,
            period=period,
            subject="Time to book a meeting with your mentor",
            template="mentorship/email/journey_no_meeting",
            context={"mentor_name": person.mentor_name},
        )
    elif person.furthest == journey.FIRST_MEETING:
        notification = notification_queue(
            kind=Notification.Kind.SURVEY_REMINDER,
            user=user,
            obj=apm_enrollment,
            period=period,
            subject="Tell us how the program is going",
            template="mentorship/email/journey_survey",
        )
    elif person.furthest == journey.GRADUATED:
        cohort = next_mentor_cohort(after=apm_enrollment.cohort)
        if cohort is None:
            raise ValidationError(
                REMIND_NO_OPEN_COHORT, code="no_open_cohort", params={"person": name}
            )
        notification = _mentor_invitation_queue(user=user, cohort=cohort, period=period)
    else:
        raise ValidationError(
            REMIND_NOT_USEFUL,
            code="not_useful",
            params={
                "person": name,
                "step": journey.STEP_LABELS[person.furthest],
                "action": journey.WHAT_TO_DO[person.furthest],
            },
        )
    if notification is None:
        raise ValidationError(REMIND_ALREADY_TODAY, code="already_today", params={"person": name})
    audit_record(
        actor=acting_user,
        action="journey.reminded",
        target=apm_enrollment,
        summary=f"Reminded {user} ({notification.get_kind_display()})",
        kind=notification.kind,
        skipped=notification.status == Notification.Status.SKIPPED,
    )
    return notification


GUIDE_STEP_HELP = {
    GraduationGuide.Step.REFLECT: (
        "Book one last conversation with your mentor: what helped most, what you would tell "
        "a new APM, and what you want to keep working on."
    ),
    GraduationGuide.Step.SURVEY: (
        "Answer the program survey from your invitation email. The committee only ever sees "
        "answers in groups, so be candid about what helped and what did not."
    ),
    GraduationGuide.Step.SHADOW: (
        "If you like, ask the committee to introduce you to a current mentor and sit in on "
        "one of their meetings, with the APM's permission. Skip it if you are ready."
    ),
    GraduationGuide.Step.MENTOR_INTAKE: (
        "Come full circle: coach an APM in the next cohort. The intake starts pre-filled from "
        "your profile and the topics you covered most with your mentor."
    ),
}


def guide_steps(guide: GraduationGuide) -> list[dict]:
    """The guide's steps in order, each with its label, help, and the day it was ticked."""
    steps = []
    for step in GUIDE_STEPS:
        done_on = guide.steps_done.get(step)
        steps.append(
            {
                "code": step.value,
                "label": step.label,
                "help": GUIDE_STEP_HELP[step],
                "done_on": date.fromisoformat(done_on) if done_on else None,
                "manual": step in GUIDE_MANUAL_STEPS,
            }
        )
    return steps
