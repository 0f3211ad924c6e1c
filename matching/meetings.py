"""The pair's meeting log: the APM leads the meetings, either person logs them."""

from django.core.exceptions import ValidationError
from django.db import transaction

from matching.invites import FILENAME, MIMETYPE, meeting_invite_ics, next_meeting_at, zone_of
from matching.models import Match, Meeting
from mentorship.common.audit import audit_record
from mentorship.models import Notification, User
from mentorship.outbox.queue import notification_queue

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
    next_meeting_time=None,
) -> Meeting:
    """Record a meeting of a pair. The caller has checked that logged_by is in the pair.

    A next meeting sends both people its calendar invitation (an .ics in each one's
    time zone), through the outbox after commit. ``next_meeting_time`` is read in the
    time zone of whoever logs it.
    """
    if match.status != Match.Status.ACTIVE:
        raise ValidationError(MEETING_MATCH_ENDED, code="match_ended")
    meeting = Meeting(
        match=match,
        logged_by=logged_by,
        occurred_on=occurred_on,
        duration_minutes=duration_minutes,
        notes=notes,
        next_meeting_on=next_meeting_on,
        next_meeting_at=next_meeting_at(next_meeting_on, next_meeting_time, logged_by),
    )
    meeting.full_clean(exclude=["match", "logged_by"])
    meeting.save()
    meeting.topics.set(topics)
    audit_record(
        actor=logged_by,
        action="matching.meeting_logged",
        target=meeting,
        summary=f"Meeting of {match.apm.user} with {match.mentor.user} on {occurred_on}",
    )
    if next_meeting_on:
        meeting_invites_queue(meeting=meeting)
    return meeting


def meeting_invites_queue(*, meeting: Meeting) -> int:
    """Email the APM and the mentor the invitation to the next meeting, once each."""
    match = meeting.match
    queued = 0
    for reader in (match.apm.user, match.mentor.user):
        other = match.mentor.user if reader.pk == match.apm.user_id else match.apm.user
        ics = meeting_invite_ics(meeting, reader=reader)
        notification = notification_queue(
            kind=Notification.Kind.MEETING_INVITE,
            user=reader,
            obj=meeting,
            subject=f"Next meeting with {other.display_name}: "
            f"{meeting.next_meeting_on:%B} {meeting.next_meeting_on.day}",
            template="matching/email/meeting_invite",
            context={
                "meeting": meeting,
                "other": other,
                "starts": _starts_for(meeting, reader),
            },
            attachments=[{"filename": FILENAME, "content": ics, "mimetype": MIMETYPE}],
        )
        queued += notification is not None
    return queued


def _starts_for(meeting: Meeting, reader: User) -> str:
    """When the next meeting is, in words and in ``reader``'s time zone."""
    day = meeting.next_meeting_on
    if meeting.next_meeting_at is None:
        return f"{day:%A, %B} {day.day}"
    zone = zone_of(reader)
    start = meeting.next_meeting_at.astimezone(zone)
    hour = start.hour % 12 or 12
    return f"{start:%A, %B} {start.day} at {hour}:{start:%M %p} ({zone.key})"
