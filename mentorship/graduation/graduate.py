"""Graduation: a promoted APM's match ends as "graduated" and their guide opens."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from matching.models import Match
from matching.services import pair_conflict_check, rematch_requests_answered
from mentorship.common.lifecycle import transition
from mentorship.graduation.guide import mentor_invitation_queue, next_mentor_cohort
from mentorship.graduation.promotions import credited_promotions
from mentorship.models import GraduationGuide, Notification, User
from mentorship.outbox.queue import absolute_url, notification_queue

GRADUATION_NO_PROMOTION = (
    "%(apm)s has no confirmed promotion dated on or after their match started. Record "
    "or confirm their promotion first, then graduate them."
)
GRADUATION_MATCH_NOT_ACTIVE = (
    "The match of %(apm)s with %(mentor)s is %(status)s: only an APM in an active match "
    "can graduate."
)
GRADUATION_NO_ACTIVE_MATCH = (
    "%(apm)s has no active match, so there is no pair to graduate. Check their matches."
)


def _graduation_emails(*, match, guide: GraduationGuide) -> None:
    apm, mentor = match.apm.user, match.mentor.user
    guide_url = absolute_url(reverse("graduation_guide"))
    meetings = match.meetings.count()
    notification_queue(
        kind=Notification.Kind.GRADUATION,
        user=apm,
        obj=guide,
        subject="Congratulations on graduating from the program",
        template="mentorship/email/graduation_apm",
        context={
            "cohort": match.cohort,
            "mentor": mentor,
            "guide_url": guide_url,
            "meetings": meetings,
        },
    )
    notification_queue(
        kind=Notification.Kind.MENTOR_THANKS,
        user=mentor,
        obj=match,
        subject=f"Thank you for mentoring {apm.display_name}",
        template="mentorship/email/graduation_mentor_thanks",
        context={"cohort": match.cohort, "apm": apm, "meetings": meetings},
    )
    cohort = next_mentor_cohort(after=match.cohort)
    if cohort is not None:
        mentor_invitation_queue(user=apm, cohort=cohort, period="")


@transaction.atomic
def apm_graduate(*, match, acting_user: User | None) -> GraduationGuide:
    """Graduate the APM of an active match.

    In one transaction: the match ends as "graduated" (not "ended": no rematch, no ban),
    the APM's graduation guide opens, and the outbox gets the APM's congratulations, the
    mentor's thanks and, when a cohort has intake open, the APM's invitation to mentor.
    The match row is locked, so two committee members graduating at once do it once.
    """
    match = (
        Match.objects.select_for_update()
        .select_related("apm__user", "mentor__user", "cohort")
        .get(pk=match.pk)
    )
    apm_user = match.apm.user
    pair_conflict_check(
        acting_user=acting_user, apm_user_id=apm_user.pk, mentor_user_id=match.mentor.user_id
    )
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
    # Only a promotion that came after the mentoring began counts for the program.
    if not credited_promotions(user=apm_user, cohort=match.cohort).exists():
        raise ValidationError(
            GRADUATION_NO_PROMOTION, code="no_promotion", params={"apm": apm_user.display_name}
        )
    guide, _ = GraduationGuide.objects.get_or_create(apm_enrollment=match.apm)
    transition(
        match,
        to=Match.Status.GRADUATED,
        actor=acting_user,
        action="graduation.graduated",
        summary=f"Graduated {apm_user} (mentored by {match.mentor.user}) from {match.cohort}",
        changes={"ended_at": timezone.now(), "end_reason": "Graduated"},
        lock=False,
        guide=guide.pk,
    )
    rematch_requests_answered(
        match=match,
        acting_user=acting_user,
        summary=f"The match of {apm_user} with {match.mentor.user} ended: {apm_user} graduated",
    )
    _graduation_emails(match=match, guide=guide)
    return guide


def apm_graduate_by_user(*, user: User, acting_user: User | None) -> GraduationGuide:
    """Graduate a person from their active match as an APM (the promotion admin's action)."""
    match = Match.objects.filter(apm__user=user, status=Match.Status.ACTIVE).first()
    if match is None:
        raise ValidationError(
            GRADUATION_NO_ACTIVE_MATCH, code="no_active_match", params={"apm": user.display_name}
        )
    return apm_graduate(match=match, acting_user=acting_user)
