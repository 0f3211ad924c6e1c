"""The daily intake nudges: find who is due one and queue it in the outbox.

Safe to run any number of times, by any number of beat processes: each nudge has a
unique outbox key (kind, person, object, period), so a second scan queues nothing new.
"""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from mentorship.models import Cohort, Enrollment, Notification, User
from mentorship.outbox.queue import absolute_url, notification_queue

INTAKE_CLOSING_DAYS = 3


def _people_not_in(cohort):
    enrolled = Enrollment.objects.filter(cohort=cohort).values("user_id")
    return User.objects.filter(is_active=True).exclude(pk__in=enrolled).order_by("pk")


def intake_nudges_queue(now=None) -> int:
    """Intake is open (once per cohort), and it closes in three days (once per cohort)."""
    now = now or timezone.now()
    queued = 0
    for cohort in Cohort.objects.filter(
        status=Cohort.Status.INTAKE_OPEN, intake_opens_at__lte=now, intake_closes_at__gt=now
    ):
        closing = cohort.intake_closes_at - now <= timedelta(days=INTAKE_CLOSING_DAYS)
        kind = Notification.Kind.INTAKE_CLOSING if closing else Notification.Kind.INTAKE_OPEN
        subject = (
            f"Intake for {cohort.name} closes on {cohort.intake_closes_at:%B %-d}"
            if closing
            else f"Intake for {cohort.name} is open"
        )
        context = {"cohort": cohort, "join_url": absolute_url(reverse("join"))}
        for user in _people_not_in(cohort).iterator(chunk_size=500):
            queued += (
                notification_queue(
                    kind=kind,
                    user=user,
                    obj=cohort,
                    subject=subject,
                    template="mentorship/email/intake_nudge",
                    context={**context, "closing": closing},
                )
                is not None
            )
    return queued
