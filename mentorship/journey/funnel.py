"""The APM journey of a cohort, for the committee: a funnel and where people stall.

Seven steps, each with the day a person reached it:

    intake submitted   the enrollment's submission
    matched            the creation of their active or graduated match
    first meeting      the earliest meeting logged in that match
    survey answered    the completion of a survey invitation (when surveys exist)
    promoted           the date of a confirmed promotion
    graduated          the opening of their graduation guide
    became a mentor    full circle on the guide, or a mentor intake in a later cohort

Steps are counted each on its own (a promoted APM who skipped the survey still counts
as promoted), so every count can be checked against the table of people. All dates
come from five set-based queries for the cohort's APMs (plus one for survey answers):
the page costs the same number of queries whatever the cohort's size.
"""

import statistics
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property, lru_cache

from django.core.paginator import Page
from django.db.models import Min
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from matching.models import Match, Meeting
from mentorship.common import charts
from mentorship.common.numbers import percent
from mentorship.graduation import credited_promotions, next_mentor_cohort
from mentorship.models import Cohort, Enrollment, Role
from surveys.models import Invitation

INTAKE = "intake"
MATCHED = "matched"
FIRST_MEETING = "first_meeting"
SURVEY = "survey"
PROMOTED = "promoted"
GRADUATED = "graduated"
MENTOR = "mentor"

STEP_CODES = (INTAKE, MATCHED, FIRST_MEETING, SURVEY, PROMOTED, GRADUATED, MENTOR)
STEP_LABELS = {
    INTAKE: "Intake submitted",
    MATCHED: "Matched",
    FIRST_MEETING: "First meeting logged",
    SURVEY: "Survey answered",
    PROMOTED: "Promoted",
    GRADUATED: "Graduated",
    MENTOR: "Became a mentor",
}
STEP_DEFINITIONS = {
    INTAKE: "APMs of this cohort whose intake is submitted (not withdrawn). "
    "Date: when they submitted it.",
    MATCHED: "APMs with an active or graduated match. Date: when that match was approved.",
    FIRST_MEETING: "APMs whose active or graduated match has a meeting logged. "
    "Date: the earliest meeting.",
    SURVEY: "APMs who completed a survey invitation of this cohort. Date: when they answered.",
    PROMOTED: "APMs with a confirmed promotion dated on or after their match in this cohort "
    "started. Date: the promotion date.",
    GRADUATED: "APMs the committee graduated. Date: when they graduated.",
    MENTOR: "Graduates who submitted a mentor intake from their guide, or who enrolled as "
    "a mentor in a later cohort. Date: that intake.",
}
# What the committee can do for someone stalled at a step (shown when a reminder won't do).
WHAT_TO_DO = {
    INTAKE: "match them by hand from the matches admin.",
    MATCHED: "remind them to book a meeting, or rematch them.",
    FIRST_MEETING: "record their promotion when it happens.",
    SURVEY: "record their promotion when it happens.",
    PROMOTED: "graduate them from the matches admin.",
    GRADUATED: "invite them to the mentor intake.",
    MENTOR: "they have come full circle; there is nothing left to do.",
}
DEFAULT_STALLED_DAYS = 21


