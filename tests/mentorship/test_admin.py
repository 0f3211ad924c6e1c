"""The committee's admin: cohort actions, the roster import page, CSV export, query counts."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentorship import roster
from mentorship.cohorts import COHORT_TRANSITION_NOT_ALLOWED
from mentorship.common.audit import audit_record
from mentorship.models import AuditLog, Cohort, Enrollment, Role, User
from tests.factories import (
    BusinessUnitFactory,
    CohortFactory,
    EnrollmentFactory,
    ProfileFactory,
    TeamFactory,
    UserFactory,
)
from tests.mentorship.test_roster import mentor, person, to_csv

pytestmark = pytest.mark.django_db

COHORT_CHANGELIST = reverse("admin:mentorship_cohort_changelist")
ENROLLMENT_CHANGELIST = reverse("admin:mentorship_enrollment_changelist")
EXPORT = reverse("admin:mentorship_enrollment_export")


def import_url(cohort):
    return reverse("admin:mentorship_cohort_import_roster", args=[cohort.pk])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def upload(data: bytes, name="roster.csv"):
    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.fixture
def admin_client(client, committee):
    client.force_login(committee)
    return client


@pytest.fixture
def staff_without_enrollment_rights(db):
    """Staff who may look at cohorts but not change enrollments (not on the committee)."""
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_cohort"))
    return user


# --- Cohort actions ---------------------------------------------------------------------


def run_action(client, action, *cohorts):
    return client.post(
        COHORT_CHANGELIST,
        {"action": action, "_selected_action": [c.pk for c in cohorts]},
        follow=True,
    )


def test_open_intake_action_moves_draft_cohorts_and_records_who_did_it(admin_client, committee):
    cohort = CohortFactory(status=Cohort.Status.DRAFT)

    response = run_action(admin_client, "open_intake", cohort)

    assert response.status_code == 200
    cohort.refresh_from_db()
    assert cohort.status == Cohort.Status.INTAKE_OPEN
    assert f"Now “Intake open”: {cohort.name}." in messages_of(response)
    assert AuditLog.objects.get(action="cohort.transition").actor == committee


@pytest.mark.parametrize(
    ("action", "start", "end"),
    [
        ("close_intake", Cohort.Status.INTAKE_OPEN, Cohort.Status.MATCHING),
        ("mark_active", Cohort.Status.MATCHING, Cohort.Status.ACTIVE),
        ("close", Cohort.Status.ACTIVE, Cohort.Status.CLOSED),
    ],
)
def test_each_action_moves_the_cohort_one_step(admin_client, action, start, end):
    cohort = CohortFactory(status=start)

    run_action(admin_client, action, cohort)

    cohort.refresh_from_db()
    assert cohort.status == end


def test_a_refused_transition_shows_the_services_message_and_moves_nothing(admin_client):
    draft = CohortFactory(status=Cohort.Status.DRAFT)
    closed = CohortFactory(status=Cohort.Status.CLOSED)

    response = run_action(admin_client, "mark_active", draft, closed)

    refused = [
        f"{cohort.name}: " + COHORT_TRANSITION_NOT_ALLOWED % {"current": label, "target": "Active"}
        for cohort, label in [(draft, "Draft"), (closed, "Closed")]
    ]
    assert sorted(messages_of(response)) == sorted(refused)
    assert [c.status for c in Cohort.objects.order_by("pk")] == ["draft", "closed"]
    assert not AuditLog.objects.filter(action="cohort.transition").exists()


def test_the_status_cannot_be_edited_on_the_change_form(admin_client):
    cohort = CohortFactory(status=Cohort.Status.DRAFT)
    url = reverse("admin:mentorship_cohort_change", args=[cohort.pk])

    page = admin_client.get(url).content.decode()
    admin_client.post(
        url,
        {
            "name": cohort.name,
            "slug": cohort.slug,
            "status": "closed",
            "intake_opens_at_0": "2026-01-01",
            "intake_opens_at_1": "09:00:00",
            "intake_closes_at_0": "2026-02-01",
            "intake_closes_at_1": "09:00:00",
            "program_starts_on": "2026-03-01",
            "program_ends_on": "2026-12-01",
        },
    )

    assert 'name="status"' not in page
    cohort.refresh_from_db()
    assert cohort.status == Cohort.Status.DRAFT
    assert cohort.program_starts_on.isoformat() == "2026-03-01"


def test_the_cohort_list_counts_submitted_apms_and_mentors(admin_client, cohort):
    EnrollmentFactory.create_batch(3, cohort=cohort, role=Role.APM)
    EnrollmentFactory(cohort=cohort, role=Role.APM, status=Enrollment.Status.WITHDRAWN)
    EnrollmentFactory(cohort=cohort, role=Role.MENTOR)

    response = admin_client.get(COHORT_CHANGELIST)

    result = response.context["cl"].result_list.get(pk=cohort.pk)
    assert (result.apm_count, result.mentor_count) == (3, 1)
    assert '<td class="field-apm_count">3</td>' in response.content.decode()


# --- The roster import page -------------------------------------------------------------


def test_the_cohort_page_links_to_the_import(admin_client, cohort):
    page = admin_client.get(reverse("admin:mentorship_cohort_change", args=[cohort.pk]))

    assert import_url(cohort) in page.content.decode()


def test_the_import_page_shows_the_form_and_the_columns(admin_client, cohort):
    response = admin_client.get(import_url(cohort))

    page = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_file">Roster file (CSV):</label>' in page
    assert 'type="checkbox" name="dry_run"' in page
    assert "<caption>Roster columns" in page
    assert "career-growth" in page


def test_importing_a_good_file_goes_to_the_cohorts_enrollments_with_the_counts(
    admin_client, cohort, committee
):
    response = admin_client.post(import_url(cohort), {"file": upload(to_csv(person(), mentor()))})

    assert response.status_code == 302
    assert response.url == f"{ENROLLMENT_CHANGELIST}?cohort__id__exact={cohort.pk}"
    assert Enrollment.objects.filter(cohort=cohort).count() == 2
    assert messages_of(response) == [
        f"Imported roster.csv into {cohort.name}. Rows: 2. People: 2 created, 0 updated. "
        "Enrollments: 2 created, 0 updated. Rows unchanged: 0. "
        "New business units: 1, new teams: 2."
    ]
    assert AuditLog.objects.get(action="roster.import").actor == committee

    listing = admin_client.get(response.url).content.decode()
    assert "ada@adhoc.example" in listing
    assert "grace@adhoc.example" in listing


def test_a_file_with_problems_lists_each_one_and_imports_nothing(admin_client, cohort):
    data = to_csv(person(time_zone="Mars"), mentor(capacity="7"))

    response = admin_client.post(import_url(cohort), {"file": upload(data), "dry_run": ""})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported." in page
    assert "We found 2 problems in the file" in page
    assert '<th scope="col" class="line">Line</th>' in page
    assert "<caption>Problems in the roster file, in line order</caption>" in page
    assert response.context["result"].errors == [
        roster.RowError(2, "time_zone", roster.TIME_ZONE_UNKNOWN % {"value": "Mars"}),
        roster.RowError(3, "capacity", roster.CAPACITY_INVALID % {"value": "7"}),
    ]
    assert "“Mars” is not a time zone we know" in page
    assert 'name="file"' in page  # the form is still there for the fixed file
    assert not User.objects.filter(email="ada@adhoc.example").exists()
    assert not Enrollment.objects.exists()


def test_a_dry_run_reports_what_would_change_and_keeps_the_box_ticked(admin_client, cohort):
    response = admin_client.post(
        import_url(cohort), {"file": upload(to_csv(person())), "dry_run": "on"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "No problems found in the file. Nothing has been imported yet" in page
    assert "People: 1 created" in page
    assert 'name="dry_run" id="id_dry_run" checked' in page
    assert not Enrollment.objects.exists()


def test_a_garbage_file_gets_a_clear_error(admin_client, cohort):
    response = admin_client.post(
        import_url(cohort), {"file": upload(b"\x89PNG\r\n\x1a\n\x00\x00", name="photo.png")}
    )

    assert roster.FILE_NOT_TEXT.replace("“", "&ldquo;") in response.content.decode().replace(
        "“", "&ldquo;"
    )
    assert not Enrollment.objects.exists()


def test_a_file_over_the_limit_is_refused_before_it_is_read(admin_client, cohort, monkeypatch):
    monkeypatch.setattr(roster, "MAX_ROSTER_BYTES", 1024 * 1024)

    response = admin_client.post(import_url(cohort), {"file": upload(b"x" * 3 * 1024 * 1024)})

    assert response.context["form"].errors["file"] == [
        roster.FILE_TOO_LARGE % {"size": "3 MB", "limit": "1 MB"}
    ]
    assert response.context["result"] is None


def test_an_empty_upload_is_refused_by_the_form(admin_client, cohort):
    response = admin_client.post(import_url(cohort), {"file": upload(b"")})

    assert response.context["form"].errors["file"]
    assert "Please correct the error below." in response.content.decode()


def test_the_import_page_refuses_other_methods(admin_client, cohort):
    assert admin_client.put(import_url(cohort)).status_code == 405


def test_an_unknown_cohort_sends_the_committee_back_to_the_admin_home(admin_client):
    response = admin_client.get(reverse("admin:mentorship_cohort_import_roster", args=[999]))

    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_staff_without_the_right_to_change_enrollments_get_403(
    client, cohort, staff_without_enrollment_rights
):
    client.force_login(staff_without_enrollment_rights)

    assert client.get(import_url(cohort)).status_code == 403
    response = client.post(import_url(cohort), {"file": upload(to_csv(person()))})
    assert response.status_code == 403
    assert not Enrollment.objects.exists()
    change_page = client.get(reverse("admin:mentorship_cohort_change", args=[cohort.pk]))
    assert import_url(cohort) not in change_page.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, cohort):
    response = client.get(import_url(cohort))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert client.post(import_url(cohort), {"file": upload(to_csv(person()))}).status_code == 302
    assert not Enrollment.objects.exists()


def test_participants_cannot_reach_the_import(client, cohort, apm):
    client.force_login(apm)

    assert client.get(import_url(cohort)).status_code == 302


# --- CSV export ---------------------------------------------------------------------------


def read_csv(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_export_follows_the_changelists_filters_and_search(admin_client, cohort):
    other = CohortFactory()
    EnrollmentFactory(cohort=cohort, user__full_name="Ada Lovelace", user__email="ada@x.example")
    EnrollmentFactory(cohort=cohort, user__full_name="Alan Turing", user__email="alan@x.example")
    EnrollmentFactory(cohort=other, user__full_name="Ada Other", user__email="ada2@x.example")

    everything = read_csv(admin_client.get(EXPORT))
    filtered = read_csv(admin_client.get(EXPORT, {"cohort__id__exact": cohort.pk, "q": "ada"}))

    assert everything[0] == list(roster.ROSTER_COLUMNS)
    assert len(everything) == 4
    assert [row[0] for row in filtered[1:]] == ["ada@x.example"]


def test_the_changelist_links_to_the_export_with_its_filters(admin_client, cohort):
    page = admin_client.get(ENROLLMENT_CHANGELIST, {"cohort__id__exact": cohort.pk, "q": "ada"})

    assert f'href="{EXPORT}?cohort__id__exact={cohort.pk}&amp;q=ada"' in page.content.decode()


def test_export_neutralises_spreadsheet_formulas(admin_client, cohort):
    enrollment = EnrollmentFactory(
        cohort=cohort,
        user__full_name='=HYPERLINK("http://evil.example")',
        goals="+1 more",
        topics=["career-growth", "accessibility"],
        profile__title="@admin",
    )

    rows = read_csv(admin_client.get(EXPORT))

    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["full_name"] == '\'=HYPERLINK("http://evil.example")'
    assert row["goals"] == "'+1 more"
    assert row["title"] == "'@admin"
    assert row["email"] == enrollment.user.email
    assert row["interests"] == "accessibility;career-growth"
    assert row["capacity"] == ""
    assert row["prefers_other_unit"] == "yes"


def test_export_action_exports_only_the_selected_enrollments(admin_client, cohort):
    chosen, _ = EnrollmentFactory.create_batch(2, cohort=cohort)

    response = admin_client.post(
        ENROLLMENT_CHANGELIST, {"action": "export_csv", "_selected_action": [chosen.pk]}
    )

    rows = read_csv(response)
    assert [row[0] for row in rows[1:]] == [chosen.user.email]


def test_export_with_a_bad_filter_goes_back_to_the_changelist(admin_client):
    response = admin_client.get(EXPORT, {"no_such_field": "1"})

    assert response.status_code == 302


def test_export_needs_the_right_to_view_enrollments(client, staff_without_enrollment_rights):
    client.force_login(staff_without_enrollment_rights)

    assert client.get(EXPORT).status_code == 403


def test_export_query_count_does_not_grow_with_rows(admin_client, cohort):
    EnrollmentFactory.create_batch(2, cohort=cohort, topics=["career-growth"])
    few = count_queries(admin_client, EXPORT)
    EnrollmentFactory.create_batch(8, cohort=cohort, topics=["career-growth"])

    assert count_queries(admin_client, EXPORT) == few


# --- Other admin pages ----------------------------------------------------------------


def test_audit_log_is_read_only(admin_client, committee):
    entry = audit_record(actor=committee, action="test.thing", target=None, summary="Did it")

    assert admin_client.get(reverse("admin:mentorship_auditlog_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:mentorship_auditlog_add")).status_code == 403
    change = admin_client.post(
        reverse("admin:mentorship_auditlog_change", args=[entry.pk]), {"summary": "Edited"}
    )
    assert change.status_code == 403
    delete = admin_client.post(
        reverse("admin:mentorship_auditlog_delete", args=[entry.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    entry.refresh_from_db()
    assert entry.summary == "Did it"


def test_business_unit_list_counts_teams_and_people(admin_client):
    profile = ProfileFactory()
    ProfileFactory(team=profile.team)
    unit = profile.team.business_unit
    ProfileFactory(team=TeamFactory(business_unit=unit))
    empty = BusinessUnitFactory(name="Nobody yet")

    response = admin_client.get(reverse("admin:mentorship_businessunit_changelist"))

    counts = {u.pk: (u.team_count, u.people_count) for u in response.context["cl"].result_list}
    assert counts == {unit.pk: (2, 3), empty.pk: (0, 0)}


def test_business_unit_page_shows_its_teams_inline(admin_client):
    profile = ProfileFactory()
    unit = profile.business_unit

    page = admin_client.get(reverse("admin:mentorship_businessunit_change", args=[unit.pk]))

    assert profile.team.name in page.content.decode()


def test_change_pages_open_with_their_autocomplete_widgets(admin_client, committee):
    enrollment = EnrollmentFactory(topics=["career-growth"])
    profile = enrollment.user.profile
    entry = audit_record(actor=committee, action="test.thing", target=None, summary="Did it")
    pages = {
        "enrollment": enrollment.pk,
        "profile": profile.pk,
        "team": profile.team.pk,
        "businessunit": profile.business_unit.pk,
        "auditlog": entry.pk,
        "cohort": enrollment.cohort.pk,
        "user": enrollment.user.pk,
    }

    for model, pk in pages.items():
        response = admin_client.get(reverse(f"admin:mentorship_{model}_change", args=[pk]))
        assert response.status_code == 200, model

    page = admin_client.get(reverse("admin:mentorship_enrollment_change", args=[enrollment.pk]))
    assert 'data-ajax--url="/admin/autocomplete/"' in page.content.decode()


# --- Query counts: every list costs the same whatever the number of rows ----------------


def count_queries(client, url, params=None):
    client.get(url, params or {})  # fills per-process caches (the permissions kept)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


def add_rows(n, committee):
    cohort = CohortFactory()
    for i in range(n):
        manager = UserFactory()
        enrollment = EnrollmentFactory(
            cohort=cohort,
            role=Role.MENTOR if i % 2 else Role.APM,
            topics=["career-growth"],
            profile__manager=manager,
        )
        audit_record(actor=committee, action="test.row", target=enrollment, summary=f"Row {i}")


CHANGELISTS = [
    "mentorship_cohort",
    "mentorship_enrollment",
    "mentorship_profile",
    "mentorship_businessunit",
    "mentorship_team",
    "mentorship_auditlog",
    "mentorship_user",
]


@pytest.mark.parametrize("name", CHANGELISTS)
def test_admin_lists_have_a_fixed_query_count(admin_client, committee, name):
    url = reverse(f"admin:{name}_changelist")
    add_rows(2, committee)
    few = count_queries(admin_client, url)

    add_rows(6, committee)

    assert count_queries(admin_client, url) == few


def test_enrollment_list_with_filters_and_search_has_a_fixed_query_count(admin_client, committee):
    add_rows(2, committee)
    params = {"role__exact": "apm", "q": "example"}
    few = count_queries(admin_client, ENROLLMENT_CHANGELIST, params)

    add_rows(6, committee)

    assert count_queries(admin_client, ENROLLMENT_CHANGELIST, params) == few
