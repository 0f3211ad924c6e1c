"""The committee's roster: import a CSV file into a cohort, and export it again.

The file is the committee's spreadsheet of people (one row per person, APM or mentor).
An import validates every row before it writes anything and reports every problem
with its line and column, so a spreadsheet with ten mistakes takes one round trip,
not ten. A clean file is written in one transaction with a fixed number of queries per
batch of rows, so a 10,000-person roster takes seconds; importing the same file again
touches nothing.

An import never withdraws anyone: people enrolled in the cohort but missing from the
file are left as they are.
"""

import codecs
import csv
import io
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, NotSupportedError, connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify

from mentorship.common.audit import audit_record
from mentorship.models import (
    BusinessUnit,
    CareerTrack,
    Cohort,
    Enrollment,
    Profile,
    Role,
    Team,
    User,
    time_zone_names,
)
from toolkit.models import Category

# Rows per bulk query. The database may split further (SQLite allows 999 parameters).
BATCH_SIZE = 1000
# Bigger files are refused before they are read; 10 MB is ~50,000 people.
MAX_ROSTER_BYTES = 10 * 1024 * 1024
INTEREST_SEPARATOR = ";"
# A leading apostrophe stops a spreadsheet from running a cell as a formula; the
# export adds it and the import takes it off again, so an export re-imports unchanged.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


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

# --- Messages (tests assert these) ---------------------------------------------------
FILE_EMPTY = (
    "The file is empty. Save the roster from your spreadsheet as CSV, with a header row, "
    "and upload it again."
)
FILE_TOO_LARGE = (
    "The file is %(size)s; the limit is %(limit)s. Split the roster into smaller files and "
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

VALUE_REQUIRED = "The %(what)s is empty. Fill it in: every person needs one."
VALUE_TOO_LONG = "This is %(length)s characters long; the limit is %(limit)s. Shorten it."
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

YES_NO = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}
DELIMITER_NAMES = {";": "semicolons", "\t": "tabs"}
# Optional columns whose absence means "leave what is recorded" rather than "clear it".
KEPT_WHEN_ABSENT = ("title", "manager_email", "career_track", "prefers_other_unit", "goals")


COUNTS = (
    "rows",
    "people_created",
    "people_updated",
    "enrollments_created",
    "enrollments_updated",
    "unchanged",
    "business_units_created",
    "teams_created",
)


@dataclass(frozen=True)
class RowError:
    line: int | None  # physical line in the file; the header is line 1
    column: str
    message: str

    def __str__(self):
        where = ", ".join(
            part
            for part in (
                f"line {self.line}" if self.line else "",
                f"column {self.column}" if self.column else "",
            )
            if part
        )
        return f"{where}: {self.message}" if where else self.message


@dataclass
class RosterImportResult:
    dry_run: bool
    rows: int = 0
    people_created: int = 0
    people_updated: int = 0
    enrollments_created: int = 0
    enrollments_updated: int = 0
    unchanged: int = 0
    business_units_created: int = 0
    teams_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTS}

    def summary(self) -> str:
        text = (
            f"Rows: {self.rows}. People: {self.people_created} created, "
            f"{self.people_updated} updated. Enrollments: {self.enrollments_created} created, "
            f"{self.enrollments_updated} updated. Rows unchanged: {self.unchanged}."
        )
        if self.business_units_created or self.teams_created:
            text += (
                f" New business units: {self.business_units_created}, "
                f"new teams: {self.teams_created}."
            )
        return text

    def error(self, line: int | None, column: str, message: str, /, **params) -> None:
        self.errors.append(RowError(line, column, message % params if params else message))


@dataclass
class _Recorded:
    profiles: dict[int, Profile] = field(default_factory=dict)  # by user id
    enrollments: dict[tuple[int, str], Enrollment] = field(default_factory=dict)  # (user, role)
    # enrollment id → category id → id of the row linking them
    topic_links: dict[int, dict[int, int]] = field(default_factory=dict)


@dataclass(slots=True)
class _Row:
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


