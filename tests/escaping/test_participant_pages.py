"""Participants' pages: home as APM and mentor, intake, meetings, rematch, promotions, journey."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.models import Meeting
from mentorship.models import Cohort, Enrollment, Notification
from tests.escaping.conftest import login, short_name

pytestmark = pytest.mark.django_db


def test_home_shows_each_side_of_the_pair_escaped(world, typed, shown):
    home = reverse("home")
    shown.page(
        login(world.apm.user),
        home,
        "apm",  # the nav shows the person's own name
        "mentor",
        "mentor-title",
        "mentor-unit",
        "cohort",
        "agency",  # the engine's reasons quote what the two have in common
        "domain",
        where="home as APM",
    )
    # The mentor sees the answers their mentee chose to share.
    shown.page(
        login(world.mentor.user),
        home,
        "apm",
        "apm-title",
        "apm-unit",
        "goals",
        "cohort",
        "agency",
        where="home as mentor",
    )
    shown.assert_all_escaped()


def _intake_data(world, typed, **changes):
    profile = world.apm.user.profile
    data = {
        "full_name": typed("apm"),
        "pronouns": typed("pn"),
        "title": typed("apm-title"),
        "level": "",
        "years_in_product": "",
        "bio": typed("bio"),
        "business_unit": profile.business_unit_id,
        "team": profile.team_id,
        "manager_email": world.manager.email,
        "time_zone": profile.time_zone,
        "agencies_text": typed("agency"),
        "domains_text": typed("domain"),
        "goals": typed("goals"),
        "career_track": world.apm.career_track,
        "cadence": world.apm.cadence,
        "prefers_other_unit": "on",
        "shared_with_mentor": ["goals"],
        "notes_for_committee": typed("notes"),
    }
    return {**data, **changes}


def test_intake_form_shows_saved_and_resubmitted_answers_escaped(world, typed, shown):
    # The world's cohort is matched; open its intake again to show the form.
    now = timezone.now()
    Cohort.objects.filter(pk=world.cohort.pk).update(
        status=Cohort.Status.INTAKE_OPEN,
        intake_opens_at=now - timedelta(days=1),
        intake_closes_at=now + timedelta(days=1),
    )
    apm_client = login(world.apm.user)
    url = reverse("intake", args=[world.cohort.slug, "apm"])
    profile_texts = ("apm", "pn", "apm-title", "bio", "agency", "domain")
    # Both units are options, and the teams of the APM's unit (the list is narrowed to
    # it): where "</option>" would break out.
    options = ("apm-unit", "mentor-unit", "apm-team")
    shown.page(
        apm_client,
        url,
        *profile_texts,
        *options,
        "goals",
        "notes",
        where="APM intake, saved answers",
    )
    # Every team, grouped under its unit's name (an optgroup label), when no unit is chosen.
    shown.page(apm_client, reverse("intake_teams"), "apm-team", "mentor-team", "apm-unit",
               "mentor-unit", where="the intake's team list")  # fmt: skip
    # No topic ticked: the form comes back with everything the person typed.
    response = apm_client.post(url, _intake_data(world, typed))
    assert response.status_code == 200
    assert response.context["intake_form"].errors
    shown.check(
        "APM intake, re-rendered after an error",
        response.content.decode(),
        *profile_texts,
        *options,
        "goals",
        "notes",
    )
    shown.page(
        login(world.mentor.user),
        reverse("intake", args=[world.cohort.slug, "mentor"]),
        "mentor",
        "mentor-title",
        "mentor-notes",
        "agency",
        where="mentor intake, saved answers",
    )
    shown.assert_all_escaped()


def test_meeting_log_and_form_show_notes_and_names_escaped(world, typed, shown):
    Meeting.objects.create(
        match=world.match,
        logged_by=world.apm.user,
        occurred_on=timezone.localdate(),
        duration_minutes=45,
        notes=typed("meeting-notes"),
    )
    mentor_client = login(world.mentor.user)
    shown.page(
        mentor_client,
        reverse("meetings", args=[world.match.pk]),
        "meeting-notes",
        "apm",
        "mentor",
        where="meeting log",
    )
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = mentor_client.post(
        reverse("meeting_new", args=[world.match.pk]),
        {"occurred_on": future, "duration_minutes": 30, "notes": typed("new-notes")},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    shown.check("meeting form, re-rendered after an error", response.content.decode(), "new-notes")
    shown.assert_all_escaped()


def test_rematch_page_and_promotion_report_escape_what_was_typed(world, typed, shown):
    apm_client = login(world.apm.user)
    rematch = reverse("matching:rematch_request", args=[world.match.pk])
    shown.page(
        apm_client,
        rematch,
        "mentor",
        exact=(short_name(typed("mentor")),),
        where="rematch request page",
    )
    too_long = typed("rematch") + "." * 2000
    response = apm_client.post(rematch, {"reason": too_long})
    assert response.context["form"].errors
    shown.check(
        "rematch request, re-rendered after an error",
        response.content.decode(),
        "mentor",
        exact=(too_long,),
    )

    report = reverse("promotion_report")
    # The form starts from the profile's title.
    shown.page(apm_client, report, "apm-title", where="promotion report form")
    data = {
        "from_title": typed("from-title"),
        "to_title": typed("from-title").upper(),
        "promoted_on": timezone.localdate().isoformat(),
    }
    response = apm_client.post(report, data)
    assert response.context["form"].errors  # the same title, only in capitals
    shown.check(
        "promotion report, re-rendered after an error",
        response.content.decode(),
        "from-title",
        exact=(typed("from-title").upper(),),
    )
    # Reported: the success message and the home page name the new title.
    shown.post(
        apm_client,
        report,
        {**data, "to_title": typed("to-title")},
        "to-title",
        where="home after reporting a promotion",
    )
    shown.assert_all_escaped()


def test_journey_page_and_its_reminder_escape_names(world, typed, shown, committee):
    month_ago = timezone.now() - timedelta(days=30)
    Enrollment.objects.filter(pk=world.stranded.pk).update(submitted_at=month_ago)
    committee_client = login(committee)
    journey = reverse("journey")
    shown.page(
        committee_client,
        journey,
        "cohort",
        "apm",
        "stranded",  # stalled at intake: listed with their actions
        where="journey",
        cohort=world.cohort.slug,
        days=7,
    )
    # The APM is matched without a meeting: the reminder names their mentor.
    shown.post(
        committee_client,
        reverse("journey_remind", args=[world.apm.pk]),
        {"days": 7},
        "apm",  # "Reminder queued for ..."
        where="journey after a reminder",
    )
    reminder = Notification.objects.get(kind=Notification.Kind.NO_MEETING, user=world.apm.user)
    shown.email(reminder, "mentor", short=("apm",))
    shown.assert_all_escaped()
