"""Every check on the roster's rows, each problem reported with its line and column.

Each row is checked on its own (emails, role, time zone, topics, career track,
capacity, yes/no answers), then across rows: one row per person, managers who exist,
and no chain of managers that goes round in a loop.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.text import slugify

from mentorship.common.text import (
    CONTROL_CHARACTERS,
    CONTROL_CHARACTERS_IN_MULTILINE_TEXT,
    describe_character,
    strip_control_characters,
)
from mentorship.models import CareerTrack, Role, User, time_zone_names
from mentorship.roster.messages import (
    CAPACITY_FOR_APM,
    CAPACITY_INVALID,
    CAPACITY_REQUIRED,
    CAREER_TRACK_INVALID,
    CATEGORY_UNKNOWN,
    EMAIL_DUPLICATE,
    EMAIL_INVALID,
    INTERESTS_REQUIRED,
    MANAGER_CYCLE,
    MANAGER_SELF,
    MANAGER_UNKNOWN,
    ROLE_INVALID,
    TIME_ZONE_UNKNOWN,
    VALUE_CONTROL_CHARACTER,
    VALUE_REQUIRED,
    VALUE_TOO_LONG,
    YES_NO_INVALID,
)
from mentorship.roster.reading import Record, clean_cell, read_roster
from mentorship.roster.recorded import recorded_managers, users_by_email
from mentorship.roster.result import RosterImportResult
from mentorship.roster.schema import (
    INTEREST_SEPARATOR,
    RosterRow,
    column_order,
    max_lengths,
)
from toolkit.models import Category

YES_NO = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}
# Names are stored without control or bidirectional characters (NameField), so they are
# compared and counted that way too; the free texts refuse them, as the forms do.
NAME_COLUMNS = ("full_name", "business_unit", "team")
FREE_TEXT_COLUMNS = {"title": CONTROL_CHARACTERS, "goals": CONTROL_CHARACTERS_IN_MULTILINE_TEXT}


@dataclass
class ValidRoster:
    rows: list[RosterRow]
    users: dict[str, User]  # lowercased email → account, for the people and managers named


def roster_validate(data: bytes, result: RosterImportResult) -> ValidRoster:
    """The file's rows, cleaned; whatever is wrong with them is in ``result.errors``."""
    roster = ValidRoster(rows=[], users={})
    table = read_roster(data, result)
    if table is None:
        return roster
    columns, records = table
    categories = _Categories()
    roster.rows = [_parse(record, columns, categories, result) for record in records]
    result.rows = len(roster.rows)
    _check_duplicates(roster.rows, result)
    roster.users = _check_managers(roster.rows, set(columns), result)
    result.errors.sort(key=lambda e: (e.line or 0, column_order(e.column)))
    return roster


def _parse(record: Record, columns, categories, result: RosterImportResult) -> RosterRow:
    line, cells = record

    def cell(name):
        index = columns.get(name)
        if index is None or index >= len(cells):
            return ""
        if name in NAME_COLUMNS:
            return clean_cell(strip_control_characters(cells[index]))
        return clean_cell(cells[index])

    def error(column, message, /, **params):
        result.error(line, column, message, **params)

    row = RosterRow(line=line)
    for name in ("email", "full_name", "role", "business_unit", "team", "time_zone"):
        if not cell(name):
            error(name, VALUE_REQUIRED, what=name.replace("_", " "))
    for name, limit in max_lengths().items():
        if len(cell(name)) > limit:
            error(name, VALUE_TOO_LONG, length=len(cell(name)), limit=limit)
    for name, pattern in FREE_TEXT_COLUMNS.items():
        found = pattern.search(cell(name))
        if found:
            error(name, VALUE_CONTROL_CHARACTER, character=describe_character(found.group()))

    row.email = checked_email(cell("email"), lambda v: error("email", EMAIL_INVALID, value=v))
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
        row.manager_email = checked_email(
            raw, lambda v: error("manager_email", EMAIL_INVALID, value=v)
        )
        if raw and row.manager_email and row.manager_email == row.email:
            error("manager_email", MANAGER_SELF)
            row.manager_email = ""

    time_zone = cell("time_zone")
    row.time_zone = _time_zones_by_key().get(time_zone.lower(), "")
    if time_zone and not row.time_zone:
        error("time_zone", TIME_ZONE_UNKNOWN, value=time_zone)

    row.topic_ids = categories.parse(cell("interests"), lambda m, **p: error("interests", m, **p))

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


def checked_email(value: str, report: Callable[[str], None]) -> str:
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


@cache
def _time_zones_by_key() -> dict[str, str]:
    return {name.lower(): name for name in time_zone_names()}


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


# --- Across rows -----------------------------------------------------------------------


def _check_duplicates(rows: list[RosterRow], result: RosterImportResult) -> None:
    first_lines: dict[str, int] = {}
    for row in rows:
        if not row.email:
            continue
        if row.email in first_lines:
            first_line = first_lines[row.email]
            result.error(
                row.line, "email", EMAIL_DUPLICATE, email=row.email, first_line=first_line
            )
        else:
            first_lines[row.email] = row.line


def _check_managers(
    rows: list[RosterRow], present: set[str], result: RosterImportResult
) -> dict[str, User]:
    """Every manager exists, and no chain of managers goes round in a loop.

    Links come from the file for people in it and from the database for everyone
    else, since a file row can close a loop through people already recorded. Returns
    the accounts of the people and managers named, by lowercased email.
    """
    in_file = {row.email for row in rows if row.email}
    managers = {row.manager_email for row in rows if row.manager_email}
    users = users_by_email(in_file | managers)
    for row in rows:
        manager = row.manager_email
        if manager and manager not in in_file and manager not in users:
            result.error(row.line, "manager_email", MANAGER_UNKNOWN, email=manager)
    if "manager_email" not in present:
        return users  # the file changes no one's manager, so it cannot close a loop

    manager_of = {row.email: row.manager_email for row in rows if row.manager_email}
    known = set(in_file)
    frontier = {m for m in manager_of.values() if m not in known and m in users}
    while frontier:  # one round of queries per level of the org chart above the file
        known |= frontier
        links = recorded_managers(frontier)
        manager_of.update(links)
        frontier = {m for m in links.values() if m not in known}

    lines = {row.email: row.line for row in reversed(rows) if row.email}
    for cycle in _cycles(manager_of, start=[row.email for row in rows if row.email]):
        chain = " → ".join([*cycle, cycle[0]])
        for email in cycle:
            if email in lines:
                result.error(lines[email], "manager_email", MANAGER_CYCLE, chain=chain)
    return users


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
