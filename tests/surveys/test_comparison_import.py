"""Importing the eligible population: line-numbered checks, all or nothing, idempotent."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from mentorship import roster
from mentorship.common.models import AuditLog
from mentorship.roster import RowError
from surveys import eligible
from surveys.models import EligiblePerson, EligiblePromotion
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HEADER = "email,title,level,hire_date,promotion_dates\n"
IMPORT_URL = reverse("admin:surveys_eligibleperson_import")
LIST_URL = reverse("admin:surveys_eligibleperson_changelist")


def csv(*lines: str, header: str = HEADER) -> bytes:
    return (header + "".join(line + "\n" for line in lines)).encode()


GOOD = csv(
    "Ada@Example.com,Associate Product Manager,associate,2024-01-15,",
    "grace@example.com,Senior Product Manager,Senior,2020-06-01,2022-03-01;2024-09-01",
    'alan@example.com,"Product Manager, Payments",product manager,2023-02-01,2024-02-01',
)


def run(data: bytes, **kwargs) -> eligible.EligibleImportResult:
    return eligible.eligible_import(data=data, **kwargs)


def test_a_good_file_adds_everyone_with_their_promotion_dates_and_an_audit_row(committee):
    result = run(GOOD, acting_user=committee)

    assert result.ok, result.errors
    assert (result.rows, result.created, result.promotions_added) == (3, 3, 3)
    ada = EligiblePerson.objects.get(email="ada@example.com")  # recognised whatever the case
    assert (ada.level, ada.hired_on.isoformat(), ada.title) == (
        "associate", "2024-01-15", "Associate Product Manager"
    )  # fmt: skip
    grace = EligiblePerson.objects.get(email="grace@example.com")
    assert grace.level == "senior"
    assert [d.isoformat() for d in grace.promotions.values_list("promoted_on", flat=True)] == [
        "2022-03-01", "2024-09-01"
    ]  # fmt: skip
    assert EligiblePerson.objects.get(email="alan@example.com").level == "product_manager"
    audit = AuditLog.objects.get(action="eligible_population.import")
    assert audit.actor == committee
    assert audit.details["created"] == 3
    assert audit.summary == eligible.AUDIT_SUMMARY % {"summary": result.summary()}


def test_importing_the_same_file_again_changes_nothing():
    run(GOOD)
    before = list(EligiblePerson.objects.values_list("pk", "updated_at"))

    again = run(GOOD)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert (again.promotions_added, again.promotions_removed) == (0, 0)
    assert list(EligiblePerson.objects.values_list("pk", "updated_at")) == before
    assert EligiblePromotion.objects.count() == 3


def test_a_new_file_updates_people_and_makes_their_dates_equal_to_the_file():
    run(GOOD)
    result = run(
        csv("grace@example.com,Lead Product Manager,lead,2020-06-01,2022-03-01;2025-01-10")
    )

    assert (result.updated, result.promotions_added, result.promotions_removed) == (1, 1, 1)
    grace = EligiblePerson.objects.get(email="grace@example.com")
    assert grace.level == "lead"
    dates = grace.promotions.values_list("promoted_on", flat=True)
    assert sorted(d.isoformat() for d in dates) == [
        "2022-03-01", "2025-01-10"
    ]  # fmt: skip
    assert EligiblePerson.objects.count() == 3  # people missing from the file are kept


def test_a_dry_run_reports_what_it_would_do_and_saves_nothing():
    result = run(GOOD, dry_run=True)
    assert result.ok
    assert result.created == 3
    assert not EligiblePerson.objects.exists()
    assert not AuditLog.objects.filter(action="eligible_population.import").exists()


TOMORROW = (timezone.localdate() + timedelta(days=1)).isoformat()
BAD_LINES = [
    ("not-an-email,APM,associate,2024-01-15,", "email",
     roster.EMAIL_INVALID % {"value": "not-an-email"}),
    (",APM,associate,2024-01-15,", "email", roster.VALUE_REQUIRED % {"what": "email"}),
    ("x@example.com,APM,wizard,2024-01-15,", "level",
     eligible.LEVEL_INVALID % {"value": "wizard"}),
    ("x@example.com,APM,,2024-01-15,", "level", roster.VALUE_REQUIRED % {"what": "level"}),
    ("x@example.com,APM,associate,15/01/2024,", "hire_date",
     eligible.DATE_INVALID % {"value": "15/01/2024"}),
    ("x@example.com,APM,associate,2024-02-30,", "hire_date",
     eligible.DATE_INVALID % {"value": "2024-02-30"}),
    (f"x@example.com,APM,associate,{TOMORROW},", "hire_date",
     eligible.DATE_IN_FUTURE % {"value": TOMORROW}),
    ("x@example.com,APM,associate,2024-01-15,2024-13-01", "promotion_dates",
     eligible.DATE_INVALID % {"value": "2024-13-01"}),
    ("x@example.com,APM,associate,2024-01-15,2023-05-01", "promotion_dates",
     eligible.PROMOTION_BEFORE_HIRE % {"value": "2023-05-01", "hired": "2024-01-15"}),
    (f"x@example.com,APM,associate,2024-01-15,{TOMORROW}", "promotion_dates",
     eligible.DATE_IN_FUTURE % {"value": TOMORROW}),
    ("x@example.com," + "T" * 121 + ",associate,2024-01-15,", "title",
     roster.VALUE_TOO_LONG % {"length": 121, "limit": 120}),
    ("x@example.com,APM\x07,associate,2024-01-15,", "title",
     roster.VALUE_CONTROL_CHARACTER % {"character": "a control character (U+0007)"}),
    ("ada@example.com,APM,associate,2024-01-15,", "email",
     eligible.EMAIL_DUPLICATE % {"email": "ada@example.com", "first_line": 2}),
]  # fmt: skip


@pytest.mark.parametrize(("line", "column", "message"), BAD_LINES)
def test_each_kind_of_bad_line_is_reported_on_its_line_and_column_and_nothing_is_saved(
    line, column, message
):
    data = GOOD + line.encode() + b"\n"
    result = run(data)

    if column == "title" and "control" in message:
        [error] = result.errors
        assert (error.line, error.column) == (5, "title")
        assert "hidden character" in error.message
    else:
        assert result.errors == [RowError(5, column, message)]
    assert not EligiblePerson.objects.exists()
    assert not EligiblePromotion.objects.exists()


def test_every_problem_of_the_file_is_listed_in_line_order():
    data = csv("bad,APM,wizard,2024-01-15,", "ok@example.com,APM,associate,2024-01-15,",
               "ok2@example.com,APM,associate,soon,")  # fmt: skip
    result = run(data)
    assert [(e.line, e.column) for e in result.errors] == [
        (2, "email"), (2, "level"), (4, "hire_date")
    ]  # fmt: skip
    assert "line 2, column email" in str(result.errors[0])


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", [RowError(None, "", roster.FILE_EMPTY)]),
        (b"PK\x03\x04rest of a workbook", [RowError(None, "", roster.FILE_IS_WORKBOOK)]),
        ("email".encode("utf-16"), [RowError(None, "", roster.FILE_NOT_TEXT)]),
        (b"x@example.com,APM\n", [RowError(1, "", eligible.HEADER_MISSING)]),
        (HEADER.encode(), [RowError(2, "", roster.NO_ROWS)]),
        (
            b"email,title,hire_date\nx@example.com,APM,2024-01-15\n",
            [RowError(1, "level", roster.COLUMN_MISSING % {"column": "level"})],
        ),
        (
            b'email,title,level,hire_date\nx@example.com,"APM,associate,2024-01-15\n',
            [RowError(2, "", roster.FILE_NOT_CSV)],
        ),
    ],
    ids=["empty", "workbook", "utf-16", "no header", "no rows", "missing column", "bad quote"],
)
def test_a_file_that_is_not_a_usable_csv_gets_a_clear_message(data, expected):
    assert run(data).errors == expected
    assert not EligiblePerson.objects.exists()


def test_an_extra_column_is_ignored_with_a_note_and_no_name_is_kept():
    data = csv("x@example.com,Ada Lovelace,APM,associate,2024-01-15,",
               header="email,full_name,title,level,hire_date,promotion_dates\n")  # fmt: skip
    result = run(data)
    assert result.ok
    assert result.notes == [roster.NOTE_EXTRA_COLUMNS % {"columns": "full_name"}]
    assert "Ada" not in str(list(EligiblePerson.objects.values()))


def test_a_file_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr("mentorship.roster.reading.MAX_ROSTER_BYTES", 1024)
    result = run(GOOD + b"x" * 2048)
    assert [e.message for e in result.errors] == [
        roster.FILE_TOO_LARGE % {"size": "0 MB", "limit": "0 MB"}
    ]


# --- The admin page --------------------------------------------------------------------


def upload(data: bytes, name="eligible.csv"):
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_the_committee_imports_through_the_admin_and_is_sent_to_the_list(client, committee):
    client.force_login(committee)
    assert client.get(LIST_URL).status_code == 200
    assert IMPORT_URL in client.get(LIST_URL).content.decode()

    response = client.post(IMPORT_URL, {"file": upload(GOOD)})

    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    assert EligiblePerson.objects.count() == 3
    assert AuditLog.objects.filter(action="eligible_population.import", actor=committee).exists()


def test_a_bad_file_shows_each_problem_with_its_line_and_saves_nothing(client, committee):
    client.force_login(committee)
    response = client.post(IMPORT_URL, {"file": upload(GOOD + b"bad,APM,wizard,2024-01-15,\n")})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was imported." in page
    assert "is not a level. Write associate, product_manager" in page
    assert "wizard" in page
    assert '<td class="line">5</td>' in page
    assert not EligiblePerson.objects.exists()


def test_a_binary_upload_gets_a_message_not_a_server_error(client, committee):
    client.force_login(committee)
    response = client.post(IMPORT_URL, {"file": upload(b"\x00\x01\x02\xff" * 10, "data.bin")})
    assert response.status_code == 200
    assert "binary data" in response.content.decode()


def test_the_import_page_is_the_committees_only(client, outsider):
    staff = UserFactory(is_staff=True, totp=False)
    assert client.get(IMPORT_URL).status_code == 302  # to the sign-in page
    client.force_login(outsider)
    assert client.get(IMPORT_URL).status_code == 302
    client.force_login(staff)
    assert client.post(IMPORT_URL, {"file": upload(GOOD)}).status_code in (302, 403)
    assert not EligiblePerson.objects.exists()


def test_the_import_page_refuses_other_methods(client, committee):
    client.force_login(committee)
    assert client.put(IMPORT_URL).status_code == 405


HOSTILE = '<script>alert("x")</script>'


def test_an_imported_title_is_escaped_in_the_admin_list_and_page(client, committee):
    run(csv(f'x@example.com,"{HOSTILE.replace(chr(34), chr(34) * 2)}",associate,2024-01-15,'))
    person = EligiblePerson.objects.get()
    assert person.title == HOSTILE
    client.force_login(committee)
    for url in (LIST_URL, reverse("admin:surveys_eligibleperson_change", args=[person.pk])):
        page = client.get(url).content.decode()
        assert HOSTILE not in page
        assert "&lt;script&gt;" in page