def roster_import(
    *, data: bytes, cohort: Cohort, dry_run: bool = False, acting_user: User | None = None
) -> RosterImportResult:
    """Validate a roster file and, if it has no problems and this is not a dry run, import it.

    Writes users, business units, teams, profiles, enrollments (status submitted) and
    their topics in one transaction, then an audit row. With any problem, or with
    ``dry_run``, nothing is written and the counts say what an import would do.
    """
    if not connection.features.can_return_rows_from_bulk_insert:
        # New rows refer to each other (profile → user, topic → enrollment) before the
        # import reads anything back.
        raise NotSupportedError("The roster import needs PostgreSQL or SQLite 3.35 or newer.")
    result = RosterImportResult(dry_run=dry_run)
    if len(data) > MAX_ROSTER_BYTES:
        result.error(
            None,
            "",
            FILE_TOO_LARGE,
            size=megabytes(len(data)),
            limit=megabytes(MAX_ROSTER_BYTES),
        )
        return result
    try:
        with transaction.atomic():
            if not dry_run:
                # Two imports into one cohort at once would each plan against rows the
                # other is writing; the lock makes them take turns.
                cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
            if cohort.status == Cohort.Status.CLOSED:
                result.error(None, "", COHORT_CLOSED, cohort=cohort.name)
                return result
            importer = _Importer(cohort=cohort, result=result)
            importer.validate(data)
            if not result.ok:
                return result
            importer.plan()
            if not dry_run:
                importer.write()
                audit_record(
                    actor=acting_user,
                    action="roster.import",
                    target=cohort,
                    summary=f"Roster imported into {cohort.name}: {result.summary()}",
                    **result.counts(),
                )
    except IntegrityError:
        # A person signed up, or another import ran, between our reads and our writes.
        return RosterImportResult(
            dry_run=dry_run, errors=[RowError(None, "", IMPORT_CONFLICT)], notes=result.notes
        )
    return result


