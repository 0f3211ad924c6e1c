"""The eligible population: everyone who could have joined, imported from a CSV file.

The outcomes page compares participants with the people in this file who did not take
part (``surveys.comparison``). The file is read and checked by the roster import's
machinery (``mentorship.roster``: encodings, delimiters, the header, line-numbered
problems), with the columns below. Like the roster, an import checks every row before it
writes anything, saves nothing if any row has a problem, and touches nothing when the
same file comes again. People missing from the file are left as they are; for each
person in it, the file's promotion dates replace the recorded ones.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from mentorship import roster
from mentorship.common.audit import audit_record
from mentorship.common.text import CONTROL_CHARACTERS, describe_character
from mentorship.models import Profile, User
from mentorship.roster.batches import BATCH_SIZE, chunks
from surveys.models import EligiblePerson, EligiblePromotion

# --- The columns -----------------------------------------------------------------------

PROMOTION_SEPARATOR = ";"
COLUMNS = (
    roster.RosterColumn("email", "Work email address: how a participant is recognised.", True),
    roster.RosterColumn("title", "Job title now (optional)."),
    roster.RosterColumn(
        "level",
        "Level now: associate, product_manager, senior, lead or director.",
        required=True,
    ),
    roster.RosterColumn("hire_date", "The day they joined the company, as 2023-04-17.", True),
    roster.RosterColumn(
        "promotion_dates",
        "Every promotion since they were hired, as dates separated by semicolons "
        "(2024-03-01;2025-09-15). Empty if none.",
    ),
)
COLUMN_NAMES = tuple(column.name for column in COLUMNS)
REQUIRED_COLUMNS = tuple(column.name for column in COLUMNS if column.required)

# --- Every text the import shows (tests assert them) ------------------------------------

HEADER_MISSING = (
    "The first line must be a header row naming the columns: "
    "email,title,level,hire_date,promotion_dates. Add the header row and upload the file again."
)
LEVEL_INVALID = (
    "“%(value)s” is not a level. Write associate, product_manager, senior, lead or director."
)
DATE_INVALID = "“%(value)s” is not a date. Write it as year-month-day, like 2023-04-17."
DATE_IN_FUTURE = "%(value)s is in the future. Give only dates that have passed."
PROMOTION_BEFORE_HIRE = (
    "The promotion on %(value)s is before the hire date, %(hired)s. Correct one of the two."
)
EMAIL_DUPLICATE = (
    "%(email)s is already on line %(first_line)s. Keep one row per person, with all their "
    "promotion dates in one cell."
)
SUMMARY = (
    "Rows: %(rows)s. People: %(created)s added, %(updated)s updated, %(unchanged)s unchanged. "
    "Promotion dates: %(promotions_added)s added, %(promotions_removed)s removed."
)
AUDIT_SUMMARY = "Eligible population imported: %(summary)s"

LEVELS_BY_KEY = {
    **{re.sub(r"\W+", "_", label.lower()): value for value, label in Profile.Level.choices},
    **{value: value for value in Profile.Level.values},
    "apm": Profile.Level.ASSOCIATE,
    "pm": Profile.Level.PRODUCT_MANAGER,
}


@dataclass
class EligibleImportResult(roster.ImportReport):
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    promotions_added: int = 0
    promotions_removed: int = 0

    def counts(self) -> dict[str, int]:
        names = ("rows", "created", "updated", "unchanged", "promotions_added",
                 "promotions_removed")  # fmt: skip
        return {name: getattr(self, name) for name in names}

    def summary(self) -> str:
        return SUMMARY % self.counts()


@dataclass
class EligibleRow:
    line: int
    email: str = ""
    title: str = ""
    level: str = ""
    hired_on: date | None = None
    promotions: set[date] = field(default_factory=set)


# --- Reading and checking --------------------------------------------------------------


def _header(line: int, header: list[str], result: roster.ImportReport):
    return roster.match_header(
        line,
        header,
        result,
        known=COLUMN_NAMES,
        required=REQUIRED_COLUMNS,
        header_missing=HEADER_MISSING,
    )


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None
    except ValueError:
        return None


def _parse(record: roster.Record, columns: dict[str, int], result, today: date) -> EligibleRow:
    line, cells = record

    def cell(name):
        index = columns.get(name)
        return roster.clean_cell(cells[index]) if index is not None and index < len(cells) else ""

    def error(column, message, /, **params):
        result.error(line, column, message, **params)

    row = EligibleRow(line=line)
    for name in REQUIRED_COLUMNS:
        if not cell(name):
            error(name, roster.VALUE_REQUIRED, what=name.replace("_", " "))
    row.email = roster.checked_email(
        cell("email"), lambda v: error("email", roster.EMAIL_INVALID, value=v)
    )
    title = cell("title")
    limit = EligiblePerson._meta.get_field("title").max_length
    if len(title) > limit:
        error("title", roster.VALUE_TOO_LONG, length=len(title), limit=limit)
    elif found := CONTROL_CHARACTERS.search(title):
        error("title", roster.VALUE_CONTROL_CHARACTER, character=describe_character(found.group()))
    row.title = title

    level = cell("level")
    row.level = LEVELS_BY_KEY.get(re.sub(r"[\s-]+", "_", level.lower()), "")
    if level and not row.level:
        error("level", LEVEL_INVALID, value=level)

    hired = cell("hire_date")
    row.hired_on = _parse_date(hired)
    if hired and row.hired_on is None:
        error("hire_date", DATE_INVALID, value=hired)
    elif row.hired_on and row.hired_on > today:
        error("hire_date", DATE_IN_FUTURE, value=hired)
        row.hired_on = None

    for value in filter(None, (v.strip() for v in cell("promotion_dates").split(";"))):
        promoted_on = _parse_date(value)
        if promoted_on is None:
            error("promotion_dates", DATE_INVALID, value=value)
        elif promoted_on > today:
            error("promotion_dates", DATE_IN_FUTURE, value=value)
        elif row.hired_on and promoted_on < row.hired_on:
            error("promotion_dates", PROMOTION_BEFORE_HIRE, value=value, hired=row.hired_on)
        else:
            row.promotions.add(promoted_on)
    return row


def eligible_validate(data: bytes, result: EligibleImportResult) -> list[EligibleRow]:
    """The file's rows, cleaned; whatever is wrong with them is in ``result.errors``."""
    table = roster.read_csv(data, result, header=_header)
    if table is None:
        return []
    columns, records = table
    today = timezone.localdate()
    rows = [_parse(record, columns, result, today) for record in records]
    result.rows = len(rows)
    first_lines: dict[str, int] = {}
    for row in rows:
        if row.email in first_lines:
            result.error(row.line, "email", EMAIL_DUPLICATE, email=row.email,
                         first_line=first_lines[row.email])  # fmt: skip
        elif row.email:
            first_lines[row.email] = row.line
    order = {name: index for index, name in enumerate(COLUMN_NAMES)}
    result.errors.sort(key=lambda e: (e.line or 0, order.get(e.column, -1)))
    return rows


