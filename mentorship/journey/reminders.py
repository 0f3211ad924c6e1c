"""Nudges the committee sends from the journey page to a person who stalled."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mentorship.common.audit import audit_record
from mentorship.graduation import mentor_invitation_queue, next_mentor_cohort
from mentorship.journey import funnel
from mentorship.models import Enrollment, Notification, User
from mentorship.outbox.queue import notification_queue

REMIND_ALREADY_TODAY = "%(person)s was already sent this reminder today."
REMIND_NOT_USEFUL = "A reminder will not move %(person)s on from “%(step)s”: %(action)s"
REMIND_NO_OPEN_COHORT = (
    "No cohort has intake open, so there is no mentor intake to invite %(person)s to yet."
)


@transaction.atomic
def journey_remind(*, apm_enrollment: Enrollment, acting_user: User | None) -> Notification:
    """Queue today's nudge for an APM who stalled, chosen by where they stalled.

    Matched without a first meeting: the no-meeting nudge. Met but no survey answer:
    the survey reminder. Graduated but not yet a mentor: the invitation to mentor.
    Elsewhere a reminder would not help (the committee acts), and this says what to do.
    The outbox key (kind, person, object, today's date) sends at most one a day.
    """
    person = funnel.person_journey(apm_enrollment=apm_enrollment)
    name = person.name
    period = timezone.localdate().isoformat()
    user = apm_enrollment.user
    if person.furthest == funnel.MATCHED:
        notification = notification_queue(
            kind=Notification.Kind.NO_MEETING,
            user=user,
            obj=apm_enrollment,
            period=period,
            subject="Time to book a meeting with your mentor",
            template="mentorship/email/journey_no_meeting",
            context={"mentor_name": person.mentor_name},
        )
    elif person.furthest == funnel.FIRST_MEETING:
        notification = notification_queue(
            kind=Notification.Kind.SURVEY_REMINDER,
            user=user,
            obj=apm_enrollment,
            period=period,
            subject="Tell us how the program is going",
            template="mentorship/email/journey_survey",
        )
    elif person.furthest == funnel.GRADUATED:
        cohort = next_mentor_cohort(after=apm_enrollment.cohort)
        if cohort is None:
            raise ValidationError(
                REMIND_NO_OPEN_COHORT, code="no_open_cohort", params={"person": name}
            )
        notification = mentor_invitation_queue(user=user, cohort=cohort, period=period)
    else:
        raise ValidationError(
            REMIND_NOT_USEFUL,
            code="not_useful",
            params={
                "person": name,
                "step": funnel.STEP_LABELS[person.furthest],
                "action": funnel.WHAT_TO_DO[person.furthest],
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