class _Importer:
    """The steps of one import; state shared between them lives on the instance."""

    def __init__(self, *, cohort: Cohort, result: RosterImportResult):
        self.cohort = cohort
        self.result = result
        self.rows: list[_Row] = []
        self.present: set[str] = set()  # columns the header has
        self.users: dict[str, User] = {}  # lowercased email → existing or new user
        # Filled in by plan(): what is recorded, and what write() is to save.
        self.now = timezone.now()
        self.recorded = _Recorded()
        self.units: dict[str, BusinessUnit] = {}
        self.teams: dict[tuple[str, str], Team] = {}
        self.created: dict[str, list] = {}  # model → new instances, unsaved until write()
        self.updated: dict[str, list] = {}  # model → changed instances
        self.removed_topic_links: list[int] = []

    # --- Reading and validating -------------------------------------------------------

    def validate(self, data: bytes) -> None:
        text = _decode(data, self.result)
        if text is None:
            return
        table = _read_table(text, self.result)
        if table is None:
            return
        header_line, header, records = table
        columns = self._columns(header_line, header)
        if columns is None:
            return
        if not records:
            self.result.error(header_line + 1, "", NO_ROWS)
            return
        categories = _Categories()
        for line, cells in records:
            self.rows.append(self._parse(line, cells, columns, categories))
        self.result.rows = len(self.rows)
        self._check_duplicates()
        self._check_managers()
        self.result.errors.sort(key=lambda e: (e.line or 0, _column_order(e.column)))

    def _columns(self, line: int, header: list[str]) -> dict[str, int] | None:
        columns: dict[str, int] = {}
        extra = []
        for index, name in enumerate(header):
            key = re.sub(r"[\s_-]+", "_", name.strip().lower())
            if key in ROSTER_COLUMNS:
                if key in columns:
                    first, second = columns[key] + 1, index + 1
                    self.result.error(
                        line, key, COLUMN_DUPLICATED, column=key, first=first, second=second
                    )
                columns.setdefault(key, index)
            elif key:
                extra.append(name.strip())
        if not columns:
            self.result.error(line, "", HEADER_MISSING)
            return None
        for column in REQUIRED_COLUMNS:
            if column not in columns:
                self.result.error(line, column, COLUMN_MISSING, column=column)
        if extra:
            self.result.notes.append(NOTE_EXTRA_COLUMNS % {"columns": ", ".join(extra)})
        absent = [column for column in KEPT_WHEN_ABSENT if column not in columns]
        if absent:
            self.result.notes.append(NOTE_COLUMNS_ABSENT % {"columns": ", ".join(absent)})
        self.present = set(columns)
        return None if self.result.errors else columns

    def _parse(self, line, cells, columns, categories) -> _Row:
        def cell(name):
            index = columns.get(name)
            return _clean_cell(cells[index]) if index is not None and index < len(cells) else ""

        def error(column, message, /, **params):
            self.result.error(line, column, message, **params)

        row = _Row(line=line)
        for name in ("email", "full_name", "role", "business_unit", "team", "time_zone"):
            if not cell(name):
                error(name, VALUE_REQUIRED, what=name.replace("_", " "))
        for name, limit in _max_lengths().items():
            if len(cell(name)) > limit:
                error(name, VALUE_TOO_LONG, length=len(cell(name)), limit=limit)

        row.email = _checked_email(cell("email"), lambda v: error("email", EMAIL_INVALID, value=v))
        row.full_name = cell("full_name")
        row.business_unit = cell("business_unit")
        row.team = cell("team")
        if "title" in columns:
            row.title = cell("title")
        if "goals" in columns:
            row.goals = cell("goals")

        role = cell("role").lower()
        if role in Role.values:
            row.role = role
        elif role:
            error("role", ROLE_INVALID, value=cell("role"))

        if "manager_email" in columns:
            raw = cell("manager_email")
            row.manager_email = _checked_email(
                raw, lambda v: error("manager_email", EMAIL_INVALID, value=v)
            )
            if raw and row.manager_email and row.manager_email == row.email:
                error("manager_email", MANAGER_SELF)
                row.manager_email = ""

        time_zone = cell("time_zone")
        row.time_zone = _time_zones_by_key().get(time_zone.lower(), "")
        if time_zone and not row.time_zone:
            error("time_zone", TIME_ZONE_UNKNOWN, value=time_zone)

        row.topic_ids = categories.parse(
            cell("interests"), lambda m, **p: error("interests", m, **p)
        )

        if "career_track" in columns:
            track = re.sub(r"[\s-]+", "_", cell("career_track").lower()) or CareerTrack.UNDECIDED
            if track in CareerTrack.values:
                row.career_track = track
            else:
                error("career_track", CAREER_TRACK_INVALID, value=cell("career_track"))

        capacity = cell("capacity")
        if row.role == Role.MENTOR:
            if not capacity:
                error("capacity", CAPACITY_REQUIRED)
            elif re.fullmatch(r"[123](\.0+)?", capacity):
                row.capacity = int(capacity[0])
            else:
                error("capacity", CAPACITY_INVALID, value=capacity)
        elif row.role == Role.APM and capacity:
            error("capacity", CAPACITY_FOR_APM)

        if "prefers_other_unit" in columns:
            answer = cell("prefers_other_unit")
            row.prefers_other_unit = YES_NO.get(answer.lower(), True) if answer else True
            if answer and answer.lower() not in YES_NO:
                error("prefers_other_unit", YES_NO_INVALID, value=answer)
        return row

    def _check_duplicates(self) -> None:
        first_lines: dict[str, int] = {}
        for row in self.rows:
            if not row.email:
                continue
            if row.email in first_lines:
                first_line = first_lines[row.email]
                self.result.error(
                    row.line, "email", EMAIL_DUPLICATE, email=row.email, first_line=first_line
                )
            else:
                first_lines[row.email] = row.line

    def _check_managers(self) -> None:
        """Every manager exists, and no chain of managers goes round in a loop.

        Links come from the file for people in it and from the database for everyone
        else, since a file row can close a loop through people already recorded.
        """
        in_file = {row.email for row in self.rows if row.email}
        managers = {row.manager_email for row in self.rows if row.manager_email}
        self.users = _users_by_email(in_file | managers)
        for row in self.rows:
            manager = row.manager_email
            if manager and manager not in in_file and manager not in self.users:
                self.result.error(row.line, "manager_email", MANAGER_UNKNOWN, email=manager)
        if "manager_email" not in self.present:
            return  # the file changes no one's manager, so it cannot close a loop

        manager_of = {row.email: row.manager_email for row in self.rows if row.manager_email}
        known = set(in_file)
        frontier = {m for m in manager_of.values() if m not in known and m in self.users}
        while frontier:  # one round of queries per level of the org chart above the file
            known |= frontier
            links = _recorded_managers(frontier)
            manager_of.update(links)
            frontier = {m for m in links.values() if m not in known}

        lines = {row.email: row.line for row in reversed(self.rows) if row.email}
        for cycle in _cycles(manager_of, start=[row.email for row in self.rows if row.email]):
            chain = " → ".join([*cycle, cycle[0]])
            for email in cycle:
                if email in lines:
                    self.result.error(lines[email], "manager_email", MANAGER_CYCLE, chain=chain)

    # --- Planning: compare with what is recorded ---------------------------------------

    def plan(self) -> None:
        """Work out every create and update without writing, and fill in the counts."""
        result = self.result
        self.created = {
            name: [] for name in ("user", "unit", "team", "profile", "enrollment", "topic")
        }
        self.updated = {name: [] for name in ("user", "profile", "enrollment")}
        self.recorded = self._recorded()
        self.units, self.teams = self._units_and_teams()
        for row in self.rows:
            if row.email not in self.users:
                self.users[row.email] = User(
                    email=row.email, full_name=row.full_name, password=_unusable_password()
                )
                self.created["user"].append(self.users[row.email])

        other_role = []
        for row in self.rows:
            user = self.users[row.email]
            is_new = user.pk is None
            person_changed = self._plan_person(row, user)
            enrollment_changed = self._plan_enrollment(row, user)
            result.people_created += is_new
            result.people_updated += person_changed and not is_new
            result.unchanged += not (is_new or person_changed or enrollment_changed)
            other = self.recorded.enrollments.get((user.pk, _other_role(row.role)))
            if other is not None and other.status == Enrollment.Status.SUBMITTED:
                other_role.append(row.email)

        result.business_units_created = len(self.created["unit"])
        result.teams_created = len(self.created["team"])
        if other_role:
            examples = ", ".join(other_role[:5]) + (", …" if len(other_role) > 5 else "")
            result.notes.append(
                NOTE_OTHER_ROLE
                % {"count": len(other_role), "cohort": self.cohort.name, "examples": examples}
            )

    def _plan_person(self, row: _Row, user: User) -> bool:
        """The user's name and their profile; True if either is new or changes."""
        changed = False
        if user.pk is not None and user.full_name != row.full_name:
            user.full_name = row.full_name
            self.updated["user"].append(user)
            changed = True
        unit = self.units[_key(row.business_unit)]
        team = self.teams[(_key(row.business_unit), _key(row.team))]
        manager = self.users.get(row.manager_email) if row.manager_email else None
        profile = self.recorded.profiles.get(user.pk) if user.pk is not None else None
        if profile is None:
            profile = Profile(user=user, title=row.title or "", time_zone=row.time_zone)
            profile.business_unit, profile.team, profile.manager = unit, team, manager
            self.created["profile"].append(profile)
            return True
        if _profile_update(profile, row, unit, team, manager, self.now):
            self.updated["profile"].append(profile)
            return True
        return changed

    def _plan_enrollment(self, row: _Row, user: User) -> bool:
        """The enrollment in this cohort and its topics; True if new or changed."""
        enrollment = None
        if user.pk is not None:
            enrollment = self.recorded.enrollments.get((user.pk, row.role))
        if enrollment is None:
            enrollment = _enrollment_new(user, self.cohort, row, self.now)
            self.created["enrollment"].append(enrollment)
            self.result.enrollments_created += 1
            links = {}
            changed = True
        else:
            links = self.recorded.topic_links.get(enrollment.pk, {})
            fields_changed = _enrollment_update(enrollment, row, self.now)
            if fields_changed:
                self.updated["enrollment"].append(enrollment)
            changed = fields_changed or set(links) != set(row.topic_ids)
            self.result.enrollments_updated += changed
        # The topics are set exactly: links the file lacks go, links it adds come.
        through = Enrollment.topics.through
        self.created["topic"].extend(
            through(enrollment=enrollment, category_id=category_id)
            for category_id in row.topic_ids
            if category_id not in links
        )
        self.removed_topic_links.extend(
            link_id for category_id, link_id in links.items() if category_id not in row.topic_ids
        )
        return changed

    def _recorded(self) -> _Recorded:
        """What is recorded for the people in the file: profiles, enrollments, topics."""
        user_ids = [self.users[row.email].pk for row in self.rows if row.email in self.users]
        recorded = _Recorded()
        for chunk in _chunks(user_ids):
            recorded.profiles.update(
                (profile.user_id, profile) for profile in Profile.objects.filter(user_id__in=chunk)
            )
            recorded.enrollments.update(
                ((enrollment.user_id, enrollment.role), enrollment)
                for enrollment in Enrollment.objects.filter(cohort=self.cohort, user_id__in=chunk)
            )
        through = Enrollment.topics.through
        for chunk in _chunks([enrollment.pk for enrollment in recorded.enrollments.values()]):
            links = through.objects.filter(enrollment_id__in=chunk)
            for link_id, enrollment_id, category_id in links.values_list(
                "id", "enrollment_id", "category_id"
            ):
                recorded.topic_links.setdefault(enrollment_id, {})[category_id] = link_id
        return recorded

    def _units_and_teams(self):
        """Business units and teams by case-insensitive name, new ones unsaved."""
        created = self.created
        # The whole list: an organisation has tens of units, not thousands.
        units = {_key(unit.name): unit for unit in BusinessUnit.objects.all()}
        teams = {
            (_key(team.business_unit.name), _key(team.name)): team
            for team in Team.objects.select_related("business_unit")
        }
        for row in self.rows:
            unit_key, team_key = _key(row.business_unit), (_key(row.business_unit), _key(row.team))
            if unit_key not in units:
                units[unit_key] = BusinessUnit(name=_tidy(row.business_unit))
                created["unit"].append(units[unit_key])
            if team_key not in teams:
                teams[team_key] = Team(business_unit=units[unit_key], name=_tidy(row.team))
                created["team"].append(teams[team_key])
        return units, teams

    # --- Writing -------------------------------------------------------------------

    def write(self) -> None:
        """Save the plan, parents before children; new instances refer to each other."""
        created, updated = self.created, self.updated
        User.objects.bulk_create(created["user"], batch_size=BATCH_SIZE)
        User.objects.bulk_update(updated["user"], ["full_name"], batch_size=BATCH_SIZE)
        BusinessUnit.objects.bulk_create(created["unit"], batch_size=BATCH_SIZE)
        Team.objects.bulk_create(created["team"], batch_size=BATCH_SIZE)
        Profile.objects.bulk_create(created["profile"], batch_size=BATCH_SIZE)
        Profile.objects.bulk_update(
            updated["profile"],
            ["title", "business_unit", "team", "manager", "time_zone", "updated_at"],
            batch_size=BATCH_SIZE,
        )
        Enrollment.objects.bulk_create(created["enrollment"], batch_size=BATCH_SIZE)
        Enrollment.objects.bulk_update(
            updated["enrollment"],
            [
                "career_track",
                "capacity",
                "prefers_other_unit",
                "goals",
                "status",
                "submitted_at",
                "updated_at",
            ],
            batch_size=BATCH_SIZE,
        )
        through = Enrollment.topics.through
        for chunk in _chunks(self.removed_topic_links):
            through.objects.filter(id__in=chunk).delete()
        through.objects.bulk_create(created["topic"], batch_size=BATCH_SIZE)


