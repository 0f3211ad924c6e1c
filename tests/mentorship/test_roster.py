"""The roster import: validation with line and column, idempotent bulk writes, the command."""

import csv
import io

import pytest
from django.contrib.auth.hashers import is_password_usable
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from mentorship import roster
from mentorship.common.spreadsheets import spreadsheet_safe
from mentorship.models import (
    AuditLog,
    BusinessUnit,
    Cohort,
    Enrollment,
    Profile,
    Role,
    Team,
    User,
)
from mentorship.roster import RowError, roster_export_rows, roster_import
from tests.factories import (
    BusinessUnitFactory,
    CohortFactory,
    EnrollmentFactory,
    ProfileFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

VALID_TOPICS = (
    "building-rapport, government-contracting, product-frameworks, user-research, "
    "accessibility, stakeholder-management, people-management, career-growth, "
    "work-life-balance, data-and-metrics, technical-fluency"
)


def person(**values) -> dict:
    """One roster row: an APM with every required value, changed by ``values``."""
    return {
        "email": "ada@adhoc.example",
        "full_name": "Ada Lovelace",
        "role": "apm",
        "title": "Associate Product Manager",
        "business_unit": "Digital Services",
        "team": "Benefits",
        "manager_email": "",
        "time_zone": "America/New_York",
        "interests": "career-growth;user-research",
        "career_track": "",
        "capacity": "",
        "prefers_other_unit": "",
        "goals": "",
        **values,
    }


def mentor(**values) -> dict:
    return person(
        **{
            "email": "grace@adhoc.example",
            "full_name": "Grace Hopper",
            "role": "mentor",
            "title": "Senior Product Manager",
            "team": "Platform",
            "interests": "career-growth;people-management",
            "career_track": "people_manager",
            "capacity": "2",
            **values,
        }
    )


def to_csv(*rows: dict, columns=None) -> bytes:
    columns = columns or list(rows[0]) if rows else list(roster.ROSTER_COLUMNS)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue().encode()


def run(data: bytes, cohort, **kwargs):
    return roster_import(data=data, cohort=cohort, **kwargs)


def snapshot():
    """Everything an import may touch, including when each row last changed."""
    return {
        "users": sorted(User.objects.values_list("email", "full_name", "password")),
        "units": sorted(BusinessUnit.objects.values_list("name", "updated_at")),
        "teams": sorted(Team.objects.values_list("business_unit__name", "name", "updated_at")),
        "profiles": sorted(
            Profile.objects.values_list(
                "user__email",
                "title",
                "business_unit__name",
                "team__name",
                "manager__email",
                "time_zone",
                "updated_at",
            ),
            key=str,
        ),
        "enrollments": sorted(
            Enrollment.objects.values_list(
                "user__email",
                "cohort__slug",
                "role",
                "status",
                "career_track",
                "capacity",
                "prefers_other_unit",
                "goals",
                "submitted_at",
                "updated_at",
            ),
            key=str,
        ),
        "topics": sorted(
            Enrollment.topics.through.objects.values_list(
                "id", "enrollment__user__email", "category__slug"
            )
        ),
        "audit": AuditLog.objects.count(),
    }


def nothing_written():
    return not (
        User.objects.exists()
        or BusinessUnit.objects.exists()
        or Profile.objects.exists()
        or Enrollment.objects.exists()
        or AuditLog.objects.filter(action="roster.import").exists()
    )


# --- Writing --------------------------------------------------------------------------


def test_import_creates_people_profiles_units_teams_and_submitted_enrollments(cohort):
    result = run(to_csv(person(manager_email="grace@adhoc.example"), mentor()), cohort)

    assert result.ok, result.errors
    assert result.counts() == {
        "rows": 2,
        "people_created": 2,
        "people_updated": 0,
        "enrollments_created": 2,
        "enrollments_updated": 0,
        "unchanged": 0,
        "business_units_created": 1,
        "teams_created": 2,
    }
    ada = User.objects.get(email="ada@adhoc.example")
    assert ada.full_name == "Ada Lovelace"
    assert not is_password_usable(ada.password)
    assert ada.profile.business_unit.name == "Digital Services"
    assert ada.profile.team.name == "Benefits"
    assert ada.profile.team.business_unit == ada.profile.business_unit
    assert ada.profile.manager.email == "grace@adhoc.example"
    assert ada.profile.time_zone == "America/New_York"
    assert ada.profile.title == "Associate Product Manager"

    apm = Enrollment.objects.get(user=ada)
    assert (apm.cohort, apm.role, apm.status) == (cohort, Role.APM, Enrollment.Status.SUBMITTED)
    assert apm.submitted_at is not None
    assert (apm.career_track, apm.capacity, apm.prefers_other_unit) == ("undecided", None, True)
    assert set(apm.topics.values_list("slug", flat=True)) == {"career-growth", "user-research"}

    grace = Enrollment.objects.get(user__email="grace@adhoc.example")
    assert (grace.role, grace.capacity, grace.career_track) == ("mentor", 2, "people_manager")


def test_emails_are_lowercased_and_match_existing_people_whatever_their_case(cohort):
    existing = UserFactory(email="Grace@AdHoc.example", full_name="G. Hopper")

    result = run(to_csv(person(email="ADA@adhoc.example"), mentor()), cohort)

    assert result.ok, result.errors
    assert User.objects.filter(email="ada@adhoc.example").exists()
    existing.refresh_from_db()
    assert existing.full_name == "Grace Hopper"
    assert is_password_usable(existing.password)  # their own password is kept
    assert (result.people_created, result.people_updated) == (1, 1)


def test_importing_the_same_file_twice_changes_nothing(cohort):
    data = to_csv(
        person(
            manager_email="grace@adhoc.example",
            goals="Learn discovery",
            career_track="individual_contributor",
        ),
        mentor(),
    )
    assert run(data, cohort).ok
    before = snapshot()

    again = run(data, cohort)

    assert again.ok
    assert again.counts() == {
        "rows": 2,
        "people_created": 0,
        "people_updated": 0,
        "enrollments_created": 0,
        "enrollments_updated": 0,
        "unchanged": 2,
        "business_units_created": 0,
        "teams_created": 0,
    }
    after = snapshot()
    assert after.pop("audit") == before.pop("audit") + 1  # the import itself is recorded
    assert after == before


def test_import_updates_an_existing_person_and_sets_their_topics_exactly(cohort):
    enrollment = EnrollmentFactory(
        cohort=cohort,
        user__email="ada@adhoc.example",
        user__full_name="Ada King",
        topics=["accessibility", "career-growth"],
        goals="Old goals",
    )
    other_cohort = EnrollmentFactory(user=enrollment.user, topics=["accessibility"])
    BusinessUnitFactory(name="Digital Services")

    result = run(to_csv(person(goals="New goals", prefers_other_unit="no")), cohort)

    assert result.ok, result.errors
    assert (result.people_updated, result.enrollments_updated, result.unchanged) == (1, 1, 0)
    enrollment.refresh_from_db()
    user = enrollment.user
    user.refresh_from_db()
    assert user.full_name == "Ada Lovelace"
    assert user.profile.business_unit.name == "Digital Services"
    assert user.profile.team.name == "Benefits"
    assert (enrollment.goals, enrollment.prefers_other_unit) == ("New goals", False)
    assert set(enrollment.topics.values_list("slug", flat=True)) == {
        "career-growth",
        "user-research",
    }
    assert list(other_cohort.topics.values_list("slug", flat=True)) == ["accessibility"]
    assert BusinessUnit.objects.filter(name="Digital Services").count() == 1


def test_a_topic_change_alone_counts_as_an_enrollment_update(cohort):
    assert run(to_csv(person()), cohort).ok

    result = run(to_csv(person(interests="career-growth")), cohort)

    assert (result.people_updated, result.enrollments_updated, result.unchanged) == (0, 1, 0)
    assert list(Enrollment.objects.get().topics.values_list("slug", flat=True)) == [
        "career-growth"
    ]


def test_a_withdrawn_enrollment_is_resubmitted(cohort):
    assert run(to_csv(person()), cohort).ok
    enrollment = Enrollment.objects.get()
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.WITHDRAWN)

    result = run(to_csv(person()), cohort)

    assert result.enrollments_updated == 1
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.SUBMITTED
    assert enrollment.submitted_at > enrollment.created_at


