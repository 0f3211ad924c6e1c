"""Background work for surveys. Tasks take ids, call a service, and are safe to run twice."""

from celery import shared_task
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from surveys import emails, retention, services
from surveys.models import Ballot, Survey

EMAIL_RETRY = {
    "autoretry_for": (ConnectionError, TimeoutError, OSError),
    "retry_backoff": 30,
    "max_retries": 5,
}


@shared_task(acks_late=True, **EMAIL_RETRY)
def send_survey_invitation(invitation_id: int) -> bool:
    """Email one person their survey invitation.

    Idempotent: emails.invitation_email_send claims the invitation by setting
    ``invited_email_sent_at`` with a conditional update, so it is sent at most once.
    """
    return emails.invitation_email_send(invitation_id=invitation_id)


@shared_task(acks_late=True, **EMAIL_RETRY)
def send_survey_reminder(invitation_id: int) -> bool:
    """Email one reminder if it is due.

    Idempotent: the claim increments ``reminder_count`` and sets ``last_reminded_at``
    only while the reminder is still due, so a second run finds nothing to send.
    """
    return emails.reminder_email_send(invitation_id=invitation_id)


@shared_task(acks_late=True)
def send_survey_reminders() -> int:
    """Periodic: find invitations owed a reminder and send each in its own task.

    Idempotent: each per-invitation task claims its reminder before sending.
    """
    due = list(emails.due_reminders().values_list("pk", flat=True))
    for invitation_id in due:
        send_survey_reminder.delay(invitation_id)
    return len(due)


@shared_task(acks_late=True)
def invite_survey_audience(survey_id: int) -> int:
    """Invite the audience of an open survey (and anyone matched since).

    Idempotent: one invitation per person (a unique constraint) and one email per
    invitation (a claim).
    """
    return services.survey_invite_audience(survey_id=survey_id)


@shared_task(acks_late=True)
def seal_survey_responses(survey_id: int) -> bool:
    """Mix a closed anonymous survey's last ballots and rewrite its answers in random order.

    Idempotent: the survey row is locked and ``sealed_at`` set in the same transaction;
    a second run finds it sealed with no ballot left to mix.
    """
    return services.survey_seal_responses(survey_id=survey_id)


@shared_task(acks_late=True)
def mix_survey_ballots(survey_id: int) -> int:
    """Write an anonymous survey's waiting ballots as responses if they make a batch.

    Idempotent: the mixer locks the survey row, so runs take turns, and the ballots it
    writes are deleted in the same transaction; a second run finds too few to mix.
    """
    return services.ballots_mix(survey_id=survey_id)


@shared_task(acks_late=True)
def run_survey_schedule() -> dict:
    """Periodic: invite for surveys that are open, mix anonymous ones' waiting ballots
    (in case a mix task was lost), seal anonymous ones that have closed.

    Idempotent: every step is a per-survey task that is safe to repeat. A closed survey
    is sealed again only while ballots remain (ones no key opened); sealing then mixes
    what it can and logs the rest.
    """
    now = timezone.now()
    open_surveys = Survey.objects.filter(
        status=Survey.Status.OPEN, opens_at__lte=now, closes_at__gt=now
    )
    open_ids = list(open_surveys.values_list("pk", flat=True))
    has_ballots = Exists(Ballot.objects.filter(survey=OuterRef("pk")))
    mix_ids = list(
        open_surveys.filter(has_ballots, is_anonymous=True).values_list("pk", flat=True)
    )
    closed_ids = list(
        Survey.objects.filter(is_anonymous=True, is_template=False)
        .filter(Q(status=Survey.Status.CLOSED) | Q(status=Survey.Status.OPEN, closes_at__lte=now))
        .filter(Q(sealed_at=None) | has_ballots)
        .values_list("pk", flat=True)
    )
    for survey_id in open_ids:
        invite_survey_audience.delay(survey_id)
    for survey_id in mix_ids:
        mix_survey_ballots.delay(survey_id)
    for survey_id in closed_ids:
        seal_survey_responses.delay(survey_id)
    return {"invited": len(open_ids), "mixed": len(mix_ids), "sealed": len(closed_ids)}


@shared_task
def attributed_answers_purge() -> int:
    """Daily: delete attributed answers past ATTRIBUTED_ANSWERS_MONTHS (safe to run twice)."""
    return retention.attributed_answers_purge()
