"""Figures for a cohort or a year: sums of what each survey's page shows."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from surveys import privacy
from surveys.models import Survey
from surveys.results.counting import results_for
from surveys.results.figures import (
    MEASURES,
    Group,
    Measure,
    MeasureRow,
    Participation,
    SurveyResults,
    participation_chart,
    percent,
)

# --- Adding up published figures (cohorts, years) ----------------------------------------


@dataclass
class Combined:
    """Published figures of several surveys added up, group by group."""

    participation: dict = field(default_factory=dict)  # group key → [invited, completed]
    measures: dict = field(default_factory=dict)  # measure → group key → [n, Counter]
    labels: dict = field(default_factory=dict)  # group key → label
    order: list = field(default_factory=list)

    def _remember(self, group: Group):
        if group.key not in self.labels:
            self.labels[group.key] = group.label
            self.order.append(group.key)

    def add(self, result: SurveyResults) -> None:
        for row in result.participation:
            self._remember(row.group)
            totals = self.participation.setdefault(row.group.key, [0, 0])
            totals[0] += row.invited
            totals[1] += row.completed
        for measure in result.measures:
            for row in measure.rows:
                self._remember(row.group)
                by_group = self.measures.setdefault(measure.measure, {})
                totals = by_group.setdefault(row.group.key, [0, Counter()])
                if row.shown:
                    totals[0] += row.n
                    totals[1] += row.counts

    @property
    def participation_chart(self):
        return participation_chart(self.participation_rows(), "combined-participation")

    def participation_rows(self) -> list[Participation]:
        keys = sorted(self.participation, key=self._position)
        return [
            Participation(Group(key, self.labels[key]), *self.participation[key]) for key in keys
        ]

    def measure(self, measure: str) -> Measure | None:
        by_group = self.measures.get(measure)
        if by_group is None:
            return None
        rows = []
        for key in sorted(by_group, key=self._position):
            n, counts = by_group[key]
            shown = n > 0
            rows.append(MeasureRow(Group(key, self.labels[key]), shown, n, counts))
        return Measure(measure, rows, chart_prefix="combined")

    @property
    def measure_list(self) -> list[Measure]:
        return [m for m in (self.measure(measure) for measure in MEASURES) if m is not None]

    def _position(self, key) -> tuple:
        kind = {"all": 0, "role": 1, "unit": 2}[key[0]]
        return (kind, key[0] == "unit" and key[1] is None, self.labels[key].casefold())

    @property
    def invited(self) -> int:
        return self.participation.get(privacy.EVERYONE, [0, 0])[0]

    @property
    def completed(self) -> int:
        return self.participation.get(privacy.EVERYONE, [0, 0])[1]

    @property
    def participation_rate(self) -> float | None:
        return percent(self.completed, self.invited)

    def overall(self, measure: str) -> tuple[float | int | None, int, str]:
        """(figure, answers, readable text) for everyone, or (None, 0, why not)."""
        found = self.measure(measure)
        if found is None or not found.rows:
            return None, 0, "no survey asked this"
        row = found.rows[0]
        return found.figure(row), row.n, found.text(row)


def combine(results: Iterable[SurveyResults]) -> Combined:
    combined = Combined()
    for result in results:
        combined.add(result)
    return combined


def cohort_surveys(cohort) -> list[Survey]:
    return list(
        Survey.objects.filter(cohort=cohort, is_template=False)
        .exclude(status=Survey.Status.DRAFT)
        .select_related("cohort")
        .order_by("opens_at", "pk")
    )


def cohort_results(*, cohort, now=None) -> dict:
    """A cohort's surveys, each with its results, and their published figures added up."""
    surveys = cohort_surveys(cohort)
    results = results_for(surveys, now=now)
    ordered = [results[s.pk] for s in surveys]
    return {"cohort": cohort, "surveys": ordered, "combined": combine(ordered)}
