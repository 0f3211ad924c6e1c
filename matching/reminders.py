"""The daily no-meeting nudge: an APM whose pair has not met for 30 days hears from us.

Safe to run any number of times: each nudge has a unique outbox key (kind, person,
match, the day of the last meeting), so a second scan queues nothing new.
"""

from datetime import timedelta

from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from matching.models import Match
from mentorship.models import Notification
from mentorship.outbox.queue import absolute_url, notification_queue

NO_MEETING_DAYS = 30


def no_meeting_nudges_queue(now=None) -> int:
    """APMs lead the meetings: nudge an APM whose pair has not met for 30 days."""
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