# --- Comparing ------------------------------------------------------------------------


def _profile_update(profile, row, unit, team, manager, now) -> bool:
    """Bring an existing profile in line with the row; True if anything changed."""
    wanted = {
        "time_zone": row.time_zone,
        "business_unit": unit,
        "team": team,
    }
    if row.title is not None:
        wanted["title"] = row.title
    if row.manager_email is not None:
        wanted["manager"] = manager
    changed = False
    for name, value in wanted.items():
        if name in ("business_unit", "team", "manager"):
            current_id = getattr(profile, f"{name}_id")
            same = (value is None and current_id is None) or (
                value is not None and value.pk is not None and value.pk == current_id
            )
        else:
            same = getattr(profile, name) == value
        if not same:
            setattr(profile, name, value)
            changed = True
    if changed:
        profile.updated_at = now
    return changed


def _enrollment_new(user, cohort, row, now) -> Enrollment:
    return Enrollment(
        user=user,
        cohort=cohort,
        role=row.role,
        status=Enrollment.Status.SUBMITTED,
        submitted_at=now,
        capacity=row.capacity,
        career_track=row.career_track or CareerTrack.UNDECIDED,
        prefers_other_unit=row.prefers_other_unit is not False,
        goals=row.goals or "",
    )


def _enrollment_update(enrollment, row, now) -> bool:
    wanted = {"capacity": row.capacity, "status": Enrollment.Status.SUBMITTED}
    for name in ("career_track", "prefers_other_unit", "goals"):
        if getattr(row, name) is not None:
            wanted[name] = getattr(row, name)
    changed = {name: value for name, value in wanted.items() if getattr(enrollment, name) != value}
    if not changed:
        return False
    if changed.get("status") or enrollment.submitted_at is None:
        # Re-joining after withdrawing counts as submitting now.
        enrollment.submitted_at = now
    for name, value in changed.items():
        setattr(enrollment, name, value)
    enrollment.updated_at = now
    return True


