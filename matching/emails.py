"""The match introduction, queued in the outbox in the approval's own transaction."""

from django.utils import timezone

from matching.models import Match
from mentorship.models import Notification
from mentorship.outbox.queue import notification_queue


def match_introduction_queue(*, match: Match) -> int:
    """Queue the introduction to the APM and the mentor; the outbox keys make it once-only."""
    apm, mentor = match.apm.user, match.mentor.user
    queued = 0
    for recipient, other, noun, template in (
        (apm, mentor, "mentor", "matching/email/introduction_apm"),
        (mentor, apm, "mentee", "matching/email/introduction_mentor"),
    ):
        notification = notification_queue(
            kind=Notification.Kind.MATCH_INTRODUCTION,
            user=recipient,
            obj=match,
            subject=f"Meet your {noun}: {other.display_name}",
            template=template,
            context={"match": match},
        )
        queued += notification is not None
    Match.objects.filter(pk=match.pk, introduced_at=None).update(introduced_at=timezone.now())
    return queued