def test_business_units_and_teams_match_existing_names_ignoring_case_and_spaces(cohort):
    unit = BusinessUnitFactory(name="Digital Services")
    team = Team.objects.create(business_unit=unit, name="Benefits")

    result = run(
        to_csv(person(business_unit=" digital  services ", team="BENEFITS")),
        cohort,
    )

    assert result.ok
    assert (result.business_units_created, result.teams_created) == (0, 0)
    assert Profile.objects.get().team == team


def test_the_same_team_name_in_two_units_is_two_teams(cohort):
    result = run(
        to_csv(person(), mentor(email="m@adhoc.example", business_unit="Health", team="Benefits")),
        cohort,
    )

    assert (result.business_units_created, result.teams_created) == (2, 2)


def test_managers_may_come_later_in_the_file_or_already_have_an_account(cohort):
    boss = UserFactory(email="boss@adhoc.example")
    rows = [
        person(manager_email="grace@adhoc.example"),
        mentor(manager_email="BOSS@adhoc.example"),
    ]

    assert run(to_csv(*rows), cohort).ok

    assert Profile.objects.get(user__email="ada@adhoc.example").manager.email == (
        "grace@adhoc.example"
    )
    assert Profile.objects.get(user__email="grace@adhoc.example").manager == boss


def test_columns_may_come_in_any_order_with_any_case_and_spacing(cohort):
    row = person()
    data = (
        " Interests ,TIME ZONE,Team,Business-Unit,Role,Full Name,Email\n"
        f"{row['interests']},{row['time_zone']},{row['team']},{row['business_unit']},"
        f"{row['role']},{row['full_name']},{row['email']}\n"
    ).encode()

    result = run(data, cohort)

    assert result.ok, result.errors
    assert Enrollment.objects.get().user.full_name == "Ada Lovelace"


