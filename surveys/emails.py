"""Survey emails: the invitation and at most two reminders, each sent once.

Each send first claims its work on the invitation row with a conditional update, in
the same transaction as the send: a second run finds nothing to claim, and an error
while sending rolls the claim back so that a retry sends again.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from mentorship.models import Notification
from mentorship.outbox.queue import absolute_url, notification_queue
from surveys.models import MAX_REMINDERS, Invitation, Survey, reminder_days


def _one_line(text: str) -> str:
    # Titles and names come from people: a newline must never reach a header.
    return " ".join(str(text).split())[:200]


def _open_now(now) -> Q:
    return Q(
        survey__status=Survey.Status.OPEN, survey__opens_at__lte=now, survey__closes_at__gt=now
    )


def due_reminders(now=None):
    """Invitations that are owed a reminder now.

    Not answered, survey still open, invited at least SURVEY_REMINDER_DAYS ago, fewer
    than two reminders, the last one at least that long ago, and the person has not
    turned reminders off.
    """
    now = now or timezone.now()
    due_before = now - timedelta(days=reminder_days())
    return (
        Invitation.objects.filter(_open_now(now))
        .filter(
            completed_on=None,
            invited_email_sent_at__lte=due_before,
            reminder_count__lt=MAX_REMINDERS,
        )
        .filter(Q(last_reminded_at=None) | Q(last_reminded_at__lte=due_before))
        .exclude(user__notification_preference__nudges_enabled=False)
        .exclude(user__is_active=False)
    )


def _send(invitation: Invitation, *, template: str, subject: str, kind: str, period: str) -> None:
    """Queue the email in the outbox, in the caller's transaction (sent after commit)."""
    survey = invitation.survey
    notification_queue(
        kind=kind,
        user=invitation.user,
        obj=invitation,
        period=period,
        subject=subject,
        template=f"surveys/email/{template}",
        context={
            "invitation": invitation,
            "survey": survey,
            "answer_url": absolute_url(reverse("surveys:answer", args=[survey.pk])),
        },
    )


def invitation_email_send(*, invitation_id: int) -> bool:
    """Send the invitation email once; False if it was sent before or is no longer due."""
    now = timezone.now()
    with transaction.atomic():
        claimed = (
            Invitation.objects.filter(_open_now(now))
            .filter(pk=invitation_id, invited_email_sent_at=None, completed_on=None)
            .update(invited_email_sent_at=now)
        )
        if claimed != 1:
            return False
        invitation = Invitation.objects.select_related("user", "survey__cohort").get(
            pk=invitation_id
        )
        _send(
            invitation,
            template="invitation",
            subject=f"Please answer: {invitation.survey.title}",
            kind=Notification.Kind.SURVEY_INVITATION,
            period="",
        )
    return True


def reminder_email_send(*, invitation_id: int) -> bool:
    """Send the next reminder if one is due; False otherwise (already sent, answered...)."""
    now = timezone.now()
    with transaction.atomic():
        claimed = (
            due_reminders(now)
            .filter(pk=invitation_id)
            .update(reminder_count=F("reminder_count") + 1, last_reminded_at=now)
        )
        if claimed != 1:
            return False
        invitation = Invitation.objects.select_related("user", "survey__cohort").get(
            pk=invitation_id
        )
        _send(
            invitation,
            template="reminder",
            subject=f"Reminder: {invitation.survey.title} closes "
            f"{timezone.localtime(invitation.survey.closes_at):%B %-d}",
            kind=Notification.Kind.SURVEY_REMINDER,
            period=f"reminder-{invitation.reminder_count}",
        )
    return True
