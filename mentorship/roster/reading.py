"""From the uploaded bytes to rows of cells, each with the line it starts on.

Spreadsheets save CSV in more ways than one: with or without a byte-order mark, as
Windows text (cp1252) rather than UTF-8, with semicolons or tabs between columns.
Those are read; a workbook or a UTF-16 file is refused with what to do instead.
"""

import codecs
import csv
import io
from collections.abc import Callable

from mentorship.common.spreadsheets import FORMULA_TRIGGERS
from mentorship.roster.messages import (
    FILE_EMPTY,
    FILE_IS_WORKBOOK,
    FILE_NOT_CSV,
    FILE_NOT_TEXT,
    FILE_TOO_LARGE,
    NO_ROWS,
    NOTE_CP1252,
    NOTE_DELIMITER,
)
from mentorship.roster.result import ImportReport
from mentorship.roster.schema import header_columns

# Bigger files are refused before they are read; 10 MB is ~50,000 people.
MAX_ROSTER_BYTES = 10 * 1024 * 1024
DELIMITER_NAMES = {";": "semicolons", "\t": "tabs"}

Record = tuple[int, list[str]]  # (line the record starts on, its cells)
HeaderReader = Callable[[int, list[str], ImportReport], dict[str, int] | None]


def within_size_limit(data: bytes, result: ImportReport, limit: int | None = None) -> bool:
    limit = MAX_ROSTER_BYTES if limit is None else limit
    if len(data) <= limit:
        return True
    result.error(None, "", FILE_TOO_LARGE, size=megabytes(len(data)), limit=megabytes(limit))
    return False


def read_roster(data: bytes, result: ImportReport) -> tuple[dict[str, int], list[Record]] | None:
    """The roster columns' places in the header, and the records below it; or None."""
    return read_csv(data, result, header=header_columns)


def read_csv(
    data: bytes, result: ImportReport, *, header: HeaderReader
) -> tuple[dict[str, int], list[Record]] | None:
    """Any import's columns' places (``header`` reads them) and the records; or None."""
    text = decode(data, result)
    if text is None:
        return None
    table = read_table(text, result)
    if table is None:
        return None
    header_line, header_cells, records = table
    columns = header(header_line, header_cells, result)
    if columns is None:
        return None
    if not records:
        result.error(header_line + 1, "", NO_ROWS)
        return None
    return columns, records


def decode(data: bytes, result: ImportReport) -> str | None:
    if not data.strip():
        result.error(None, "", FILE_EMPTY)
        return None
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):  # zip (xlsx) and OLE (xls)
        result.error(None, "", FILE_IS_WORKBOOK)
        return None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data:
        result.error(None, "", FILE_NOT_TEXT)
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.removeprefix(codecs.BOM_UTF8).decode("cp1252")
    except UnicodeDecodeError:
        result.error(None, "", FILE_NOT_TEXT)
        return None
    result.notes.append(NOTE_CP1252)
    return text


def read_table(text: str, result: ImportReport) -> tuple[int, list[str], list[Record]] | None:
    """(header line, header cells, [(line, cells)]) with blank rows skipped, or None."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ","
    if "," not in first_line:
        delimiter = next((d for d in DELIMITER_NAMES if d in first_line), ",")
        if delimiter != ",":
            result.notes.append(NOTE_DELIMITER % {"name": DELIMITER_NAMES[delimiter]})
    # newline="" keeps line breaks inside quoted cells, and reader.line_num then counts
    # physical lines, so a record's first line is one past where the previous ended.
    # strict: a stray quotation mark is reported rather than swallowing the lines after it.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records = []
    last_line = 0
    try:
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                records.append((line, cells))
    except csv.Error:
        result.error(last_line + 1, "", FILE_NOT_CSV)
        return None
    if not records:
        result.error(None, "", FILE_EMPTY)
        return None
    (header_line, header), *rows = records
    return header_line, header, rows


def clean_cell(value: str) -> str:
    """The cell's text without surrounding space or the export's formula guard.

    The export puts an apostrophe before a cell a spreadsheet would run as a formula;
    taking it off again here is what makes an exported roster import back unchanged.
    """
    value = value.strip()
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_TRIGGERS:
        value = value[1:]
    return value


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