def test_extra_columns_are_ignored_and_reported_in_a_note(cohort):
    data = to_csv(
        {**person(), "Start date": "2026-01-05", "Notes": "=1+1"},
        columns=[*roster.ROSTER_COLUMNS, "Start date", "Notes"],
    )

    result = run(data, cohort)

    assert result.ok
    assert roster.NOTE_EXTRA_COLUMNS % {"columns": "Start date, Notes"} in result.notes


def test_absent_optional_columns_keep_what_is_recorded(cohort):
    boss = UserFactory(email="boss@adhoc.example")
    ProfileFactory(user__email="ada@adhoc.example", title="Product Manager", manager=boss)
    required = list(roster.REQUIRED_COLUMNS)

    result = run(to_csv(person(), columns=required), cohort)

    assert result.ok, result.errors
    profile = Profile.objects.get(user__email="ada@adhoc.example")
    assert (profile.title, profile.manager) == ("Product Manager", boss)
    assert (
        roster.NOTE_COLUMNS_ABSENT
        % {"columns": "title, manager_email, career_track, prefers_other_unit, goals"}
        in result.notes
    )


def test_utf8_with_a_byte_order_mark_is_read(cohort):
    data = "\ufeff".encode() + to_csv(person(full_name="Zoë Ångström"))

    result = run(data, cohort)

    assert result.ok, result.errors
    assert result.notes == []
    assert User.objects.get().full_name == "Zoë Ångström"


def test_a_windows_cp1252_file_is_read_with_a_note(cohort):
    data = to_csv(person(full_name="José Núñez", goals="Learn “discovery” — fast")).decode()

    result = run(data.encode("cp1252"), cohort)

    assert result.ok, result.errors
    assert roster.NOTE_CP1252 in result.notes
    assert User.objects.get().full_name == "José Núñez"
    assert Enrollment.objects.get().goals == "Learn “discovery” — fast"


def test_a_cp1252_file_behind_a_byte_order_mark_still_has_its_header(cohort):
    data = to_csv(person(full_name="Renée Façade")).decode().encode("cp1252")

    result = run(b"\xef\xbb\xbf" + data, cohort)

    assert result.ok, result.errors
    assert User.objects.get().full_name == "Renée Façade"


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolons"), ("\t", "tabs")])
def test_files_separated_by_semicolons_or_tabs_are_read_with_a_note(cohort, delimiter, name):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerows([list(person()), list(person().values())])

    result = run(buffer.getvalue().encode(), cohort)

    assert result.ok, result.errors
    assert roster.NOTE_DELIMITER % {"name": name} in result.notes
    assert Enrollment.objects.get().topics.count() == 2


def test_topic_names_and_blank_rows_are_accepted(cohort):
    data = to_csv(person(interests="Career growth; user-research;")) + b",,,,\n\n"

    result = run(data, cohort)

    assert result.ok, result.errors
    assert result.rows == 1
    assert Enrollment.objects.get().topics.count() == 2