def _other_role(role: str) -> str:
    return Role.MENTOR if role == Role.APM else Role.APM


def _cycles(manager_of: dict[str, str], start: Iterable[str]) -> list[list[str]]:
    """Loops in the manager graph reachable from ``start``.

    Each person has at most one manager, so walking up from anyone either ends or
    comes back to a person already on the current walk.
    """
    done: set[str] = set()
    cycles = []
    for person in start:
        walk: dict[str, int] = {}
        node = person
        while node is not None and node not in done and node not in walk:
            walk[node] = len(walk)
            node = manager_of.get(node)
        if node is not None and node in walk:
            cycles.append(list(walk)[walk[node] :])
        done.update(walk)
    return cycles


# --- Reading the file -----------------------------------------------------------------


def _decode(data: bytes, result: RosterImportResult) -> str | None:
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


def _read_table(text: str, result: RosterImportResult):
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


def _clean_cell(value: str) -> str:
    value = value.strip()
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_TRIGGERS:
        value = value[1:]
    return value


def _checked_email(value: str, report) -> str:
    if not value:
        return ""
    email = value.lower()
    try:
        validate_email(email)
    except ValidationError:
        report(value)
        return ""
    if len(email) > User._meta.get_field("email").max_length:
        report(value)
        return ""
    return email


