"""The committee's admin: change lists, change forms, select widgets, delete confirmations."""

import json
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from matching.models import Meeting, RematchRequest
from mentorship import graduation
from mentorship.models import Promotion
from tests.escaping.conftest import login
from tests.mentorship.test_roster import person, to_csv

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"admin:{name}", args=args)


def test_people_and_profiles_escape_names_and_profile_texts(world, typed, shown, committee):
    admin = login(committee)
    profile = world.apm.user.profile
    shown.page(
        admin,
        url("mentorship_user_changelist"),
        "apm",
        "mentor",
        "manager",
        "stranded",
        where="user list",
    )
    shown.page(admin, url("mentorship_user_change", world.apm.user.pk), "apm", where="user form")
    shown.page(
        admin,
        url("mentorship_profile_changelist"),
        "apm",
        "apm-title",
        "apm-unit",
        "apm-team",
        "manager",
        where="profile list",
    )
    shown.page(
        admin,
        url("mentorship_profile_change", profile.pk),
        # The autocomplete selects render the chosen person, manager, unit and team.
        "apm",
        "manager",
        "apm-unit",
        "apm-team",
        "apm-title",
        "pn",
        "bio",
        where="profile form",
        # Agencies and domains are JSON lists in the admin.
        exact=(
            json.dumps([typed("agency")], ensure_ascii=False),
            json.dumps([typed("domain")], ensure_ascii=False),
        ),
    )
    response = admin.post(
        url("mentorship_profile_changelist"),
        {"action": "delete_selected", "_selected_action": [profile.pk]},
    )
    shown.check("profile delete confirmation", response.content.decode(), "apm")
    shown.assert_all_escaped()


def test_units_and_teams_escape_their_names(world, typed, shown, committee):
    admin = login(committee)
    unit = world.apm.user.profile.business_unit
    team = world.apm.user.profile.team
    names = ("apm-unit", "apm-team")
    shown.page(
        admin,
        url("mentorship_businessunit_changelist"),
        "apm-unit",
        "mentor-unit",
        where="business unit list",
    )
    shown.page(
        admin,
        url("mentorship_businessunit_change", unit.pk),
        *names,
        where="business unit form with its teams",
    )
    shown.page(admin, url("mentorship_team_changelist"), *names, "mentor-team", where="team list")
    shown.page(admin, url("mentorship_team_change", team.pk), *names, where="team form")
    # Its teams protect the unit: the page lists them.
    shown.page(
        admin,
        url("mentorship_businessunit_delete", unit.pk),
        *names,
        where="business unit delete confirmation",
    )
    shown.assert_all_escaped()


def test_cohorts_and_enrollments_escape_intake_answers(world, typed, shown, committee):
    admin = login(committee)
    shown.page(admin, url("mentorship_cohort_changelist"), "cohort", where="cohort list")
    shown.page(
        admin,
        url("mentorship_cohort_change", world.cohort.pk),
        "cohort",
        where="cohort form",
    )
    shown.page(
        admin,
        url("mentorship_enrollment_changelist"),
        "apm",
        "mentor",
        "cohort",
        "apm-unit",
        "mentor-unit",
        where="enrollment list",
    )
    shown.page(
        admin,
        url("mentorship_enrollment_change", world.apm.pk),
        "apm",
        "cohort",
        "goals",
        "notes",
        where="enrollment form",
    )
    shown.assert_all_escaped()


def test_meetings_rematch_requests_and_promotions_escape_what_people_typed(
    world, typed, shown, committee
):
    meeting = Meeting.objects.create(
        match=world.match,
        logged_by=world.apm.user,
        occurred_on=timezone.localdate(),
        duration_minutes=30,
        notes=typed("meeting-notes"),
    )
    login(world.mentor.user).post(
        reverse("matching:rematch_request", args=[world.match.pk]), {"reason": typed("rematch")}
    )
    rematch = RematchRequest.objects.get(match=world.match)
    promotion = graduation.promotion_report(
        user=world.apm.user,
        from_title=typed("from-title"),
        to_title=typed("to-title"),
        promoted_on=timezone.localdate(),
    )
    admin = login(committee)
    pair = ("apm", "mentor")
    shown.page(admin, url("matching_meeting_changelist"), *pair, where="meeting list")
    shown.page(admin, url("matching_meeting_change", meeting.pk), *pair, where="meeting page")
    shown.page(
        admin, url("matching_rematchrequest_changelist"), *pair, where="rematch request list"
    )
    shown.page(
        admin,
        url("matching_rematchrequest_change", rematch.pk),
        *pair,
        "rematch",
        where="rematch request page",
    )
    titles = ("from-title", "to-title")
    shown.page(
        admin,
        url("mentorship_promotion_changelist"),
        "apm",
        *titles,
        where="promotion list",
    )
    shown.page(
        admin,
        url("mentorship_promotion_change", promotion.pk),
        "apm",
        *titles,
        where="promotion page",
    )
    shown.post(
        admin,
        url("mentorship_promotion_changelist"),
        {"action": "confirm_selected", "_selected_action": [promotion.pk]},
        "apm",
        *titles,
        where="promotion list after confirming",
    )
    assert Promotion.objects.get().status == Promotion.Status.CONFIRMED
    # The journey's "Record a promotion" link starts the form from the person's title.
    query = urlencode({"user": world.stranded.user.pk, "from_title": typed("journey-title")})
    shown.page(
        admin,
        f"{url('mentorship_promotion_add')}?{query}",
        "stranded",
        "journey-title",
        where="promotion form from the journey",
    )
    shown.page(
        admin,
        url("mentorship_auditlog_changelist"),
        "apm",
        "cohort",
        *titles,
        where="audit log",
    )
    shown.assert_all_escaped()


def test_roster_import_escapes_the_files_values(typed, shown, committee, cohort, categories):
    admin = login(committee)
    import_url = url("mentorship_cohort_import_roster", cohort.pk)
    row = person(
        full_name=typed("roster-name"),
        title=typed("roster-title"),
        business_unit=typed("roster-unit"),
        team=typed("roster-team"),
        goals=typed("roster-goals"),
    )

    def upload(*rows):
        return {"file": SimpleUploadedFile("roster.csv", to_csv(*rows), content_type="text/csv")}

    # A problem quotes the value it found.
    response = admin.post(import_url, upload({**row, "role": typed("roster-role")}))
    assert response.status_code == 200
    shown.check("roster import problems", response.content.decode(), "roster-role")
    shown.post(
        admin,
        import_url,
        upload(row),
        "roster-name",
        "roster-unit",
        where="enrollments after a roster import",
    )
    enrollment = cohort.enrollments.get()
    shown.page(
        admin,
        url("mentorship_enrollment_change", enrollment.pk),
        "roster-name",
        "roster-goals",
        where="imported enrollment form",
    )
    shown.page(
        admin,
        url("mentorship_profile_change", enrollment.user.profile.pk),
        "roster-title",
        "roster-unit",
        "roster-team",
        where="imported profile form",
    )
    shown.assert_all_escaped()