def test_someone_enrolled_with_the_other_role_is_left_alone_with_a_note(cohort):
    EnrollmentFactory(cohort=cohort, user__email="grace@adhoc.example", role=Role.APM)

    result = run(to_csv(mentor()), cohort)

    assert result.ok
    assert Enrollment.objects.filter(user__email="grace@adhoc.example").count() == 2
    assert (
        roster.NOTE_OTHER_ROLE
        % {"cohort": cohort.name, "examples": "grace@adhoc.example", "count": 1}
        in result.notes
    )


def test_a_successful_import_is_recorded_in_the_audit_log(cohort, committee):
    run(to_csv(person()), cohort, acting_user=committee)

    entry = AuditLog.objects.get(action="roster.import")
    assert entry.actor == committee
    assert entry.target == f"mentorship.cohort:{cohort.pk}"
    assert entry.details["people_created"] == 1
    assert cohort.name in entry.summary


def test_a_dry_run_counts_what_would_change_and_writes_nothing(cohort):
    result = run(to_csv(person(), mentor()), cohort, dry_run=True)

    assert result.ok
    assert result.dry_run
    assert (result.people_created, result.enrollments_created) == (2, 2)
    assert nothing_written()


def test_a_dry_run_of_an_unchanged_file_reports_every_row_unchanged(cohort):
    data = to_csv(person(), mentor())
    run(data, cohort)
    before = snapshot()

    result = run(data, cohort, dry_run=True)

    assert result.unchanged == 2
    assert snapshot() == before


def test_a_race_with_another_writer_imports_nothing_and_says_try_again(cohort, monkeypatch):
    def clash(*args, **kwargs):
        raise IntegrityError("duplicate key")

    monkeypatch.setattr(Enrollment.objects, "bulk_create", clash)

    result = run(to_csv(person()), cohort)

    assert [e.message for e in result.errors] == [roster.IMPORT_CONFLICT]
    assert nothing_written()


def test_a_closed_cohort_takes_no_roster(db):
    cohort = CohortFactory(status=Cohort.Status.CLOSED)

    result = run(to_csv(person()), cohort)

    assert [e.message for e in result.errors] == [roster.COHORT_CLOSED % {"cohort": cohort.name}]
    assert nothing_written()


# --- Row problems ---------------------------------------------------------------------

# (row values, column, message) for the second row of a file whose first row is fine.
ROW_PROBLEMS = {
    "unknown topic": (
        {"interests": "career-growth;basket-weaving"},
        "interests",
        roster.CATEGORY_UNKNOWN % {"values": "“basket-weaving”", "valid": VALID_TOPICS},
    ),
    "no topics": (
        {"interests": " ; "},
        "interests",
        roster.INTERESTS_REQUIRED % {"valid": VALID_TOPICS},
    ),
    "bad email": (
        {"email": "grace.adhoc.example"},
        "email",
        roster.EMAIL_INVALID % {"value": "grace.adhoc.example"},
    ),
    "bad role": ({"role": "mentee"}, "role", roster.ROLE_INVALID % {"value": "mentee"}),
    "capacity too big": ({"capacity": "4"}, "capacity", roster.CAPACITY_INVALID % {"value": "4"}),
    "capacity zero": ({"capacity": "0"}, "capacity", roster.CAPACITY_INVALID % {"value": "0"}),
    "capacity not a number": (
        {"capacity": "two"},
        "capacity",
        roster.CAPACITY_INVALID % {"value": "two"},
    ),
    "capacity missing for a mentor": ({"capacity": ""}, "capacity", roster.CAPACITY_REQUIRED),
    "capacity for an APM": (
        {"role": "apm", "capacity": "2"},
        "capacity",
        roster.CAPACITY_FOR_APM,
    ),
    "unknown time zone": (
        {"time_zone": "Eastern"},
        "time_zone",
        roster.TIME_ZONE_UNKNOWN % {"value": "Eastern"},
    ),
    "unknown career track": (
        {"career_track": "astronaut"},
        "career_track",
        roster.CAREER_TRACK_INVALID % {"value": "astronaut"},
    ),
    "not yes or no": (
        {"prefers_other_unit": "maybe"},
        "prefers_other_unit",
        roster.YES_NO_INVALID % {"value": "maybe"},
    ),
    "unknown manager": (
        {"manager_email": "nobody@adhoc.example"},
        "manager_email",
        roster.MANAGER_UNKNOWN % {"email": "nobody@adhoc.example"},
    ),
    "bad manager email": (
        {"manager_email": "nobody"},
        "manager_email",
        roster.EMAIL_INVALID % {"value": "nobody"},
    ),
    "own manager": (
        {"manager_email": "Grace@adhoc.example"},
        "manager_email",
        roster.MANAGER_SELF,
    ),
    "duplicate email": (
        {"email": "ADA@adhoc.example"},
        "email",
        roster.EMAIL_DUPLICATE % {"email": "ada@adhoc.example", "first_line": 2},
    ),
    "name too long": (
        {"full_name": "x" * 201},
        "full_name",
        roster.VALUE_TOO_LONG % {"length": 201, "limit": 200},
    ),
    **{
        f"missing {column}": (
            {column: ""},
            column,
            roster.VALUE_REQUIRED % {"what": column.replace("_", " ")},
        )
        for column in ("email", "full_name", "role", "business_unit", "team", "time_zone")
    },
}


