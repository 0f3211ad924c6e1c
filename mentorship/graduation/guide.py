"""The graduation guide: a graduate's checklist on the way back as a mentor ("full circle").

The graduate ticks the steps; the mentor intake of a later cohort ticks the last one
and records that they came full circle. The guide points at the next cohort taking
intake, and the outbox carries the invitation to mentor there.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from matching.models import Meeting
from mentorship.common.audit import audit_record
from mentorship.models import (
    Cohort,
    Enrollment,
    GraduationGuide,
    Notification,
    Promotion,
    Role,
    User,
)
from mentorship.outbox.queue import absolute_url, notification_queue

GUIDE_STEP_UNKNOWN = "“%(step)s” is not a step of the graduation guide."
GUIDE_STEP_BY_INTAKE = (
    "This step is ticked for you when you submit the mentor intake of the next cohort."
)

# The step the mentor intake closes; the others the graduate ticks by hand.
GUIDE_STEPS = list(GraduationGuide.Step)
GUIDE_MANUAL_STEPS = [step for step in GUIDE_STEPS if step != GraduationGuide.Step.MENTOR_INTAKE]
PREFILL_TOPIC_COUNT = 3


def _today() -> date:
    return timezone.localdate()


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


def upcoming_mentor_cohort(*, after: Cohort | None = None) -> Cohort | None:
    """The next cohort whose intake will open later (its date known), for a graduate
    while no other cohort takes intake: the guide says when, and promises the email."""
    cohorts = Cohort.objects.filter(
        status__in=[Cohort.Status.DRAFT, Cohort.Status.INTAKE_OPEN],
        intake_opens_at__gt=timezone.now(),
    )
    if after is not None:
        cohorts = cohorts.exclude(pk=after.pk)
    return cohorts.order_by("intake_opens_at", "pk").first()


def graduate_invitations_queue() -> int:
    """Invite to mentor every graduate who has not come full circle, once per cohort,
    as soon as a cohort other than their own takes intake (the daily scan).

    Graduation invites at once when a cohort is open; this covers the graduates whose
    guide said "we'll email you when the next one opens". The outbox key (kind, person,
    cohort) makes it once-only, however often the scan runs.
    """
    now = timezone.now()
    queued = 0
    open_cohorts = Cohort.objects.filter(
        status=Cohort.Status.INTAKE_OPEN, intake_opens_at__lte=now, intake_closes_at__gt=now
    )
    for cohort in open_cohorts:
        guides = (
            GraduationGuide.objects.filter(full_circle_at=None)
            .exclude(apm_enrollment__cohort=cohort)
            .exclude(apm_enrollment__user__enrollments__cohort=cohort)
            .select_related("apm_enrollment__user")
            .order_by("pk")
        )
        for guide in guides.iterator(chunk_size=500):
            queued += (
                mentor_invitation_queue(user=guide.apm_enrollment.user, cohort=cohort, period="")
                is not None
            )
    return queued


def mentor_invitation_queue(*, user: User, cohort: Cohort, period: str) -> Notification | None:
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


def guide_survey_answered(*, user: User, cohort_id: int | None) -> bool:
    """A graduate answered a survey of the cohort they graduated from: their guide's
    survey step is done (it stayed "To do" until they ticked it by hand). True if ticked.

    Call it inside the answer's transaction. One query when there is nothing to tick.
    """
    guide = (
        GraduationGuide.objects.select_for_update()
        .filter(apm_enrollment__user=user, apm_enrollment__cohort_id=cohort_id)
        .first()
    )
    step = GraduationGuide.Step.SURVEY
    if guide is None or step in guide.steps_done:
        return False
    guide.steps_done = {**guide.steps_done, step: _today().isoformat()}
    guide.save(update_fields=["steps_done", "updated_at"])
    return True


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
    three. Capacity: one APM to start with. The career track is asked afresh: the one
    an APM was curious about is not the mentor's own.
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
    return {"topics": topics, "capacity": 1}


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
