"""The committee's roster: import a CSV file into a cohort, and export it again.

The file is the committee's spreadsheet of people (one row per person, APM or mentor).
An import validates every row before it writes anything and reports every problem
with its line and column, so a spreadsheet with ten mistakes takes one round trip,
not ten. A clean file is written in one transaction with a fixed number of queries per
batch of rows, so a 10,000-person roster takes seconds; importing the same file again
touches nothing.

An import never withdraws anyone: people enrolled in the cohort but missing from the
file are left as they are.

reading     bytes to rows of cells with their line numbers (encodings, delimiters)
schema      the columns, one cleaned row, the header
validation  every check on a row and across rows
recorded    what the database holds for the people in the file
plan        what an import would create and change, with the counts
writing     roster_import: the transaction, the bulk writes, the audit row
export      the enrollments as a roster file
messages    every text shown to a person
result      the counts, the problems (RowError) and the notes of one import
batches     rows per query

Reading, the header check, the email check and the report (ImportReport) are generic:
the surveys' eligible-population import uses them too, with its own columns.

The modules import each other directly; this package only gathers what callers use.
"""

from mentorship.roster.batches import BATCH_SIZE
from mentorship.roster.export import roster_export_rows
from mentorship.roster.messages import (
    AUDIT_SUMMARY,
    CAPACITY_FOR_APM,
    CAPACITY_INVALID,
    CAPACITY_REQUIRED,
    CAREER_TRACK_INVALID,
    CATEGORY_UNKNOWN,
    COHORT_CLOSED,
    COLUMN_DUPLICATED,
    COLUMN_MISSING,
    EMAIL_DUPLICATE,
    EMAIL_INVALID,
    FILE_EMPTY,
    FILE_IS_WORKBOOK,
    FILE_NOT_CSV,
    FILE_NOT_TEXT,
    FILE_TOO_LARGE,
    HEADER_MISSING,
    IMPORT_CONFLICT,
    INTERESTS_REQUIRED,
    MANAGER_CYCLE,
    MANAGER_SELF,
    MANAGER_UNKNOWN,
    NO_ROWS,
    NOTE_COLUMNS_ABSENT,
    NOTE_CP1252,
    NOTE_DELIMITER,
    NOTE_EXTRA_COLUMNS,
    NOTE_OTHER_ROLE,
    ROLE_INVALID,
    SUMMARY,
    SUMMARY_NEW_PLACES,
    TIME_ZONE_UNKNOWN,
    VALUE_CONTROL_CHARACTER,
    VALUE_REQUIRED,
    VALUE_TOO_LONG,
    YES_NO_INVALID,
)
from mentorship.roster.reading import (
    MAX_ROSTER_BYTES,
    Record,
    clean_cell,
    megabytes,
    read_csv,
    within_size_limit,
)
from mentorship.roster.result import ImportReport, RosterImportResult, RowError
from mentorship.roster.schema import (
    COLUMNS,
    REQUIRED_COLUMNS,
    ROSTER_COLUMNS,
    RosterColumn,
    match_header,
)
from mentorship.roster.validation import checked_email
from mentorship.roster.writing import roster_import

__all__ = [
    "AUDIT_SUMMARY",
    "BATCH_SIZE",
    "CAPACITY_FOR_APM",
    "CAPACITY_INVALID",
    "CAPACITY_REQUIRED",
    "CAREER_TRACK_INVALID",
    "CATEGORY_UNKNOWN",
    "COHORT_CLOSED",
    "COLUMNS",
    "COLUMN_DUPLICATED",
    "COLUMN_MISSING",
    "EMAIL_DUPLICATE",
    "EMAIL_INVALID",
    "FILE_EMPTY",
    "FILE_IS_WORKBOOK",
    "FILE_NOT_CSV",
    "FILE_NOT_TEXT",
    "FILE_TOO_LARGE",
    "HEADER_MISSING",
    "IMPORT_CONFLICT",
    "INTERESTS_REQUIRED",
    "MANAGER_CYCLE",
    "MANAGER_SELF",
    "MANAGER_UNKNOWN",
    "MAX_ROSTER_BYTES",
    "NOTE_COLUMNS_ABSENT",
    "NOTE_CP1252",
    "NOTE_DELIMITER",
    "NOTE_EXTRA_COLUMNS",
    "NOTE_OTHER_ROLE",
    "NO_ROWS",
    "REQUIRED_COLUMNS",
    "ROLE_INVALID",
    "ROSTER_COLUMNS",
    "SUMMARY",
    "SUMMARY_NEW_PLACES",
    "TIME_ZONE_UNKNOWN",
    "VALUE_CONTROL_CHARACTER",
    "VALUE_REQUIRED",
    "VALUE_TOO_LONG",
    "YES_NO_INVALID",
    "ImportReport",
    "Record",
    "RosterColumn",
    "RosterImportResult",
    "RowError",
    "checked_email",
    "clean_cell",
    "match_header",
    "megabytes",
    "read_csv",
    "roster_export_rows",
    "roster_import",
    "within_size_limit",
]