@pytest.mark.parametrize(
    ("values", "column", "message"), ROW_PROBLEMS.values(), ids=ROW_PROBLEMS.keys()
)
def test_a_bad_value_is_reported_with_its_line_and_column_and_nothing_is_written(
    cohort, values, column, message
):
    result = run(to_csv(person(), mentor(**values)), cohort)

    assert result.errors == [RowError(3, column, message)]
    assert not result.ok
    assert nothing_written()


def test_every_problem_in_the_file_is_reported_in_line_order(cohort):
    # Line 3's goals span two physical lines, so the next row starts on line 5.
    rows = [
        person(),
        mentor(goals="Two\nlines", time_zone="Mars/Olympus"),
        person(email="bad", role="boss", interests="nope"),
        person(email="ok@adhoc.example", capacity="1"),
    ]

    result = run(to_csv(*rows), cohort)

    assert [(e.line, e.column) for e in result.errors] == [
        (3, "time_zone"),
        (5, "email"),
        (5, "role"),
        (5, "interests"),
        (6, "capacity"),
    ]
    assert str(result.errors[0]) == (
        "line 3, column time_zone: " + roster.TIME_ZONE_UNKNOWN % {"value": "Mars/Olympus"}
    )
    assert nothing_written()


def test_a_two_person_manager_loop_is_reported_on_both_lines(cohort):
    rows = [person(manager_email="grace@adhoc.example"), mentor(manager_email="ada@adhoc.example")]

    result = run(to_csv(*rows), cohort)

    chain = "ada@adhoc.example → grace@adhoc.example → ada@adhoc.example"
    assert result.errors == [
        RowError(2, "manager_email", roster.MANAGER_CYCLE % {"chain": chain}),
        RowError(3, "manager_email", roster.MANAGER_CYCLE % {"chain": chain}),
    ]


def test_a_longer_manager_loop_is_reported(cohort):
    rows = [
        person(email="a@adhoc.example", manager_email="b@adhoc.example"),
        person(email="b@adhoc.example", manager_email="c@adhoc.example"),
        person(email="c@adhoc.example", manager_email="a@adhoc.example"),
        person(email="d@adhoc.example", manager_email="a@adhoc.example"),
    ]

    result = run(to_csv(*rows), cohort)

    assert [(e.line, e.column) for e in result.errors] == [
        (2, "manager_email"),
        (3, "manager_email"),
        (4, "manager_email"),
    ]
    assert "a@adhoc.example → b@adhoc.example → c@adhoc.example → a@adhoc.example" in (
        result.errors[0].message
    )


def test_a_loop_closed_through_managers_already_recorded_is_reported(cohort):
    # In the database: Boss is managed by Big Boss, who is managed by Ada.
    big_boss = ProfileFactory(user__email="bigboss@adhoc.example").user
    ProfileFactory(user__email="boss@adhoc.example", manager=big_boss)
    ada = ProfileFactory(user__email="ada@adhoc.example").user
    Profile.objects.filter(user=big_boss).update(manager=ada)

    result = run(to_csv(person(manager_email="boss@adhoc.example")), cohort)

    chain = "ada@adhoc.example → boss@adhoc.example → bigboss@adhoc.example → ada@adhoc.example"
    assert result.errors == [RowError(2, "manager_email", roster.MANAGER_CYCLE % {"chain": chain})]


