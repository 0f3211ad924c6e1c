"""The match introduction: queued in the outbox by a worker once the approval commits.

Approving thousands of pairs must not render thousands of emails inside the request,
so a new match is introduced by ``introductions_queue`` (the task
``matching.tasks.introduce_matches``, enqueued on commit of the approval). The match
keeps ``introduced_at`` empty until then; ``introductions_sweep`` (every minute) queues
any a lost task left behind. Both are safe to run twice: a match is introduced once
(``introduced_at`` is claimed under a row lock) and the outbox keys are unique.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from matching.engine.words import APM, MENTOR
from matching.models import Match
from matching.selectors import match_words, with_run_weights
from mentorship.models import Notification
from mentorship.outbox.queue import notification_queue


def match_introduction_queue(*, match: Match) -> int:
    """Queue the introduction to the APM and the mentor; the outbox keys make it once-only."""
    apm, mentor = match.apm.user, match.mentor.user
    queued = 0
    for recipient, other, noun, template, viewer in (
        (apm, mentor, "mentor", "matching/email/introduction_apm", APM),
        (mentor, apm, "mentee", "matching/email/introduction_mentor", MENTOR),
    ):
        notification = notification_queue(
            kind=Notification.Kind.MATCH_INTRODUCTION,
            user=recipient,
            obj=match,
            subject=f"Meet your {noun}: {other.display_name}",
            template=template,
            context={"match": match, "words": match_words(match, viewer=viewer)},
        )
        queued += notification is not None
    Match.objects.filter(pk=match.pk, introduced_at=None).update(introduced_at=timezone.now())
    return queued


INTRODUCE_TASK = "matching.tasks.introduce_matches"
# A match not introduced this long after it was made lost its task: the sweep takes it.
INTRODUCTION_GRACE = timedelta(minutes=2)


@transaction.atomic
def introductions_queue(*, match_ids) -> int:
    """Queue the introductions of those of these active matches not introduced yet."""
    matches = list(
        with_run_weights(
            Match.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=match_ids, introduced_at=None, status=Match.Status.ACTIVE)
            .select_related("cohort", "apm__user__profile", "mentor__user__profile")
            .prefetch_related("apm__topics")
            .order_by("pk")
        )
    )
    for match in matches:
        match_introduction_queue(match=match)
    return len(matches)


def introductions_sweep() -> int:
    """Introduce the active matches whose task was lost (the broker was down, a crash)."""
    cutoff = timezone.now() - INTRODUCTION_GRACE
    waiting = Match.objects.filter(
        introduced_at=None, status=Match.Status.ACTIVE, created_at__lte=cutoff
    ).values_list("pk", flat=True)
    return introductions_queue(match_ids=list(waiting[:5000]))