# --- Writing ---------------------------------------------------------------------------


def eligible_import(
    *, data: bytes, dry_run: bool = False, acting_user: User | None = None
) -> EligibleImportResult:
    """Check an eligible-population file and, with no problem and no dry run, save it.

    One transaction: people added or updated (by email), each person's promotion dates
    made equal to the file's, then an audit row. With any problem, or with ``dry_run``,
    nothing is written and the counts say what an import would do.
    """
    result = EligibleImportResult(dry_run=dry_run)
    if not roster.within_size_limit(data, result):
        return result
    rows = eligible_validate(data, result)
    if not result.ok:
        return result
    try:
        with transaction.atomic():
            _plan_and_write(rows, result)
            if dry_run:
                transaction.set_rollback(True)
            else:
                audit_record(
                    actor=acting_user,
                    action="eligible_population.import",
                    target=None,
                    summary=AUDIT_SUMMARY % {"summary": result.summary()},
                    **result.counts(),
                )
    except IntegrityError:
        # Another import added the same people between our reads and our writes.
        return EligibleImportResult(
            dry_run=dry_run, errors=[roster.RowError(None, "", roster.IMPORT_CONFLICT)],
            notes=result.notes,
        )  # fmt: skip
    return result


def _plan_and_write(rows: list[EligibleRow], result: EligibleImportResult) -> None:
    emails = [row.email for row in rows]
    recorded: dict[str, EligiblePerson] = {}
    for chunk in chunks(emails):
        recorded.update(
            (person.email, person)
            for person in EligiblePerson.objects.filter(email__in=chunk).select_for_update()
        )
    dates: dict[int, dict[date, int]] = {}  # person → promotion date → its row's id
    for chunk in chunks([person.pk for person in recorded.values()]):
        for pk, person_id, promoted_on in EligiblePromotion.objects.filter(
            person_id__in=chunk
        ).values_list("pk", "person_id", "promoted_on"):
            dates.setdefault(person_id, {})[promoted_on] = pk
    now = timezone.now()

    new, changed, removed, added_for_new = [], [], [], []
    added: list[EligiblePromotion] = []
    for row in rows:
        person = recorded.get(row.email)
        if person is None:
            person = EligiblePerson(email=row.email, title=row.title, level=row.level,
                                    hired_on=row.hired_on)  # fmt: skip
            new.append(person)
            added_for_new.append((person, row.promotions))
            result.created += 1
            continue
        fields = {"title": row.title, "level": row.level, "hired_on": row.hired_on}
        person_changed = any(getattr(person, name) != value for name, value in fields.items())
        for name, value in fields.items():
            setattr(person, name, value)
        before = dates.get(person.pk, {})
        added += [
            EligiblePromotion(person=person, promoted_on=d) for d in row.promotions - set(before)
        ]
        removed += [pk for d, pk in before.items() if d not in row.promotions]
        if person_changed:
            person.updated_at = now  # bulk_update does not set auto_now fields
            changed.append(person)
        if person_changed or set(before) != row.promotions:
            result.updated += 1
        else:
            result.unchanged += 1

    EligiblePerson.objects.bulk_create(new, batch_size=BATCH_SIZE)
    EligiblePerson.objects.bulk_update(
        changed, ["title", "level", "hired_on", "updated_at"], batch_size=BATCH_SIZE
    )
    for person, promotions in added_for_new:
        added += [EligiblePromotion(person=person, promoted_on=d) for d in promotions]
    for chunk in chunks(removed):  # a date corrected in HR since the last import
        EligiblePromotion.objects.filter(pk__in=chunk).delete()
    EligiblePromotion.objects.bulk_create(added, batch_size=BATCH_SIZE)
    result.promotions_added, result.promotions_removed = len(added), len(removed)
