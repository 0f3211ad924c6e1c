"""The committee's outcomes dashboard: each cohort and each year, in figures anyone can check.

Every count links to the admin list it comes from (filtered), so a committee member can
count the rows by hand. Survey figures are the published ones (see ``surveys.results``).
Queries: a fixed number, whatever the number of cohorts or people. The counts grow
with the people (20 ms of SQL at 10,000), so the page keeps a copy of them until the
data next changes (``mentorship.common.changes``) or for ``COUNTS_MAX_AGE`` seconds.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from matching.models import Match
from mentorship.common import changes, charts
from mentorship.common.numbers import percent
from mentorship.graduation import credited_promotions
from mentorship.models import Cohort, Enrollment, Promotion, Role
from surveys.models import Question, Survey
from surveys.results import Combined, results_for

MATCHED_STATUSES = (Match.Status.ACTIVE, Match.Status.GRADUATED)
COUNTS_MAX_AGE = 300
COUNT_NAMES = ("apms", "mentors", "apms_matched", "pairs", "pairs_met", "promoted_apms")


def admin_list(name: str, **filters) -> str:
    """A filtered admin list URL, or "" if that list does not exist."""
    try:
        url = reverse(f"admin:{name}_changelist")
    except NoReverseMatch:
        return ""
    return f"{url}?{urlencode(filters)}" if filters else url


@dataclass
class Outcome:
    """Figures for one cohort or one year (a year adds up its cohorts)."""

    label: str
    apms: int = 0
    mentors: int = 0
    apms_matched: int = 0
    pairs: int = 0
    pairs_met: int = 0
    promoted_apms: int = 0
    combined: Combined = field(default_factory=Combined)
    links: dict = field(default_factory=dict)
    cohort: Cohort | None = None

    @property
    def matched_share(self) -> float | None:
        return percent(self.apms_matched, self.apms)

    @property
    def met_share(self) -> float | None:
        return percent(self.pairs_met, self.pairs)

    @property
    def promoted_share(self) -> float | None:
        return percent(self.promoted_apms, self.apms)

    @property
    def recommendation(self):
        return self.combined.overall(Question.Measure.RECOMMEND)

    @property
    def nps(self):
        return self.combined.overall(Question.Measure.NPS)

    @property
    def promotion_credit(self):
        return self.combined.overall(Question.Measure.PROMOTION_CREDIT)

    def add(self, other: "Outcome") -> None:
        for name in COUNT_NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _cohort_links(cohort: Cohort) -> dict:
    cohort_id = cohort.pk
    enrollments = "mentorship_enrollment"
    return {
        "apms": admin_list(enrollments, cohort__id__exact=cohort_id, role__exact=Role.APM,
                           status__exact=Enrollment.Status.SUBMITTED),
        "mentors": admin_list(enrollments, cohort__id__exact=cohort_id, role__exact=Role.MENTOR,
                              status__exact=Enrollment.Status.SUBMITTED),
        "matched": admin_list("matching_match", cohort__id__exact=cohort_id,
                              status__in=",".join(MATCHED_STATUSES)),
        "pairs": admin_list("matching_match", cohort__id__exact=cohort_id),
        "met": admin_list("matching_meeting", match__cohort__id__exact=cohort_id),
        "invitations": admin_list("surveys_invitation", survey__cohort__id__exact=cohort_id),
        "promotions": admin_list("mentorship_promotion", cohort__id__exact=cohort_id,
                                 status__exact=Promotion.Status.CONFIRMED),
        "results": reverse("surveys:cohort_results", args=[cohort_id]),
    }  # fmt: skip


def _counts_by_cohort() -> dict[str, dict[int, int]]:
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    submitted = Enrollment.objects.filter(status=Enrollment.Status.SUBMITTED)
    for row in submitted.values("cohort_id", "role").annotate(n=Count("user", distinct=True)):
        counts["apms" if row["role"] == Role.APM else "mentors"][row["cohort_id"]] = row["n"]
    matched = (
        Match.objects.filter(status__in=MATCHED_STATUSES, apm__status=Enrollment.Status.SUBMITTED)
        .values("cohort_id")
        .annotate(n=Count("apm", distinct=True))
        .order_by()
    )
    counts["apms_matched"] = {row["cohort_id"]: row["n"] for row in matched}
    pairs = (
        Match.objects.values("cohort_id")
        .annotate(
            pairs=Count("id", distinct=True),
            met=Count("id", filter=Q(meetings__isnull=False), distinct=True),
        )
        .order_by()
    )
    for row in pairs:
        counts["pairs"][row["cohort_id"]] = row["pairs"]
        counts["pairs_met"][row["cohort_id"]] = row["met"]
    # The program's rule: confirmed, and dated on or after the APM's match started.
    promoted = credited_promotions(user=OuterRef("user"), cohort=OuterRef("cohort"))
    promoted_apms = (
        submitted.filter(role=Role.APM)
        .filter(Exists(promoted))
        .values("cohort_id")
        .annotate(n=Count("user", distinct=True))
        .order_by()
    )
    counts["promoted_apms"] = {row["cohort_id"]: row["n"] for row in promoted_apms}
    return dict(counts)


def outcomes_dashboard(*, now=None) -> dict:
    """Per cohort (newest first) and per program year, with charts."""
    now = now or timezone.now()
    cohorts = list(
        Cohort.objects.exclude(status=Cohort.Status.DRAFT).order_by("-program_starts_on")
    )
    counts = changes.current_copy("outcomes-counts", _counts_by_cohort, max_age=COUNTS_MAX_AGE)
    surveys = list(
        Survey.objects.filter(is_template=False, cohort__in=cohorts)
        .exclude(status=Survey.Status.DRAFT)
        .select_related("cohort")
    )
    results = results_for(surveys, measures_only=True, now=now)
    by_cohort: dict[int, list] = defaultdict(list)
    for survey in surveys:
        by_cohort[survey.cohort_id].append(results[survey.pk])

    rows, years = [], {}
    for cohort in cohorts:
        outcome = Outcome(label=cohort.name, cohort=cohort, links=_cohort_links(cohort))
        for name in COUNT_NAMES:
            setattr(outcome, name, counts.get(name, {}).get(cohort.pk, 0))
        for result in by_cohort[cohort.pk]:
            outcome.combined.add(result)
        rows.append(outcome)
        year = cohort.program_starts_on.year
        total = years.setdefault(year, Outcome(label=str(year)))
        total.add(outcome)
        for result in by_cohort[cohort.pk]:
            total.combined.add(result)
    year_rows = [years[year] for year in sorted(years)]
    return {
        "cohorts": rows,
        "years": year_rows,
        "matched_chart": charts.bar_chart(
            title="Share of APMs matched, by cohort (goal: 100%)",
            bars=[
                charts.Bar(
                    row.label,
                    row.matched_share,
                    f"{row.matched_share:g}% ({row.apms_matched} of {row.apms})"
                    if row.apms
                    else "no APMs",
                )
                for row in rows
            ],
            chart_id="matched-by-cohort",
        ),
        "recommend_chart": charts.bar_chart(
            title="Would recommend the program, by program year",
            bars=[
                charts.Bar(row.label, row.recommendation[0], row.recommendation[2])
                for row in year_rows
            ],
            chart_id="recommend-by-year",
        ),
    }
