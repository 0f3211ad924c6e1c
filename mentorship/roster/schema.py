"""The roster's columns, what one cleaned row holds, and how the header is read.

The header may name the columns in any order, in any case, with spaces or hyphens for
underscores; columns the roster does not know are ignored with a note.
"""

import re
from dataclasses import dataclass
from functools import cache

from mentorship.models import BusinessUnit, Enrollment, Profile, Team, User
from mentorship.roster.messages import (
    COLUMN_DUPLICATED,
    COLUMN_MISSING,
    HEADER_MISSING,
    NOTE_COLUMNS_ABSENT,
    NOTE_EXTRA_COLUMNS,
)
from mentorship.roster.result import ImportReport


@dataclass(frozen=True)
class RosterColumn:
    name: str
    description: str
    required: bool = False  # the header must have it


COLUMNS = (
    RosterColumn("email", "Work email address: how the person signs in.", required=True),
    RosterColumn("full_name", "The person's name as they like it shown.", required=True),
    RosterColumn("role", "apm or mentor.", required=True),
    RosterColumn("title", "Job title (optional)."),
    RosterColumn(
        "business_unit", "Business unit name; a new name adds the business unit.", required=True
    ),
    RosterColumn(
        "team", "Team within the business unit; a new name adds the team.", required=True
    ),
    RosterColumn(
        "manager_email",
        "Their manager's email (optional). The manager must be in the file or already have "
        "an account here.",
    ),
    RosterColumn("time_zone", "Time zone name, e.g. America/New_York.", required=True),
    RosterColumn(
        "interests",
        "Topic slugs separated by semicolons: an APM's interests, the topics a mentor can "
        "coach. At least one.",
        required=True,
    ),
    RosterColumn(
        "career_track",
        "people_manager, individual_contributor or undecided (empty means undecided).",
    ),
    RosterColumn("capacity", "Mentors: how many APMs they can take, 1 to 3. Empty for APMs."),
    RosterColumn(
        "prefers_other_unit",
        "APMs: yes or no, would like a mentor from another business unit (empty means yes).",
    ),
    RosterColumn("goals", "What the person wants from the program (optional)."),
)
ROSTER_COLUMNS = tuple(column.name for column in COLUMNS)
REQUIRED_COLUMNS = tuple(column.name for column in COLUMNS if column.required)
# Optional columns whose absence means "leave what is recorded" rather than "clear it".
KEPT_WHEN_ABSENT = ("title", "manager_email", "career_track", "prefers_other_unit", "goals")
INTEREST_SEPARATOR = ";"


@dataclass(slots=True)
class RosterRow:
    """One person from the file, cleaned. None means "column absent: keep what is there"."""

    line: int
    email: str = ""
    full_name: str = ""
    role: str = ""
    title: str | None = None
    business_unit: str = ""
    team: str = ""
    manager_email: str | None = None  # "" means no manager
    time_zone: str = ""
    topic_ids: tuple[int, ...] = ()
    career_track: str | None = None
    capacity: int | None = None
    prefers_other_unit: bool | None = None
    goals: str | None = None


def header_columns(line: int, header: list[str], result: ImportReport) -> dict[str, int] | None:
    """Each roster column's index in the header, or None if the header has problems."""
    return match_header(
        line,
        header,
        result,
        known=ROSTER_COLUMNS,
        required=REQUIRED_COLUMNS,
        kept_when_absent=KEPT_WHEN_ABSENT,
        header_missing=HEADER_MISSING,
    )


def match_header(
    line: int,
    header: list[str],
    result: ImportReport,
    *,
    known: tuple[str, ...],
    required: tuple[str, ...],
    kept_when_absent: tuple[str, ...] = (),
    header_missing: str,
) -> dict[str, int] | None:
    """Each known column's index in any import's header, or None if it has problems.

    Names match in any case, with spaces or hyphens for underscores; unknown columns
    are ignored with a note, a missing required one or a repeated one is an error.
    """
    columns: dict[str, int] = {}
    extra = []
    for index, name in enumerate(header):
        key = re.sub(r"[\s_-]+", "_", name.strip().lower())
        if key in known:
            if key in columns:
                first, second = columns[key] + 1, index + 1
                result.error(line, key, COLUMN_DUPLICATED, column=key, first=first, second=second)
            columns.setdefault(key, index)
        elif key:
            extra.append(name.strip())
    if not columns:
        result.error(line, "", header_missing)
        return None
    for column in required:
        if column not in columns:
            result.error(line, column, COLUMN_MISSING, column=column)
    if extra:
        result.notes.append(NOTE_EXTRA_COLUMNS % {"columns": ", ".join(extra)})
    absent = [column for column in kept_when_absent if column not in columns]
    if absent:
        result.notes.append(NOTE_COLUMNS_ABSENT % {"columns": ", ".join(absent)})
    return None if result.errors else columns


def column_order(column: str) -> int:
    """Where the column comes in the roster, for listing a row's problems in order."""
    return ROSTER_COLUMNS.index(column) if column in ROSTER_COLUMNS else -1


@cache
def max_lengths() -> dict[str, int]:
    """The longest text each column may hold: what its database field takes."""
    return {
        "full_name": User._meta.get_field("full_name").max_length,
        "title": Profile._meta.get_field("title").max_length,
        "business_unit": BusinessUnit._meta.get_field("name").max_length,
        "team": Team._meta.get_field("name").max_length,
        "goals": Enrollment._meta.get_field("goals").max_length,
    }
