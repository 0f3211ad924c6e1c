"""Every text the roster import shows a person, in one place (tests assert them).

Errors name what is wrong and how to fix it in the spreadsheet; notes say what the
import did that the person might not expect.
"""

# --- The file as a whole ---------------------------------------------------------------
# These first ones are shared by every CSV import (the surveys' eligible population too).
FILE_EMPTY = (
    "The file is empty. Save the sheet from your spreadsheet as CSV, with a header row, "
    "and upload it again."
)
FILE_TOO_LARGE = (
    "The file is %(size)s; the limit is %(limit)s. Split the rows into smaller files and "
    "import them one after the other."
)
FILE_IS_WORKBOOK = (
    "This is a spreadsheet workbook (.xlsx or .xls), not a CSV file. In your spreadsheet "
    "choose File → Save as → “CSV UTF-8 (comma delimited)” and upload that file."
)
FILE_NOT_TEXT = (
    "This does not look like a CSV file: it contains binary data. In your spreadsheet choose "
    "File → Save as → “CSV UTF-8 (comma delimited)” and upload that file."
)
FILE_NOT_CSV = (
    "This line could not be read as CSV: a quotation mark is not closed, or text follows a "
    "closing quotation mark. Put the whole cell in quotation marks and double any inside it, "
    'like "She said ""hello"""'
)
HEADER_MISSING = (
    "The first line must be a header row naming the columns, such as "
    "email,full_name,role,business_unit,team,time_zone,interests. "
    "Add the header row and upload the file again."
)
COLUMN_MISSING = (
    "The header has no “%(column)s” column, and every person needs one. Add the column "
    "(columns may come in any order)."
)
COLUMN_DUPLICATED = (
    "The header names “%(column)s” twice (columns %(first)s and %(second)s). Keep one of them."
)
NO_ROWS = "The file has a header row but no people. Add one row per person below the header."
COHORT_CLOSED = "%(cohort)s is closed, so its roster can no longer change."
IMPORT_CONFLICT = (
    "Someone else changed the same people while the file was being imported, so nothing was "
    "imported. Upload the file again."
)

# --- One cell --------------------------------------------------------------------------
VALUE_REQUIRED = "The %(what)s is empty. Fill it in: every person needs one."
VALUE_TOO_LONG = "This is %(length)s characters long; the limit is %(limit)s. Shorten it."
VALUE_CONTROL_CHARACTER = (
    "This contains a hidden character, %(character)s, that can't be imported. It usually "
    "comes along when text is pasted into the spreadsheet: delete it there and save the file "
    "again."
)
EMAIL_INVALID = "“%(value)s” is not an email address. Use the person's work email address."
EMAIL_DUPLICATE = (
    "%(email)s is already on line %(first_line)s. Keep one row per person: a person takes "
    "part in a cohort in one role."
)
ROLE_INVALID = "“%(value)s” is not a role. Write apm or mentor."
INTERESTS_REQUIRED = (
    "There are no interests. List at least one topic slug, separating several with "
    "semicolons, chosen from: %(valid)s."
)
CATEGORY_UNKNOWN = (
    "We don't know the topic %(values)s. Use topic slugs separated by semicolons, chosen "
    "from: %(valid)s."
)
TIME_ZONE_UNKNOWN = (
    "“%(value)s” is not a time zone we know. Use a time zone name such as America/New_York, "
    "America/Chicago, America/Los_Angeles or Europe/London."
)
CAREER_TRACK_INVALID = (
    "“%(value)s” is not a career track. Write people_manager, individual_contributor or "
    "undecided, or leave it empty for undecided."
)
CAPACITY_REQUIRED = "Mentors need a capacity: write how many APMs they can take, 1, 2 or 3."
CAPACITY_INVALID = "“%(value)s” is not a capacity. A mentor can take 1, 2 or 3 APMs."
CAPACITY_FOR_APM = "Only mentors have a capacity, and this row is an APM. Leave it empty."
YES_NO_INVALID = "“%(value)s” is not yes or no. Write yes or no (empty means yes)."
MANAGER_UNKNOWN = (
    "We don't know the manager %(email)s: they are not in this file and have no account "
    "here. Add a row for them, correct the address, or leave manager_email empty."
)
MANAGER_SELF = "A person cannot be their own manager. Correct manager_email or leave it empty."
MANAGER_CYCLE = (
    "The managers go round in a loop: %(chain)s. Correct one manager_email so that the chain ends."
)

# --- Notes: imported, but worth a look -------------------------------------------------
NOTE_CP1252 = (
    "The file is not UTF-8, so it was read as Windows text (cp1252), the way Excel on "
    "Windows saves CSV. Check that accented names look right; saving as “CSV UTF-8” "
    "avoids this."
)
NOTE_DELIMITER = "The columns are separated by %(name)s instead of commas; the file was read so."
NOTE_EXTRA_COLUMNS = "These columns are not part of the roster and were ignored: %(columns)s."
NOTE_COLUMNS_ABSENT = (
    "The file has no column for %(columns)s, so what is already recorded there was left as "
    "it is (new people get the defaults)."
)
NOTE_OTHER_ROLE = (
    "Also enrolled in %(cohort)s with the other role, and left so: %(examples)s (%(count)s in "
    "all). Withdraw those enrollments in the admin if they are mistakes."
)

# --- What an import did (or would do) --------------------------------------------------
SUMMARY = (
    "Rows: %(rows)s. People: %(people_created)s created, %(people_updated)s updated. "
    "Enrollments: %(enrollments_created)s created, %(enrollments_updated)s updated. "
    "Rows unchanged: %(unchanged)s."
)
SUMMARY_NEW_PLACES = (
    " New business units: %(business_units_created)s, new teams: %(teams_created)s."
)
AUDIT_SUMMARY = "Roster imported into %(cohort)s: %(summary)s"
