"""Cells and files for spreadsheets: the CSV formula guard, and the CSV download.

Excel, LibreOffice and Google Sheets run a cell that starts with =, +, -, @, a tab or
a carriage return as a formula, so a CSV file with a person's text in it can run
whatever that person wrote (CSV injection). A leading apostrophe makes the cell text.
"""

import csv
from collections.abc import Iterable

from django.http import HttpResponse

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    """The cell as text a spreadsheet shows rather than runs.

    Text that starts like a formula gets a leading apostrophe; a number we computed
    stays a number (an NPS of -20 is written -20). None is empty, a bool yes or no.
    A cell guarded once is left alone, so guarding twice changes nothing.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


def spreadsheet_safe_row(row: Iterable) -> list[str]:
    return [spreadsheet_safe(value) for value in row]


def csv_response(*, filename: str, rows: Iterable[Iterable]) -> HttpResponse:
    """A CSV download of ``rows``, every cell guarded, that Excel opens as UTF-8."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # Excel reads a CSV file as UTF-8 only with this mark
    csv.writer(response).writerows(spreadsheet_safe_row(row) for row in rows)
    return response