class _Categories:
    """Toolkit categories by slug (or by name, which slugifies to the same thing)."""

    def __init__(self):
        self.by_key: dict[str, int] = {}
        slugs = []
        for pk, slug, name in Category.objects.values_list("pk", "slug", "name"):
            self.by_key[slug] = pk
            self.by_key.setdefault(slugify(name), pk)
            slugs.append(slug)
        self.valid = ", ".join(slugs)

    def parse(self, value: str, report) -> tuple[int, ...]:
        ids, unknown = [], []
        for part in value.split(INTEREST_SEPARATOR):
            if not part.strip():
                continue
            pk = self.by_key.get(slugify(part))
            if pk is None:
                unknown.append(f"“{part.strip()}”")
            elif pk not in ids:
                ids.append(pk)
        if unknown:
            report(CATEGORY_UNKNOWN, values=" or ".join(unknown), valid=self.valid)
        elif not ids:
            report(INTERESTS_REQUIRED, valid=self.valid)
        return tuple(ids)


# --- Exporting ------------------------------------------------------------------------


def roster_export_rows(enrollments: Iterable[Enrollment]) -> Iterator[list[str]]:
    """The header and one row per enrollment, in the import's format.

    Expects ``user__profile`` (with its unit, team and manager) selected and ``topics``
    prefetched. Cells that a spreadsheet would run as a formula get a leading apostrophe.
    """
    yield list(ROSTER_COLUMNS)
    for enrollment in enrollments:
        user = enrollment.user
        try:
            profile = user.profile
        except ObjectDoesNotExist:
            profile = Profile(user=user)
        values = {
            "email": user.email,
            "full_name": user.full_name,
            "role": enrollment.role,
            "title": profile.title,
            "business_unit": profile.business_unit.name if profile.business_unit else "",
            "team": profile.team.name if profile.team else "",
            "manager_email": profile.manager.email if profile.manager else "",
            "time_zone": profile.time_zone,
            "interests": INTEREST_SEPARATOR.join(t.slug for t in enrollment.topics.all()),
            "career_track": enrollment.career_track,
            "capacity": "" if enrollment.capacity is None else str(enrollment.capacity),
            "prefers_other_unit": "yes" if enrollment.prefers_other_unit else "no",
            "goals": enrollment.goals,
        }
        yield [spreadsheet_safe(values[column]) for column in ROSTER_COLUMNS]