def _as_date(value, zone=None) -> date | None:
    """The local day of ``value`` in ``zone`` (default: the current time zone).

    A funnel converts thousands of datetimes: it passes the zone it looked up once, as
    looking it up again for each value (timezone.localdate) cost more than the rest.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        if not timezone.is_aware(value):
            return value.date()
        return value.astimezone(zone or timezone.get_current_timezone()).date()
    return value


@dataclass
class Action:
    label: str
    url: str
    post: bool = False


@dataclass
class PersonJourney:
    enrollment_id: int
    user_id: int
    name: str
    email: str
    title: str
    mentor_name: str
    dates: dict[str, date | None]
    today: date
    mentor_cohort: Cohort | None = None

    @cached_property
    def actions(self) -> list[Action]:
        # Built only for the people a page shows: reversing URLs for every APM of a large
        # cohort cost more than the rest of the funnel.
        return _actions(self, self.mentor_cohort)

    @cached_property
    def furthest(self) -> str:
        return next(code for code in reversed(STEP_CODES) if self.dates[code] is not None)

    @property
    def furthest_label(self) -> str:
        return STEP_LABELS[self.furthest]

    @property
    def reached_on(self) -> date:
        return self.dates[self.furthest]

    @property
    def days_waiting(self) -> int:
        return (self.today - self.reached_on).days

    def dates_in_order(self) -> list[date | None]:
        return [self.dates[code] for code in STEP_CODES]

    def days_shown(self) -> list[str]:
        """Each step's day as the people table shows it (YYYY-MM-DD, or a dash).

        Formatted here: the table has a cell per person and step (800 on a page), and
        the template's date filter costs a quarter of the page's time there.
        """
        return [day.isoformat() if day else "—" for day in self.dates_in_order()]


@dataclass
class StepFigure:
    code: str
    label: str
    definition: str
    count: int
    share: int | None
    median_days: float | None
    measured: int
    # Who has stalled here, and the page of them shown: read from the snapshot, where
    # the rule lives (snapshots.journey_page).
    stalled_count: int = 0
    stalled_page: Page | None = None

    @property
    def median_display(self) -> str:
        if self.median_days is None:
            return "—"
        return f"{self.median_days:g}"


@dataclass
class Funnel:
    cohort: Cohort
    days: int
    today: date
    steps: list[StepFigure]
    people: list[PersonJourney]
    mentor_cohort: Cohort | None
    # The part of ``people`` a page shows (see snapshots.journey_page).
    people_page: Page | None = None
    # When the figures were worked out, if they come from a snapshot (None: just now).
    built_at: datetime | None = None
    stale: bool = False
    # How many people, where ``people`` is not loaded whole (a snapshot's page).
    people_total: int | None = None

    @property
    def people_count(self) -> int:
        return len(self.people) if self.people_total is None else self.people_total

    @property
    def intake_count(self) -> int:
        return self.steps[0].count

    @property
    def stalled_count(self) -> int:
        return sum(step.stalled_count for step in self.steps)

    @property
    def chart(self):
        """The funnel as bars (share of intake per step), beside its table."""
        return charts.bar_chart(
            title=f"APMs of {self.cohort.name} who reached each step, "
            "as a share of those whose intake is in",
            bars=[
                charts.Bar(
                    step.label,
                    step.share,
                    "—" if step.share is None else f"{step.count:,} ({step.share}%)",
                )
                for step in self.steps
            ],
            chart_id="journey-funnel-chart",
        )


# --- Reading the dates -----------------------------------------------------------------


def _apm_rows(enrollments, *, cohort: Cohort) -> list[dict]:
    """One row per APM enrollment of ``cohort`` with the date of each step.

    Five queries whatever the cohort's size: the enrollments with their person and
    guide, then one each for their live matches, first meetings, credited promotions and
    later mentor intakes, merged here by enrollment or person. A correlated subquery per
    step looked each of these up once per APM, and its estimated cost made PostgreSQL
    compile the query (JIT) on every request: half a second at 6,000 APMs.
    """
    live = [Match.Status.ACTIVE, Match.Status.GRADUATED]
    rows = list(
        enrollments.values(
            "id", "user_id", "user__full_name", "user__email", "user__profile__title",
            "submitted_at", "created_at", "graduation_guide__created_at",
            "graduation_guide__full_circle_at",
        ).order_by("user__full_name", "user__email", "id")
    )  # fmt: skip
    ids = enrollments.values("pk")
    users = enrollments.values("user")

    matched_at, mentor = {}, {}
    pairs = Match.objects.filter(apm__in=ids, status__in=live).values_list(
        "apm_id", "status", "created_at", "id", "mentor__user__full_name"
    )
    for apm_id, status, created_at, match_id, mentor_name in pairs.order_by():
        if apm_id not in matched_at or created_at < matched_at[apm_id]:
            matched_at[apm_id] = created_at
        # The mentor of the newest active match (the order Match lists them in).
        if status == Match.Status.ACTIVE and (
            apm_id not in mentor or (created_at, match_id) > mentor[apm_id][:2]
        ):
            mentor[apm_id] = (created_at, match_id, mentor_name)
    first_meeting = dict(
        Meeting.objects.filter(match__apm__in=ids, match__status__in=live)
        .order_by()
        .values("match__apm_id")
        .annotate(first=Min("occurred_on"))
        .values_list("match__apm_id", "first")
    )
    promoted = dict(
        credited_promotions(cohort=cohort)
        .filter(user__in=users)
        .order_by()
        .values("user_id")
        .annotate(first=Min("promoted_on"))
        .values_list("user_id", "first")
    )
    later_mentor = dict(
        Enrollment.objects.filter(
            user__in=users,
            role=Role.MENTOR,
            status=Enrollment.Status.SUBMITTED,
            cohort__program_starts_on__gt=cohort.program_starts_on,
        )
        .order_by()
        .values("user_id")
        .annotate(first=Min(Coalesce("submitted_at", "created_at")))
        .values_list("user_id", "first")
    )
    for row in rows:
        row["matched_at"] = matched_at.get(row["id"])
        row["mentor_name"] = mentor[row["id"]][2] if row["id"] in mentor else None
        row["first_meeting_on"] = first_meeting.get(row["id"])
        row["promoted_on"] = promoted.get(row["user_id"])
        row["later_mentor_at"] = later_mentor.get(row["user_id"])
    return rows


def survey_answers(*, cohort: Cohort, user_ids=None) -> dict[int, date]:
    """Person id → first day the APM answered a survey of the cohort (one query)."""
    answered = Invitation.objects.filter(
        completed_on__isnull=False, survey__cohort=cohort, role=Role.APM
    )
    if user_ids is not None:
        answered = answered.filter(user_id__in=user_ids)
    answers: dict[int, date] = {}
    zone = timezone.get_current_timezone()
    for user_id, completed_on in answered.values_list("user_id", "completed_on"):
        day = _as_date(completed_on, zone)
        if user_id not in answers or day < answers[user_id]:
            answers[user_id] = day
    return answers


def _person(row, answers: dict[int, date], today: date, zone) -> PersonJourney:
    graduated = _as_date(row["graduation_guide__created_at"], zone)
    mentor_days = [
        _as_date(row["graduation_guide__full_circle_at"], zone),
        _as_date(row["later_mentor_at"], zone),
    ]
    mentor_days = [day for day in mentor_days if day is not None]
    dates = {
        INTAKE: _as_date(row["submitted_at"] or row["created_at"], zone),
        MATCHED: _as_date(row["matched_at"], zone),
        FIRST_MEETING: row["first_meeting_on"],
        SURVEY: answers.get(row["user_id"]),
        PROMOTED: row["promoted_on"],
        GRADUATED: graduated,
        # A mentor intake before graduating is not "coming back": it needs a graduation.
        MENTOR: min(mentor_days) if graduated and mentor_days else None,
    }
    return PersonJourney(
        enrollment_id=row["id"],
        user_id=row["user_id"],
        name=row["user__full_name"] or row["user__email"],
        email=row["user__email"],
        title=row["user__profile__title"] or "",
        mentor_name=row["mentor_name"] or "",
        dates=dates,
        today=today,
    )


def _apm_enrollments(cohort: Cohort):
    return Enrollment.objects.filter(
        cohort=cohort, role=Role.APM, status=Enrollment.Status.SUBMITTED
    )


def person_journey(*, apm_enrollment: Enrollment) -> PersonJourney:
    """One APM's journey (for the committee's reminder): six queries."""
    cohort = apm_enrollment.cohort
    answers = survey_answers(cohort=cohort, user_ids=[apm_enrollment.user_id])
    (row,) = _apm_rows(Enrollment.objects.filter(pk=apm_enrollment.pk), cohort=cohort)
    return _person(row, answers, timezone.localdate(), timezone.get_current_timezone())


# --- The funnel ------------------------------------------------------------------------


def _median_days(people: list[PersonJourney], index: int) -> tuple[float | None, int]:
    """Median days from the nearest earlier step each person reached to step ``index``.

    Steps reached out of order (promoted before the survey) count as 0 days.
    """
    code = STEP_CODES[index]
    gaps = []
    for person in people:
        reached = person.dates[code]
        if reached is None:
            continue
        before = next(
            person.dates[STEP_CODES[j]]
            for j in range(index - 1, -1, -1)
            if person.dates[STEP_CODES[j]] is not None
        )
        gaps.append(max(0, (reached - before).days))
    if not gaps:
        return None, 0
    return float(statistics.median(gaps)), len(gaps)


@lru_cache(maxsize=8)
def _url(name: str) -> str:
    """An admin page's address: the same for every person, so looked up once."""
    return reverse(name)


