"""The pair's meeting log: the APM leads the meetings, either person logs them."""

from django.core.exceptions import ValidationError
from django.db import transaction

from matching.models import Match, Meeting
from mentorship.models import User

MEETING_MATCH_ENDED = "This match has ended, so no more meetings can be logged for it."


@transaction.atomic
def meeting_log(
    *,
    match,
    logged_by: User,
    occurred_on,
    duration_minutes: int,
    topics,
    notes: str = "",
    next_meeting_on=None,
) -> Meeting:
    """Record a meeting of a pair. The caller has checked that logged_by is in the pair."""
    if match.status != Match.Status.ACTIVE:
        raise ValidationError(MEETING_MATCH_ENDED, code="match_ended")
    meeting = Meeting(
        match=match,
        logged_by=logged_by,
        occurred_on=occurred_on,
        duration_minutes=duration_minutes,
        notes=notes,
        next_meeting_on=next_meeting_on,
    )
    meeting.full_clean(exclude=["match", "logged_by"])
    meeting.save()
    meeting.topics.set(topics)
    return meeting
