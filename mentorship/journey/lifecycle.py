"""Where a cohort is in its lifecycle, the figures of each step, and the one next action.

The cohort's admin page draws this as a stepper (issue 14, part 1): draft, intake open,
matching, active, closed. Each step has its figures (APMs and mentors in, places against
APMs, runs, proposals waiting, matches, first meetings, surveys) and the cohort has one
next action, either a change of status (which the page sends to the cohort services) or
a page to go to (start a run, review proposals, send the survey). About ten queries,
whatever the cohort's size, and two while nothing has changed.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, OuterRef, Q, Sum
from django.urls import reverse
from django.utils.http import urlencode

from matching.models import Match, MatchingRun, Meeting, Proposal
from mentorship.common import changes
from mentorship.models import Cohort, Enrollment, Role
from surveys.models import Invitation, Survey

ORDER = (
    Cohort.Status.DRAFT,
    Cohort.Status.INTAKE_OPEN,
    Cohort.Status.MATCHING,
    Cohort.Status.ACTIVE,
    Cohort.Status.CLOSED,
)
# A change of status the page may ask for, and the words on its button.
MOVES = {
    Cohort.Status.INTAKE_OPEN: "Open intake",
    Cohort.Status.MATCHING: "Close intake",
    Cohort.Status.ACTIVE: "Mark the cohort active",
    Cohort.Status.CLOSED: "Close the cohort",
}
MATCHED = (Match.Status.ACTIVE, Match.Status.GRADUATED)
# A copy of the counts is renewed by any change, and at the latest after this long.
COUNTS_MAX_AGE = 60


@dataclass
class Step:
    status: str
    label: str
    state: str  # "done", "current" or "upcoming"
    figures: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class NextAction:
    text: str  # the button's words
    why: str  # one sentence: why this is next
    move_to: str | None = None  # a status to move to (a POST), or
    url: str | None = None  # a page to open


def cohort_lifecycle(*, cohort: Cohort) -> dict:
    """The cohort's steps (each with its figures) and its next action (None once closed)."""
    figures = _figures(cohort)
    here = ORDER.index(cohort.status)
    steps = []
    for index, status in enumerate(ORDER):
        state = "done" if index < here else "current" if index == here else "upcoming"
        steps.append(Step(status, Cohort.Status(status).label, state, _shown(status, figures)))
    return {"steps": steps, "next": _next_action(cohort, figures), "figures": figures}


def _figures(cohort: Cohort) -> dict:
    """The counts, from a copy while nothing has changed (``mentorship.common.changes``):
    four of them count over the whole cohort, 4-5 ms each at 10,000 people. The latest
    run is read afresh, so a run's progress shows at once."""
    counts = changes.current_copy(
        f"cohort-lifecycle:{cohort.pk}", lambda: _counts(cohort), max_age=COUNTS_MAX_AGE
    )
    latest = MatchingRun.objects.filter(cohort=cohort).order_by("-created_at", "-pk").first()
    return {**counts, "latest_run": latest}


def _counts(cohort: Cohort) -> dict:
    submitted = Q(status=Enrollment.Status.SUBMITTED)
    people = Enrollment.objects.filter(cohort=cohort).aggregate(
        apms=Count("pk", filter=submitted & Q(role=Role.APM)),
        mentors=Count("pk", filter=submitted & Q(role=Role.MENTOR)),
        places=Sum("capacity", filter=submitted & Q(role=Role.MENTOR), default=0),
    )
    matches = Match.objects.filter(cohort=cohort, status__in=MATCHED)
    met = matches.filter(Exists(Meeting.objects.filter(match=OuterRef("pk"))))
    surveys = Survey.objects.filter(cohort=cohort).aggregate(
        sent=Count("pk", filter=~Q(status=Survey.Status.DRAFT)),
        drafts=Count("pk", filter=Q(status=Survey.Status.DRAFT)),
    )
    invitations = Invitation.objects.filter(survey__cohort=cohort).aggregate(
        invited=Count("pk"), answered=Count("pk", filter=Q(completed_on__isnull=False))
    )
    return {
        **people,
        "runs": MatchingRun.objects.filter(cohort=cohort).count(),
        **Proposal.objects.filter(cohort=cohort, status=Proposal.Status.PROPOSED).aggregate(
            waiting=Count("pk"), waiting_run=Max("run")
        ),
        "matched": matches.values("apm").distinct().count(),
        "met": met.count(),
        **surveys,
        **invitations,
    }


