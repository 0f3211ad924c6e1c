"""What the results pages show: figures for groups, hidden or not, and their charts."""

from collections import Counter
from dataclasses import dataclass, field

from django.utils.functional import cached_property

from mentorship.common import charts
from mentorship.common.numbers import percent
from mentorship.models import Role
from surveys import privacy
from surveys.models import Question, Survey

NOT_ENOUGH = "not enough responses to show"
NOT_RELEASED_NOTE = "answers are shown once the survey closes"
WAITING_NOTE = (
    "the survey has closed; its last answers are being added, in one batch to keep them "
    "anonymous, and are shown within the hour"
)
UNIT_NOT_RECORDED = "Business unit not recorded"
ROLE_LABELS = {Role.APM: "APMs", Role.MENTOR: "Mentors"}
MEASURES = (Question.Measure.RECOMMEND, Question.Measure.NPS, Question.Measure.PROMOTION_CREDIT)


def nps_score(counts: Counter) -> int | None:
    answered = sum(counts.values())
    if not answered:
        return None
    promoters = counts.get(9, 0) + counts.get(10, 0)
    detractors = sum(counts.get(score, 0) for score in range(7))
    return round(100 * (promoters - detractors) / answered)


@dataclass(frozen=True)
class Group:
    key: privacy.GroupKey
    label: str


EVERYONE = Group(privacy.EVERYONE, "Everyone")


@dataclass
class Distribution:
    """The answers to one question from one group, or the fact that they are hidden."""

    question: Question
    group: Group
    shown: bool
    n: int = 0  # people who answered (0 when hidden: the size is not published)
    counts: Counter = field(default_factory=Counter)

    @property
    def status(self) -> str:
        return "" if self.shown else NOT_ENOUGH

    @property
    def rows(self) -> list[tuple[str, int, float | None]]:
        """(answer, people, % of those who answered) for every possible answer."""
        return [
            (self.question.value_label(value), self.counts.get(value, 0),
             percent(self.counts.get(value, 0), self.n))
            for value in self.question.values()
        ]  # fmt: skip

    @property
    def yes_rate(self) -> float | None:
        return percent(self.counts.get(Question.YES, 0), self.n) if self.n else None

    @property
    def nps(self) -> int | None:
        return nps_score(self.counts) if self.n else None

    @property
    def mean(self) -> float | None:
        if not self.n:
            return None
        return round(sum(value * count for value, count in self.counts.items()) / self.n, 2)

    @property
    def summary(self) -> str:
        """One figure for a breakdown table."""
        if self.status:
            return self.status
        kind = self.question.kind
        if kind == Question.Kind.YES_NO:
            return f"{self.yes_rate:g}% yes ({self.counts.get(Question.YES, 0)} of {self.n})"
        if kind == Question.Kind.NPS:
            return f"NPS {self.nps:+d} ({self.n} answers)"
        if kind == Question.Kind.SCALE:
            agree = self.counts.get(4, 0) + self.counts.get(5, 0)
            return f"{percent(agree, self.n):g}% agree, average {self.mean:g} ({self.n} answers)"
        if kind in Question.CHOICE_KINDS:
            top = max(self.question.values(), key=lambda v: self.counts.get(v, 0))
            return f"Most chosen: {top} ({percent(self.counts.get(top, 0), self.n):g}%, {self.n} answers)"  # noqa: E501
        return f"{self.n} answers"


@dataclass
class QuestionResult:
    question: Question
    overall: Distribution
    breakdown: list[Distribution]
    texts: list[str] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return self.overall.shown and self.overall.n > 0

    @property
    def chart_id(self) -> str:
        return f"question-{self.question.pk}"

    @cached_property
    def chart(self):
        if not self.shown or self.question.kind == Question.Kind.TEXT:
            return ""
        bars = [
            charts.Bar(label, share, f"{share:g}% ({count})")
            for label, count, share in self.overall.rows
        ]
        return charts.bar_chart(
            title=f"Answers to “{self.question.text}”, % of {self.overall.n} who answered",
            bars=bars,
            chart_id=self.chart_id,
        )


@dataclass
class Participation:
    group: Group
    invited: int
    completed: int

    @property
    def rate(self) -> float | None:
        return percent(self.completed, self.invited)


