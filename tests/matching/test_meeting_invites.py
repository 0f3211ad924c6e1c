"""The calendar invitation to a pair's next meeting: emailed to both, downloadable by both,
each in their own time zone."""

from datetime import time, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from mentorship.models import AuditLog, Notification, Profile
from tests.factories import UserFactory
from tests.matching import test_meetings

pytestmark = pytest.mark.django_db
cohort, match, meeting_data = test_meetings.cohort, test_meetings.match, test_meetings.meeting_data


def event_of(ics: str):
    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    return event


@pytest.fixture
def apart(match):
    """The APM in New York, the mentor in Los Angeles; the mentor's name has a comma."""
    Profile.objects.filter(user=match.apm.user).update(time_zone="America/New_York")
    Profile.objects.filter(user=match.mentor.user).update(time_zone="America/Los_Angeles")
    match.mentor.user.full_name = "Jordan Park, PMP"
    match.mentor.user.save()
    return match


def log(client, match, **overrides):
    client.force_login(match.apm.user)
    return client.post(reverse("meeting_new", args=[match.pk]), meeting_data(**overrides))


def test_a_next_meeting_with_a_time_invites_both_in_their_own_time_zones(
    client, apart, django_capture_on_commit_callbacks
):
    day = timezone.localdate() + timedelta(days=14)
    with django_capture_on_commit_callbacks(execute=True):
        response = log(client, apart, next_meeting_on=day.isoformat(), next_meeting_time="15:30")
    assert response.status_code == 302

    rows = Notification.objects.filter(kind=Notification.Kind.MEETING_INVITE)
    assert sorted(rows.values_list("to_email", flat=True)) == sorted(
        [apart.apm.user.email, apart.mentor.user.email]
    )
    sent = {message.to[0]: message for message in mail.outbox}
    apm_mail, mentor_mail = sent[apart.apm.user.email], sent[apart.mentor.user.email]
    (filename, apm_ics, mimetype) = apm_mail.attachments[0]
    assert (filename, mimetype) == ("next-meeting.ics", "text/calendar")
    apm_event, mentor_event = event_of(apm_ics), event_of(mentor_mail.attachments[0][1])

    # One instant, each shown in the reader's zone, under one UID.
    assert apm_event["UID"] == mentor_event["UID"]
    apm_start, mentor_start = apm_event.decoded("DTSTART"), mentor_event.decoded("DTSTART")
    assert apm_start == mentor_start
    assert (apm_start.hour, apm_start.minute, str(apm_start.tzinfo)) == (
        15, 30, "America/New_York"
    )  # fmt: skip
    assert (mentor_start.hour, str(mentor_start.tzinfo)) == (12, "America/Los_Angeles")
    assert mentor_event.decoded("DTEND") - mentor_start == timedelta(minutes=45)
    assert "TZID=America/Los_Angeles" in mentor_mail.attachments[0][1]
    assert "BEGIN:VTIMEZONE" in mentor_mail.attachments[0][1]
    # A comma in a name is escaped, never a broken line.
    assert "SUMMARY:Mentorship meeting with Jordan Park\\, PMP" in apm_ics
    assert f"is on {day:%A, %B} {day.day} at 3:30 PM (America/New_York)." in apm_mail.body
    assert "at 12:30 PM (America/Los_Angeles)." in mentor_mail.body
    assert "at 12:30 PM (America/Los_Angeles)" in mentor_mail.alternatives[0][0]
    assert AuditLog.objects.filter(action="matching.meeting_logged").count() == 1


def test_a_date_alone_is_an_all_day_invitation(client, match, django_capture_on_commit_callbacks):
    day = timezone.localdate() + timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        log(client, match, next_meeting_on=day.isoformat())
    event = event_of(mail.outbox[0].attachments[0][1])
    assert event.decoded("DTSTART") == day
    assert event.decoded("DTEND") == day + timedelta(days=1)


def test_no_next_meeting_sends_no_invitation(client, match, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        log(client, match, next_meeting_on="")
    assert not Notification.objects.filter(kind=Notification.Kind.MEETING_INVITE).exists()


def test_a_time_without_a_date_is_refused_with_what_to_do(client, match):
    response = log(client, match, next_meeting_on="", next_meeting_time="10:00")
    assert response.status_code == 200
    assert response.context["form"].errors["next_meeting_on"] == [
        "Add the date of the next meeting too, or leave its time blank."
    ]
    assert not match.meetings.exists()


def test_each_of_the_pair_downloads_it_from_home_and_no_one_else(client, apart):
    url = reverse("matching:next_meeting_ics", args=[apart.pk])
    client.force_login(apart.mentor.user)
    assert client.get(url).status_code == 404  # no next meeting yet

    log(client, apart, next_meeting_time=time(9, 0).isoformat(timespec="minutes"))
    assert url in client.get(reverse("home")).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar"
    assert response["Content-Disposition"] == 'attachment; filename="next-meeting.ics"'
    start = event_of(response.content.decode()).decoded("DTSTART")
    assert (start.hour, str(start.tzinfo)) == (9, "America/New_York")  # the APM's own view

    client.force_login(apart.mentor.user)
    start = event_of(client.get(url).content.decode()).decoded("DTSTART")
    assert (start.hour, str(start.tzinfo)) == (6, "America/Los_Angeles")

    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