def _shown(status: str, f: dict) -> list[tuple[str, str]]:
    if status == Cohort.Status.INTAKE_OPEN:
        places = f"{f['places']:,} for {f['apms']:,} APMs"
        if f["places"] < f["apms"]:
            places += f" ({f['apms'] - f['places']:,} short)"
        return [("APMs in", f"{f['apms']:,}"), ("Mentors in", f"{f['mentors']:,}"),
                ("Mentor places", places)]  # fmt: skip
    if status == Cohort.Status.MATCHING:
        return [("Runs", f"{f['runs']:,}"), ("Proposals waiting", f"{f['waiting']:,}"),
                ("APMs matched", f"{f['matched']:,} of {f['apms']:,}")]  # fmt: skip
    if status == Cohort.Status.ACTIVE:
        return [("Pairs", f"{f['matched']:,}"),
                ("First meetings", f"{f['met']:,} of {f['matched']:,} pairs")]  # fmt: skip
    if status == Cohort.Status.CLOSED:
        answered = f"{f['answered']:,} of {f['invited']:,} invited" if f["invited"] else "—"
        return [("Surveys sent", f"{f['sent']:,}"), ("Answers", answered)]
    return []


def _next_action(cohort: Cohort, f: dict) -> NextAction | None:
    status = cohort.status
    if status == Cohort.Status.DRAFT:
        return NextAction(
            MOVES[Cohort.Status.INTAKE_OPEN],
            "APMs and mentors can then fill in their intake.",
            move_to=Cohort.Status.INTAKE_OPEN,
        )
    if status == Cohort.Status.INTAKE_OPEN:
        return NextAction(
            MOVES[Cohort.Status.MATCHING],
            f"{f['apms']:,} APMs and {f['mentors']:,} mentors are in; matching waits until "
            "intake has closed.",
            move_to=Cohort.Status.MATCHING,
        )
    if status == Cohort.Status.MATCHING:
        return _matching_action(cohort, f)
    if status == Cohort.Status.ACTIVE:
        if not f["sent"]:
            query = {"cohort__id__exact": cohort.pk}
            return NextAction(
                "Send the survey",
                "No survey has gone to this cohort yet: send one from the surveys list "
                "(create it from a template first if there is none).",
                url=f"{reverse('admin:surveys_survey_changelist')}?{urlencode(query)}",
            )
        return NextAction(
            MOVES[Cohort.Status.CLOSED],
            "Its survey has gone out; close the cohort when the program ends.",
            move_to=Cohort.Status.CLOSED,
        )
    return None


def _matching_action(cohort: Cohort, f: dict) -> NextAction:
    latest = f["latest_run"]
    if latest is not None and latest.is_active:
        return NextAction(
            "Watch the run",
            "Matching is running for this cohort.",
            url=reverse("admin:matching_matchingrun_change", args=[latest.pk]),
        )
    if f["waiting"]:
        query = {"run": f["waiting_run"]}
        return NextAction(
            f"Review the {f['waiting']:,} proposal{'s' if f['waiting'] != 1 else ''}",
            "The engine's proposals wait for the committee's approval.",
            url=f"{reverse('admin:matching_proposal_desk')}?{urlencode(query)}",
        )
    unmatched = f["apms"] - f["matched"]
    if latest is None or latest.status == MatchingRun.Status.FAILED:
        return NextAction(
            "Run matching",
            "Intake has closed; the engine proposes a mentor for every APM it can.",
            url=f"{reverse('admin:matching_matchingrun_add')}?{urlencode({'cohort': cohort.pk})}",
        )
    if unmatched > 0:
        return NextAction(
            f"Match the {unmatched:,} APM{'s' if unmatched != 1 else ''} without a mentor",
            "The last run's page says why each could not be matched, with links that fix it.",
            url=reverse("admin:matching_matchingrun_change", args=[latest.pk]),
        )
    return NextAction(
        MOVES[Cohort.Status.ACTIVE],
        "Every APM has a mentor: the program can start.",
        move_to=Cohort.Status.ACTIVE,
    )