def test_a_recorded_chain_that_ends_is_fine(cohort):
    big_boss = ProfileFactory(user__email="bigboss@adhoc.example").user
    ProfileFactory(user__email="boss@adhoc.example", manager=big_boss)

    assert run(to_csv(person(manager_email="boss@adhoc.example")), cohort).ok


# --- File problems --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", roster.FILE_EMPTY),
        (b"  \r\n\r\n", roster.FILE_EMPTY),
        (b"PK\x03\x04\x14\x00\x06\x00 workbook", roster.FILE_IS_WORKBOOK),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", roster.FILE_NOT_TEXT),
        (b"\x81\x8d\x8f\x90\x9d", roster.FILE_NOT_TEXT),
        ("email,name\n".encode("utf-16"), roster.FILE_NOT_TEXT),
    ],
    ids=["empty", "blank", "workbook", "image", "undecodable", "utf-16"],
)
def test_a_file_that_is_not_a_csv_gets_a_clear_error(cohort, data, message):
    result = run(data, cohort)

    assert result.errors == [RowError(None, "", message)]
    assert nothing_written()


def test_a_file_without_a_header_row_is_refused(cohort):
    row = person()
    data = ",".join(row.values()).encode() + b"\n"

    assert run(data, cohort).errors == [RowError(1, "", roster.HEADER_MISSING)]


def test_a_header_without_rows_is_refused(cohort):
    assert run(to_csv(), cohort).errors == [RowError(2, "", roster.NO_ROWS)]


def test_missing_required_columns_are_each_named(cohort):
    columns = [c for c in roster.ROSTER_COLUMNS if c not in ("team", "interests")]

    result = run(to_csv(person(), columns=columns), cohort)

    assert result.errors == [
        RowError(1, "team", roster.COLUMN_MISSING % {"column": "team"}),
        RowError(1, "interests", roster.COLUMN_MISSING % {"column": "interests"}),
    ]


def test_a_column_named_twice_is_refused(cohort):
    data = b"email,full_name,Email,role\n"

    result = run(data, cohort)

    assert RowError(
        1, "email", roster.COLUMN_DUPLICATED % {"column": "email", "first": 1, "second": 3}
    ) in (result.errors)


@pytest.mark.parametrize(
    "bad_line",
    [b'bob@adhoc.example,"Bob\n', b'bob@adhoc.example,"Bob" Smith,apm\n'],
    ids=["not closed", "text after the closing quote"],
)
def test_a_stray_quotation_mark_is_reported_on_its_line(cohort, bad_line):
    data = to_csv(person()) + bad_line + to_csv(mentor()).split(b"\n", 1)[1]

    result = run(data, cohort)

    assert result.errors == [RowError(3, "", roster.FILE_NOT_CSV)]
    assert nothing_written()


def test_a_file_over_the_size_limit_is_refused(cohort, monkeypatch):
    monkeypatch.setattr("mentorship.roster.reading.MAX_ROSTER_BYTES", 1024 * 1024)

    result = run(b"x" * 1536 * 1024, cohort)

    assert [e.message for e in result.errors] == [
        roster.FILE_TOO_LARGE % {"size": "1.5 MB", "limit": "1 MB"}
    ]


# --- Export ---------------------------------------------------------------------------


def test_an_exported_roster_imports_back_unchanged(cohort):
    data = to_csv(
        person(manager_email="grace@adhoc.example", goals="-learn\n=HYPERLINK(x)"),
        mentor(title="@lead", prefers_other_unit="no"),
    )
    assert run(data, cohort).ok
    before = snapshot()
    enrollments = Enrollment.objects.select_related(
        "user__profile__business_unit", "user__profile__team", "user__profile__manager"
    ).prefetch_related("topics")
    exported = io.StringIO()
    csv.writer(exported).writerows(roster_export_rows(enrollments))

    result = run(exported.getvalue().encode(), cohort)

    assert result.unchanged == 2, result.errors
    after = snapshot()
    after.pop("audit")
    before.pop("audit")
    assert after == before


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("Ada = great", "Ada = great"),
        ("", ""),
    ],
)
def test_spreadsheet_formulas_are_neutralised(value, safe):
    assert spreadsheet_safe(value) == safe


# --- Scale ----------------------------------------------------------------------------


