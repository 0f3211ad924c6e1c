"""What an import reports: its counts, every problem with line and column, and notes."""

from dataclasses import dataclass, field

from mentorship.roster.messages import SUMMARY, SUMMARY_NEW_PLACES

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
class ImportReport:
    """What any CSV import reports: its problems (RowError) and its notes.

    The reading and header checks here take any subclass, so another import (the
    surveys' eligible population) reuses them with its own counts.
    """

    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, line: int | None, column: str, message: str, /, **params) -> None:
        self.errors.append(RowError(line, column, message % params if params else message))


@dataclass
class RosterImportResult(ImportReport):
    rows: int = 0
    people_created: int = 0
    people_updated: int = 0
    enrollments_created: int = 0
    enrollments_updated: int = 0
    unchanged: int = 0
    business_units_created: int = 0
    teams_created: int = 0

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTS}

    def summary(self) -> str:
        text = SUMMARY % self.counts()
        if self.business_units_created or self.teams_created:
            text += SUMMARY_NEW_PLACES % self.counts()
        return text