def _actions(person: PersonJourney, mentor_cohort: Cohort | None) -> list[Action]:
    remind = Action("Remind", reverse("journey_remind", args=[person.enrollment_id]), post=True)
    matches = _url("admin:matching_match_changelist") + "?" + urlencode({"q": person.email})
    promotion = (
        _url("admin:mentorship_promotion_add")
        + "?"
        + urlencode({"user": person.user_id, "from_title": person.title})
    )
    step = person.furthest
    if step == INTAKE:
        add = _url("admin:matching_match_add") + "?" + urlencode({"apm": person.enrollment_id})
        return [Action("Hand-match", add)]
    if step == MATCHED:
        return [remind, Action("Rematch", matches)]
    if step == FIRST_MEETING:
        return [remind, Action("Record a promotion", promotion)]
    if step == SURVEY:
        return [Action("Record a promotion", promotion)]
    if step == PROMOTED:
        return [Action("Graduate", matches)]
    if step == GRADUATED and mentor_cohort is not None:
        return [remind]
    return []


def step_figures(people: list[PersonJourney]) -> list[StepFigure]:
    """Each step's count, share of intake and median days (no stalled lists)."""
    total = len(people)
    steps = []
    for index, code in enumerate(STEP_CODES):
        reached = sum(1 for person in people if person.dates[code] is not None)
        median, measured = _median_days(people, index) if index else (None, 0)
        steps.append(
            StepFigure(
                code=code,
                label=STEP_LABELS[code],
                definition=STEP_DEFINITIONS[code],
                count=reached,
                share=percent(reached, total, digits=0),
                median_days=median,
                measured=measured,
            )
        )
    return steps


