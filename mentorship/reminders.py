"""The daily scan: find who is due a nudge and queue it in the outbox.

Safe to run any number of times, by any number of beat processes: each nudge has a
unique outbox key (kind, person, object, period), so a second scan queues nothing new.
"""

from datetime import timedelta

from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from mentorship.models import Cohort, Enrollment, Notification, User
from mentorship.notifications import absolute_url, notification_queue

NO_MEETING_DAYS = 30
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


def no_meeting_nudges_queue(now=None) -> int:
    """APMs lead the meetings: nudge an APM whose pair has not met for 30 days."""
    from matching.models import Match

    now = now or timezone.now()
    cutoff = (now - timedelta(days=NO_MEETING_DAYS)).date()
    matches = (
        Match.objects.filter(status=Match.Status.ACTIVE)
        .annotate(last_met=Max("meetings__occurred_on"))
        .filter(Q(last_met__lte=cutoff) | Q(last_met__isnull=True, created_at__date__lte=cutoff))
        .select_related("apm__user", "mentor__user", "cohort")
    )
    queued = 0
    for match in matches.iterator(chunk_size=500):
        anchor = match.last_met or match.created_at.date()
        queued += (
            notification_queue(
                kind=Notification.Kind.NO_MEETING,
                user=match.apm.user,
                obj=match,
                # One nudge per silence: the next one only after another meeting.
                period=f"since-{anchor.isoformat()}",
                subject=f"Time to catch up with {match.mentor.user.display_name}?",
                template="mentorship/email/no_meeting_nudge",
                context={
                    "match": match,
                    "anchor": anchor,
                    "log_url": absolute_url(reverse("meeting_new", args=[match.pk])),
                },
            )
            is not None
        )
    return queued


def daily_scan(now=None) -> dict[str, int]:
    return {
        "intake": intake_nudges_queue(now),
        "no_meeting": no_meeting_nudges_queue(now),
    }
