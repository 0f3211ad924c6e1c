"""The calendar invitation to a pair's next meeting, as an .ics file (RFC 5545).

Built with ``icalendar``. With a time, the event starts at that instant shown in the
reader's own time zone (its VTIMEZONE included, so any calendar places it right); with
a date only, it is an all-day event on that date. The same UID for both people and
every download, so importing it twice updates one event instead of adding two.
"""

from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from matching.models import Meeting
from mentorship.models import User
from mentorship.outbox.queue import absolute_url

FILENAME = "next-meeting.ics"
MIMETYPE = "text/calendar"


def zone_of(user: User) -> ZoneInfo:
    try:
        return ZoneInfo(user.profile.time_zone)
    except Exception:  # no profile, or a zone this machine does not know
        return ZoneInfo(settings.TIME_ZONE)


def meeting_invite_ics(meeting: Meeting, *, reader: User) -> str:
    """The .ics of ``meeting``'s next meeting, for ``reader`` (the APM or the mentor)."""
    match = meeting.match
    apm, mentor = match.apm.user, match.mentor.user
    other = mentor if reader.pk == apm.pk else apm
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.PROGRAM_NAME}//Mentorship meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    event.add("uid", f"next-meeting-{match.pk}-{meeting.pk}@{host}")
    event.add("dtstamp", timezone.now())
    event.add("summary", f"Mentorship meeting with {other.display_name}")
    length = timedelta(minutes=meeting.duration_minutes or 60)
    if meeting.next_meeting_at:
        start = meeting.next_meeting_at.astimezone(zone_of(reader))
        event.add("dtstart", start)
        event.add("dtend", start + length)
    else:
        event.add("dtstart", meeting.next_meeting_on)
        event.add("dtend", meeting.next_meeting_on + timedelta(days=1))
    event.add(
        "description",
        f"{apm.display_name} (APM) and {mentor.display_name} (mentor), "
        f"{match.cohort.name}.\nYour mentorship page: {absolute_url(reverse('home'))}\n"
        f"Conversation prompts: {absolute_url(reverse('toolkit:topics'))}",
    )
    event.add("organizer", f"mailto:{apm.email}", parameters={"CN": apm.display_name})
    for person in (apm, mentor):
        event.add("attendee", f"mailto:{person.email}", parameters={"CN": person.display_name})
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical().decode()


def next_meeting_at(day, time, user: User) -> datetime | None:
    """The instant of a next meeting typed as a date and a time in ``user``'s time zone."""
    if day is None or time is None:
        return None
    return datetime.combine(day, time, tzinfo=zone_of(user))
