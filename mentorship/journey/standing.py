"""Where a person stands in each cohort they joined, in words true to their state.

The one home of every participant-facing status: the badge and the sentence of each
enrollment on "My mentorship", and the intake page once intake has closed. The
enrollment's own status only says whether the intake is in or withdrawn; what the
person hears comes from the cohort and the matches as they are now (matched,
graduated, a mentee who graduated, a match that ended), read for many enrollments in
one query.
"""

from dataclasses import dataclass

from django.db.models import Q

from matching.models import Match
from mentorship.models import Cohort, Enrollment, Role

WITHDRAWN, EDITABLE, WAITING, MATCHED, GRADUATED, MENTEE_GRADUATED, ENDED, CLOSED = (
    "withdrawn", "editable", "waiting", "matched", "graduated", "mentee_graduated",
    "match_ended", "cohort_closed",
)  # fmt: skip
BADGES = {
    WITHDRAWN: ("Withdrawn", "text-bg-secondary"),
    EDITABLE: ("Intake in", "text-bg-success"),
    WAITING: ("Waiting for a match", "text-bg-info"),
    MATCHED: ("Matched", "text-bg-success"),
    GRADUATED: ("Graduated", "text-bg-primary"),
    MENTEE_GRADUATED: ("Mentee graduated", "text-bg-primary"),
    ENDED: ("Match ended", "text-bg-secondary"),
    CLOSED: ("Cohort ended", "text-bg-secondary"),
}


@dataclass(frozen=True)
class Standing:
    stage: str
    message: str

    @property
    def badge(self) -> str:
        return BADGES[self.stage][0]

    @property
    def badge_class(self) -> str:
        return BADGES[self.stage][1]


def _day(value) -> str:
    return f"{value:%B} {value.day}"


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _standing(enrollment: Enrollment, matches: list[dict]) -> Standing:
    cohort, apm = enrollment.cohort, enrollment.role == Role.APM
    statuses = {m["status"] for m in matches}
    if enrollment.status == Enrollment.Status.WITHDRAWN:
        again = f" You can rejoin until {_day(cohort.intake_closes_at)}." if (
            cohort.intake_is_open()
        ) else ""  # fmt: skip
        return Standing(WITHDRAWN, "You withdrew from this cohort." + again)
    if Match.Status.ACTIVE in statuses:
        above = "see your mentor above" if apm else "see your mentees above"
        return Standing(MATCHED, f"You're matched: {above}.")
    if apm and Match.Status.GRADUATED in statuses:
        return Standing(
            GRADUATED,
            "You graduated from this cohort: congratulations. Your graduation guide is above.",
        )
    if not apm and Match.Status.GRADUATED in statuses:
        graduates = [m["name"] for m in matches if m["status"] == Match.Status.GRADUATED]
        noun = "Your mentee" if len(graduates) == 1 else "Your mentees"
        return Standing(
            MENTEE_GRADUATED,
            f"{noun} {_names(graduates)} graduated: thank you for mentoring. The committee "
            "will ask you to mentor again when the next cohort opens.",
        )
    if Match.Status.ENDED in statuses:
        ask = ("If you'd still like a mentor, tell the committee." if apm
               else "The committee will be in touch if another APM needs you.")  # fmt: skip
        return Standing(ENDED, f"Your match in this cohort has ended. {ask}")
    if cohort.status == Cohort.Status.CLOSED:
        return Standing(CLOSED, "This cohort has ended.")
    if cohort.intake_is_open():
        who = "APMs with mentors" if apm else "mentors with APMs"
        whom = "mentor" if apm else "mentees"
        return Standing(
            EDITABLE,
            f"Your intake is in. You can change your answers until "
            f"{_day(cohort.intake_closes_at)}; after that the committee matches {who} and "
            f"you'll get an email introducing your {whom}.",
        )
    confirmed = "mentor is" if apm else "mentees are"
    return Standing(
        WAITING,
        "Intake has closed and your intake is in. The committee is matching people; "
        f"you'll get an email when your {confirmed} confirmed.",
    )


def enrollment_standings(enrollments: list[Enrollment]) -> dict[int, Standing]:
    """Each enrollment's standing; expects ``cohort`` loaded. One query for the matches."""
    ids = [e.pk for e in enrollments]
    rows = (
        Match.objects.filter(Q(apm_id__in=ids) | Q(mentor_id__in=ids))
        .values("apm_id", "mentor_id", "status", "apm__user__full_name", "apm__user__email")
        .order_by("created_at", "pk")
        if ids
        else []
    )
    by_enrollment: dict[int, list[dict]] = {pk: [] for pk in ids}
    for row in rows:
        name = row["apm__user__full_name"] or row["apm__user__email"]
        for side in ("apm_id", "mentor_id"):
            if row[side] in by_enrollment:
                by_enrollment[row[side]].append({"status": row["status"], "name": name})
    return {e.pk: _standing(e, by_enrollment[e.pk]) for e in enrollments}


def enrollment_standing(enrollment: Enrollment) -> Standing:
    return enrollment_standings([enrollment])[enrollment.pk]