def spreadsheet_safe(value: str) -> str:
    """Stop a spreadsheet from running the cell as a formula (CSV injection)."""
    return f"'{value}" if value.startswith(FORMULA_TRIGGERS) else value


# --- Small helpers --------------------------------------------------------------------


def _users_by_email(emails: set[str]) -> dict[str, User]:
    # Lower() matches addresses recorded with capitals, and uses the unique index on it.
    return {
        user.email_key: user
        for chunk in _chunks(sorted(emails))
        for user in User.objects.annotate(email_key=Lower("email"))
        .filter(email_key__in=chunk)
        .only("pk", "email", "full_name")
    }


def _recorded_managers(emails: set[str]) -> dict[str, str]:
    return dict(
        pair
        for chunk in _chunks(sorted(emails))
        for pair in Profile.objects.annotate(
            email_key=Lower("user__email"), manager_key=Lower("manager__email")
        )
        .filter(email_key__in=chunk, manager__isnull=False)
        .values_list("email_key", "manager_key")
    )


def _unusable_password() -> str:
    """What set_unusable_password() stores, from one call for randomness instead of 40.

    People imported have no password until they set one through "forgot password",
    as for user_get_or_create_by_email().
    """
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _chunks(items: list) -> Iterator[list]:
    """Slices for ``IN (...)`` lookups, within the database's limit on parameters."""
    limit = connection.features.max_query_params  # 999 on SQLite, none on PostgreSQL
    size = min(BATCH_SIZE, limit - 9) if limit else BATCH_SIZE
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _tidy(name: str) -> str:
    return " ".join(name.split())


def _column_order(column: str) -> int:
    return ROSTER_COLUMNS.index(column) if column in ROSTER_COLUMNS else -1


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


@cache
def _time_zones_by_key() -> dict[str, str]:
    return {name.lower(): name for name in time_zone_names()}


@cache
def _max_lengths() -> dict[str, int]:
    return {
        "full_name": User._meta.get_field("full_name").max_length,
        "title": Profile._meta.get_field("title").max_length,
        "business_unit": BusinessUnit._meta.get_field("name").max_length,
        "team": Team._meta.get_field("name").max_length,
        "goals": Enrollment._meta.get_field("goals").max_length,
    }