def big_roster(size: int) -> bytes:
    """APMs reporting to managers who are mentors in the same file, in a few units."""
    rows = []
    for n in range(size):
        is_mentor = n % 5 == 0
        rows.append(
            person(
                email=f"person{n}@big.example",
                full_name=f"Person {n}",
                role="mentor" if is_mentor else "apm",
                capacity="2" if is_mentor else "",
                business_unit=f"Unit {n % 7}",
                team=f"Team {n % 23}",
                manager_email="" if is_mentor else f"person{n - n % 5}@big.example",
                interests="career-growth;user-research" if n % 2 else "accessibility",
            )
        )
    return to_csv(*rows)


def count_queries(data, cohort):
    with CaptureQueriesContext(connection) as queries:
        result = run(data, cohort)
    assert result.ok, result.errors[:3]
    return len(queries)


def test_query_count_does_not_grow_with_the_rows_beyond_batching(db):
    small = count_queries(big_roster(100), CohortFactory())
    large = count_queries(big_roster(1000), CohortFactory())

    # Ten times the rows costs a few more batches (SQLite takes at most 999 parameters
    # a query, so its inserts come in slices of ~100 rows), never a query per row.
    assert large - small <= 45, (small, large)


def test_an_unchanged_reimport_only_reads_with_the_same_queries_for_100_or_900_rows(db):
    counts = []
    for size in (100, 900):
        cohort = CohortFactory()
        data = big_roster(size)
        run(data, cohort)

        with CaptureQueriesContext(connection) as queries:
            result = run(data, cohort)

        assert result.unchanged == size
        writes = [q["sql"] for q in queries if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]
        assert len(writes) == 1
        assert "mentorship_auditlog" in writes[0]
        counts.append(len(queries))

    assert counts[0] == counts[1]


# --- The command ----------------------------------------------------------------------


@pytest.fixture
def roster_file(tmp_path):
    def write(data: bytes):
        path = tmp_path / "roster.csv"
        path.write_bytes(data)
        return path

    return write


def test_command_imports_and_prints_the_counts_and_time(cohort, roster_file, capsys):
    path = roster_file(to_csv(person(), mentor()))

    call_command("import_roster", str(path), cohort=cohort.slug)

    out = capsys.readouterr().out
    assert f"Imported {path.name} into {cohort.name}" in out
    assert "People: 2 created, 0 updated. Enrollments: 2 created, 0 updated." in out
    assert " s." in out
    assert Enrollment.objects.filter(cohort=cohort).count() == 2
    assert AuditLog.objects.get(action="roster.import").actor is None


def test_command_dry_run_checks_without_importing(cohort, roster_file, capsys):
    path = roster_file(to_csv(person()))

    call_command("import_roster", str(path), cohort=cohort.slug, dry_run=True)

    assert "Nothing was imported (dry run)" in capsys.readouterr().out
    assert nothing_written()


def test_command_prints_every_problem_to_stderr_and_fails(cohort, roster_file, capsys):
    path = roster_file(to_csv(person(time_zone="Mars"), mentor(capacity="9")))

    with pytest.raises(CommandError, match="2 problems"):
        call_command("import_roster", str(path), cohort=cohort.slug)

    err = capsys.readouterr().err
    assert "line 2, column time_zone: " + roster.TIME_ZONE_UNKNOWN % {"value": "Mars"} in err
    assert "line 3, column capacity: " + roster.CAPACITY_INVALID % {"value": "9"} in err
    assert nothing_written()


def test_command_exits_non_zero_on_problems(cohort, roster_file, monkeypatch, capsys):
    from django.core.management import base

    # run_from_argv closes connections when it ends; the test's transaction needs its own.
    monkeypatch.setattr(base.connections, "close_all", lambda: None)
    path = roster_file(to_csv(person(role="boss")))

    with pytest.raises(SystemExit) as exit_info:
        call_command_line("import_roster", str(path), "--cohort", cohort.slug)

    assert exit_info.value.code == 1
    assert "line 2, column role:" in capsys.readouterr().err


def call_command_line(*argv):
    from django.core.management import load_command_class

    command = load_command_class("mentorship", argv[0])
    command.run_from_argv(["manage.py", *argv, "--skip-checks"])


def test_command_refuses_an_unknown_cohort(cohort, roster_file):
    path = roster_file(to_csv(person()))

    with pytest.raises(CommandError, match="No cohort has the slug “no-such-cohort”"):
        call_command("import_roster", str(path), cohort="no-such-cohort")


def test_command_refuses_a_file_it_cannot_read(cohort, tmp_path):
    with pytest.raises(CommandError, match="Could not read"):
        call_command("import_roster", str(tmp_path / "missing.csv"), cohort=cohort.slug)
