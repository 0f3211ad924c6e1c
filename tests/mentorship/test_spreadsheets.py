"""The CSV formula guard and the CSV download every export writes with."""

import csv
import io

import pytest

from mentorship.common.spreadsheets import csv_response, spreadsheet_safe

FORMULAS = [
    '=HYPERLINK("http://evil.example")',
    "+SUM(A1:A9)",
    "-2+3",
    "-1",
    "@cmd",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("value", FORMULAS)
def test_text_that_starts_like_a_formula_gets_a_leading_apostrophe(value):
    assert spreadsheet_safe(value) == "'" + value


@pytest.mark.parametrize("value", FORMULAS)
def test_guarding_a_guarded_cell_changes_nothing(value):
    assert spreadsheet_safe(spreadsheet_safe(value)) == spreadsheet_safe(value)


@pytest.mark.parametrize(
    ("value", "written"),
    [(-20, "-20"), (0, "0"), (42, "42"), (-12.5, "-12.5"), (100.0, "100")],
)
def test_numbers_we_computed_stay_numbers(value, written):
    assert spreadsheet_safe(value) == written


@pytest.mark.parametrize(
    "value", ["Ada Lovelace", "Ada = great", "ada@adhoc.example", "O'Brien", "3 APMs", ""]
)
def test_plain_text_is_unchanged(value):
    assert spreadsheet_safe(value) == value


def test_empty_and_yes_no_cells():
    assert [spreadsheet_safe(None), spreadsheet_safe(True), spreadsheet_safe(False)] == [
        "",
        "yes",
        "no",
    ]


def test_csv_response_is_a_utf8_download_with_every_cell_guarded():
    response = csv_response(
        filename="people.csv",
        rows=[["name", "score"], ["=cmd|' /C calc'!A0", -20], ["Zoë", 3.5], ["'+1", None]],
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="people.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads the file as UTF-8 only with this mark
    assert list(csv.reader(io.StringIO(text[1:]))) == [
        ["name", "score"],
        ["'=cmd|' /C calc'!A0", "-20"],
        ["Zoë", "3.5"],
        ["'+1", ""],  # already guarded, not guarded twice
    ]