def participation_chart(rows: list[Participation], chart_id: str):
    bars = [
        charts.Bar(
            row.group.label,
            row.rate,
            f"{row.rate:g}% ({row.completed} of {row.invited})"
            if row.invited
            else "nobody invited",
        )
        for row in rows
    ]
    return charts.bar_chart(title="Participation: % of invited people who answered",
                            bars=bars, chart_id=chart_id)  # fmt: skip


@dataclass
class MeasureRow:
    """One group's figure for one outcome measure (recommendation, NPS, promotion credit)."""

    group: Group
    shown: bool
    n: int
    counts: Counter

    @property
    def status(self) -> str:
        return "" if self.shown else NOT_ENOUGH


@dataclass
class Measure:
    """An outcome measure across groups: which question, and each group's counts."""

    measure: str
    rows: list[MeasureRow]
    question_text: str = ""
    chart_prefix: str = "measure"

    @property
    def label(self) -> str:
        return {
            Question.Measure.RECOMMEND: "Would recommend the program",
            Question.Measure.NPS: "Net promoter score",
            Question.Measure.PROMOTION_CREDIT: "Promoted APMs who credit the program",
        }[self.measure]

    @property
    def is_rate(self) -> bool:
        return self.measure != Question.Measure.NPS

    def figure(self, row: MeasureRow) -> float | int | None:
        if not row.shown or not row.n:
            return None
        if self.measure == Question.Measure.NPS:
            return nps_score(row.counts)
        return percent(row.counts.get(Question.YES, 0), row.n)

    def text(self, row: MeasureRow) -> str:
        if row.status:
            return row.status
        value = self.figure(row)
        if self.measure == Question.Measure.NPS:
            promoters = row.counts.get(9, 0) + row.counts.get(10, 0)
            detractors = sum(row.counts.get(s, 0) for s in range(7))
            return (f"{value:+d} ({promoters} promoters, {detractors} detractors, "
                    f"{row.n} answers)")  # fmt: skip
        return f"{value:g}% ({row.counts.get(Question.YES, 0)} of {row.n})"

    @property
    def overall(self) -> MeasureRow | None:
        return self.rows[0] if self.rows else None

    @property
    def table(self) -> list[tuple[Group, str, str]]:
        """(group, readable figure, why it is hidden) per group."""
        return [(row.group, self.text(row), row.status) for row in self.rows]

    @cached_property
    def chart(self):
        if not self.is_rate:
            return ""
        bars = [charts.Bar(row.group.label, self.figure(row), self.text(row)) for row in self.rows]
        return charts.bar_chart(
            title=f"{self.label}: % who said yes, by group",
            bars=bars,
            chart_id=f"{self.chart_prefix}-{self.measure}",
        )


@dataclass
class SurveyResults:
    survey: Survey
    released: bool
    threshold: int
    participation: list[Participation]
    questions: list[QuestionResult]
    groups: list[Group]
    waiting: int = 0  # anonymous answers not mixed into responses yet (ballots)

    @property
    def invited(self) -> int:
        return self.participation[0].invited if self.participation else 0

    @property
    def completed(self) -> int:
        return self.participation[0].completed if self.participation else 0

    @property
    def closed_and_waiting(self) -> bool:
        """Closed, but its last anonymous answers are still being added (not released)."""
        return not self.released and self.survey.has_closed()

    @property
    def not_released_note(self) -> str:
        if self.closed_and_waiting:
            return WAITING_NOTE
        return NOT_RELEASED_NOTE

    @cached_property
    def participation_chart(self):
        return participation_chart(self.participation, f"participation-{self.survey.pk}")

    def question_for(self, measure: str) -> QuestionResult | None:
        return next((q for q in self.questions if q.question.measures == measure), None)

    @cached_property
    def measures(self) -> list[Measure]:
        found = []
        for measure in MEASURES:
            result = self.question_for(measure)
            if result is None:
                continue
            rows = [
                MeasureRow(d.group, d.shown, d.n, d.counts)
                for d in [result.overall, *result.breakdown]
            ]
            found.append(Measure(measure, rows, result.question.text, f"survey-{self.survey.pk}"))
        return found

    @cached_property
    def headline(self) -> dict[str, str]:
        """Measure → the readable figure for everyone (for summary tables)."""
        return {m.measure: m.text(m.rows[0]) for m in self.measures if m.rows}