def cohort_people(*, cohort: Cohort) -> list[PersonJourney]:
    """Every APM of the cohort whose intake is in, with the day of each step."""
    today = timezone.localdate()
    answers = survey_answers(cohort=cohort)
    zone = timezone.get_current_timezone()
    rows = _apm_rows(_apm_enrollments(cohort), cohort=cohort)
    return [_person(row, answers, today, zone) for row in rows]


def cohort_funnel(*, cohort: Cohort, days: int = DEFAULT_STALLED_DAYS) -> Funnel:
    """The cohort's funnel worked out now: counts, shares of intake, median days, and
    every APM's dates. Who has stalled is read from the snapshot (snapshots.journey_page).
    """
    people = cohort_people(cohort=cohort)
    mentor_cohort = next_mentor_cohort(after=cohort)
    steps = step_figures(people)
    for person in people:
        person.mentor_cohort = mentor_cohort
    return Funnel(
        cohort=cohort,
        days=days,
        today=timezone.localdate(),
        steps=steps,
        people=people,
        mentor_cohort=mentor_cohort,
    )


# Rows a page shows, longest waiting (stalled) or by name (people): each stalled row
# carries its action forms, and at 10,000 people drawing 25 of them for each of four
# steps and 100 people was most of the page's 37 ms.
STALLED_PER_PAGE = 10
PEOPLE_PER_PAGE = 50


def journey_cohorts():
    """Cohorts the funnel can show: all but drafts, newest first."""
    return Cohort.objects.exclude(status=Cohort.Status.DRAFT).order_by(
        "-program_starts_on", "name"
    )
