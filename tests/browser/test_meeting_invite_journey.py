"""A matched APM reads why they were matched in words, sets a next meeting and downloads
its invitation; the mentor's email carries the same invitation."""

from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from matching import services
from mentorship.models import Profile
from tests.browser.test_intake_journey import sign_in
from tests.factories import CohortFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_matched_apm_sets_the_next_meeting_and_both_get_the_invitation(
    page, axe_check, mailoutbox, committee, units, live_server
):
    cohort = CohortFactory(status="active", intake_opens_at=timezone.now() - timedelta(days=60),
                           intake_closes_at=timezone.now() - timedelta(days=30))  # fmt: skip
    apm = EnrollmentFactory(cohort=cohort, topics=["career-growth"], prefers_other_unit=True,
                            profile__team__business_unit=units[0],
                            user__full_name="Avery Park")  # fmt: skip
    mentor = EnrollmentFactory(cohort=cohort, role="mentor", capacity=1, topics=["career-growth"],
                               profile__team__business_unit=units[1],
                               user__full_name="Jordan Lee")  # fmt: skip
    Profile.objects.filter(user=mentor.user).update(time_zone="America/Los_Angeles")
    services.match_create_by_hand(apm=apm, mentor=mentor, acting_user=committee)
    mailoutbox.clear()

    sign_in(page, apm.user)
    why = page.locator("p", has_text="Why you two:")
    expect(why).to_contain_text("You both care about career growth")
    expect(why).to_contain_text("you work in different business units")
    expect(why).not_to_contain_text("(+")
    axe_check(page)

    page.get_by_role("link", name="Log a meeting with Jordan Lee").click()
    axe_check(page)
    # The topics come grouped by category; typing narrows them.
    choices = page.locator("#topic-choices .form-check")
    total = choices.count()
    expect(page.locator("#topic-choices strong").first).to_be_visible()
    page.get_by_label("Find a topic you talked about").fill("representative does")
    expect(page.get_by_role("status").last).to_contain_text(f"1 of {total} topics shown")
    page.get_by_label("What a contracting officer's representative does").check()
    page.get_by_label("Find a topic you talked about").fill("")
    expect(page.locator("#topic-choices .form-check:visible")).to_have_count(total)
    next_day = timezone.localdate() + timedelta(days=14)
    page.get_by_label("How long did you meet? (minutes)").fill("45")
    page.get_by_label("Next meeting", exact=True).fill(next_day.isoformat())
    page.get_by_label("At what time?").fill("15:30")
    page.get_by_role("button", name="Log meeting").click()
    expect(page.get_by_role("status").first).to_contain_text("Meeting")

    link = page.locator("main a", has_text="add it to your calendar")
    with page.expect_download() as download:
        link.click()
    path = download.value.path()
    assert download.value.suggested_filename == "next-meeting.ics"
    with open(path, "rb") as ics:
        (apm_event,) = Calendar.from_ical(ics.read()).walk("VEVENT")
    assert apm_event.decoded("DTSTART").hour == 15
    axe_check(page)

    (mentor_mail,) = [m for m in mailoutbox if m.to == [mentor.user.email]]
    (_, content, _) = mentor_mail.attachments[0]
    (mentor_event,) = Calendar.from_ical(content).walk("VEVENT")
    assert mentor_event["UID"] == apm_event["UID"]
    assert mentor_event.decoded("DTSTART") == apm_event.decoded("DTSTART")
    assert str(mentor_event.decoded("DTSTART").tzinfo) == "America/Los_Angeles"
    assert live_server.url + "/" in mentor_mail.body  # the links follow the site's address
    meeting = apm.apm_matches.get().meetings.get()
    assert list(meeting.topics.values_list("slug", flat=True)) == ["what-a-cor-does"]
