"""Promotions of participants against a comparison group, per cohort and per year.

Who is compared, for a cohort starting on day S:

* Participants: the cohort's APMs (intake submitted) who were matched with a mentor
  (the match active, ended early or graduated) and who are in the eligible file, hired
  on or before S. They are recognised in the file by email, whatever its case.
* The comparison group: people in the eligible file hired on or before S who were never
  an APM in any cohort (intake submitted), so an APM of another cohort, or one still
  waiting for a match, is in neither group.

Each person is placed in a stratum: their level at S (the level in the file, one step
lower for each promotion the file lists on or after S) and their tenure at S (under a
year, 1 to 2, 2 to 3, 3 to 5, 5 years or more). Participants are compared with the
comparison group of their own stratum only (exact stratification); the comparison rate
is the strata's rates weighted by how many participants each holds, i.e. the rate the
participants would have had if they had been promoted like the non-participants of their
level and tenure. Participants in a stratum with no one to compare with are left out and
counted as such.

Promoted means a promotion dated from S up to the day before S's first anniversary,
recorded in the file or confirmed in the program (``Promotion``), for both groups alike.
The difference in rates has Newcomb's hybrid score interval (``surveys.intervals``);
the weighted rate enters it with its effective number of people.

Queries: two, whatever the number of people or cohorts (one UNION ALL of a grouped
query per cohort; one count of participants missing from the file).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)

from matching.models import Match
from mentorship.common import changes
from mentorship.common.admin_paging import row_count
from mentorship.common.numbers import percent
from mentorship.graduation.promotions import CREDITED_MATCH_STATUSES
from mentorship.models import Cohort, Enrollment, Profile, Promotion, Role
from surveys.intervals import Interval, effective_size, newcomb
from surveys.models import EligiblePerson, EligiblePromotion, privacy_threshold

COPY_MAX_AGE = 300
LEVELS = (
    Profile.Level.ASSOCIATE,
    Profile.Level.PRODUCT_MANAGER,
    Profile.Level.SENIOR,
    Profile.Level.LEAD,
    Profile.Level.DIRECTOR,
)
# (years at least, label); a band runs up to the next one's start.
TENURE_BANDS = ((0, "under 1 year"), (1, "1 to 2 years"), (2, "2 to 3 years"),
                (3, "3 to 5 years"), (5, "5 years or more"))  # fmt: skip
PARTICIPANT, COMPARISON, OTHER_APM = "participant", "comparison", "other_apm"
NOT_ENOUGH = "not enough people to compare"


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (28 February for a 29th that no longer exists)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def years_after(day: date, years: int) -> date:
    return years_before(day, -years)


# --- The one query ---------------------------------------------------------------------


def _cohort_rows(cohort_id: int, start: date):
    """People of the file hired by the cohort's start, grouped by everything compared."""
    end = years_after(start, 1)
    apm = Enrollment.objects.filter(
        user__email=OuterRef("email"), role=Role.APM, status=Enrollment.Status.SUBMITTED
    )
    matched = apm.filter(cohort_id=cohort_id).filter(
        Exists(Match.objects.filter(apm=OuterRef("pk"), status__in=CREDITED_MATCH_STATUSES))
    )
    in_file = EligiblePromotion.objects.filter(
        person=OuterRef("pk"), promoted_on__gte=start, promoted_on__lt=end
    )
    in_program = Promotion.objects.filter(
        user__email=OuterRef("email"),
        status=Promotion.Status.CONFIRMED,
        promoted_on__gte=start,
        promoted_on__lt=end,
    )
    band = Case(
        *[
            When(hired_on__gt=years_before(start, years), then=Value(index - 1))
            for index, (years, _) in enumerate(TENURE_BANDS[1:], start=1)
        ],
        default=Value(len(TENURE_BANDS) - 1),
        output_field=IntegerField(),
    )
    return (
        EligiblePerson.objects.filter(hired_on__lte=start)
        .annotate(
            cohort_id=Value(cohort_id, output_field=IntegerField()),
            band=band,
            since=row_count(EligiblePromotion.objects.filter(promoted_on__gte=start), "person"),
            group=Case(
                When(Exists(matched), then=Value(PARTICIPANT)),
                When(Exists(apm), then=Value(OTHER_APM)),
                default=Value(COMPARISON),
                output_field=CharField(),
            ),
            promoted=Case(
                When(Q(Exists(in_file)) | Q(Exists(in_program)), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .values("cohort_id", "level", "band", "since", "group", "promoted")
        .annotate(n=Count("*"))
        .order_by()
    )


def _counts(starts: list[tuple[int, date]]) -> dict:
    """Plain data (the page keeps a copy): the grouped rows, who is not in the file, and
    how many people the file holds (counting them reads every row)."""
    cohort_ids = [cohort_id for cohort_id, _ in starts]
    rows = []
    if starts:
        first, *others = [_cohort_rows(cohort_id, start) for cohort_id, start in starts]
        rows = [dict(row) for row in (first.union(*others, all=True) if others else first)]
    matched = Match.objects.filter(apm=OuterRef("pk"), status__in=CREDITED_MATCH_STATUSES)
    in_file = EligiblePerson.objects.filter(
        email=OuterRef("user__email"), hired_on__lte=OuterRef("cohort__program_starts_on")
    )
    missing = (
        Enrollment.objects.filter(
            cohort_id__in=cohort_ids, role=Role.APM, status=Enrollment.Status.SUBMITTED
        )
        .filter(Exists(matched))
        .exclude(Exists(in_file))
        .values("cohort_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    return {
        "rows": rows,
        "missing": {row["cohort_id"]: row["n"] for row in missing},
        "eligible_people": EligiblePerson.objects.count(),
    }


# --- The figures -----------------------------------------------------------------------


def points(share: float) -> float:
    """A share (0 to 1) as a percentage with one decimal, halves rounded up."""
    return float(Decimal(repr(share * 100)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def signed(share: float) -> str:
    """A difference in percentage points, with its sign (a true minus sign below 0)."""
    value = points(share)
    if value == 0:
        return "0"
    return f"+{value:g}" if value > 0 else f"\N{MINUS SIGN}{-value:g}"


def level_at_start(level: str, promotions_since: int) -> str:
    """One level lower for each promotion on or after the start (never below the first)."""
    index = LEVELS.index(level) if level in LEVELS else 0
    return LEVELS[max(index - promotions_since, 0)]


@dataclass
class Stratum:
    cohort: str
    level: str
    band: int
    participants: int = 0
    participants_promoted: int = 0
    others: int = 0
    others_promoted: int = 0
    weight: float = 0.0  # the share of the compared participants in this stratum

    @property
    def level_label(self) -> str:
        return Profile.Level(self.level).label

    @property
    def tenure_label(self) -> str:
        return TENURE_BANDS[self.band][1]

    @property
    def others_rate(self) -> float | None:
        return percent(self.others_promoted, self.others)


@dataclass
class Comparison:
    """One cohort's or one year's participants against their comparison group."""

    label: str
    strata: list[Stratum] = field(default_factory=list)
    participants_missing: int = 0  # matched APMs not in the file
    participants_unmatched: int = 0  # in a stratum with no one to compare with
    participants: int = 0
    participants_promoted: int = 0
    others: int = 0  # people in the comparison group, in the participants' strata
    others_promoted: int = 0
    others_rate: float | None = None  # weighted, as a share (0 to 1)
    others_effective: float = 0.0
    interval: Interval | None = None
    threshold: int = 0

    @property
    def enough(self) -> bool:
        """Both sides at least the survey results' privacy threshold (and not empty)."""
        return min(self.participants, self.others) >= max(self.threshold, 1)

    @property
    def participants_rate(self) -> float | None:
        return self.participants_promoted / self.participants if self.participants else None

    # What the page shows, rounded as the rest of the outcomes are (one decimal).

    @property
    def participants_share(self) -> float | None:
        return percent(self.participants_promoted, self.participants)

    @property
    def others_share(self) -> float | None:
        return None if self.others_rate is None else points(self.others_rate)

    @property
    def difference_text(self) -> str:
        if self.interval is None:
            return ""
        low, high = self.interval.lower, self.interval.upper
        return (
            f"{signed(self.interval.estimate)} points "
            f"(95% interval {signed(low)} to {signed(high)})"
        )

    @property
    def left_out(self) -> int:
        return self.participants_missing + self.participants_unmatched

    def finish(self) -> "Comparison":
        used = [s for s in self.strata if s.participants and s.others]
        self.participants_unmatched = sum(s.participants for s in self.strata if not s.others)
        self.participants = sum(s.participants for s in used)
        self.participants_promoted = sum(s.participants_promoted for s in used)
        self.others = sum(s.others for s in used)
        self.others_promoted = sum(s.others_promoted for s in used)
        for stratum in used:
            stratum.weight = stratum.participants / self.participants
        if used:
            self.others_rate = sum(s.weight * s.others_promoted / s.others for s in used)
            self.others_effective = effective_size([(s.weight, s.others) for s in used])
        if self.enough:
            self.interval = newcomb(
                self.participants_promoted,
                self.participants,
                self.others_rate * self.others_effective,
                self.others_effective,
            )
        return self


def promotion_comparison(*, cohorts: list[Cohort]) -> dict:
    """Per cohort (in the order given) and per program year (oldest first)."""
    starts = sorted((cohort.pk, cohort.program_starts_on) for cohort in cohorts)
    # Named for what the copy holds: a copy of an older shape is never read back.
    key = "outcomes-comparison-counts:" + ",".join(f"{pk}@{start}" for pk, start in starts)
    counts = changes.current_copy(key, lambda: _counts(starts), max_age=COPY_MAX_AGE)
    strata: dict[int, dict[tuple, Stratum]] = defaultdict(dict)
    names = {cohort.pk: cohort.name for cohort in cohorts}
    for row in counts["rows"]:
        if row["group"] == OTHER_APM:
            continue
        level = level_at_start(row["level"], row["since"])
        cohort_id = row["cohort_id"]
        stratum = strata[cohort_id].setdefault(
            (level, row["band"]), Stratum(cohort=names[cohort_id], level=level, band=row["band"])
        )
        if row["group"] == PARTICIPANT:
            stratum.participants += row["n"]
            stratum.participants_promoted += row["n"] if row["promoted"] else 0
        else:
            stratum.others += row["n"]
            stratum.others_promoted += row["n"] if row["promoted"] else 0

    threshold = privacy_threshold()
    by_cohort, years = [], {}

    def ordered(found):
        return sorted(found.values(), key=lambda s: (LEVELS.index(s.level), s.band))

    for cohort in cohorts:
        # Strata without participants play no part in the comparison.
        found = {k: s for k, s in strata.get(cohort.pk, {}).items() if s.participants}
        missing = counts["missing"].get(cohort.pk, 0)
        by_cohort.append(
            Comparison(
                label=cohort.name,
                strata=ordered(found),
                participants_missing=missing,
                threshold=threshold,
            ).finish()
        )
        year = years.setdefault(
            cohort.program_starts_on.year,
            Comparison(label=str(cohort.program_starts_on.year), threshold=threshold),
        )
        # A year's strata are its cohorts' strata: each cohort keeps its own start day.
        year.strata += [Stratum(**{**vars(s), "weight": 0.0}) for s in ordered(found)]
        year.participants_missing += missing
    year_rows = [years[year].finish() for year in sorted(years)]
    return {
        "comparison_cohorts": by_cohort,
        "comparison_years": year_rows,
        "comparison_tables": [
            ("By cohort", by_cohort, "comparison-cohorts"),
            ("By program year", year_rows, "comparison-years"),
        ],
        "comparison_threshold": threshold,
        "not_enough": NOT_ENOUGH,
        "eligible_people": counts["eligible_people"],
    }
