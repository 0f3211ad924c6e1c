"""Reads for the committee's review desk: a card per proposed pair (issue 14, part 3).

Each card puts both people side by side (title, unit, team, time zone, career track,
interests with the shared ones marked, the intake answers the APM shared), the score
split into its parts with the reasons in words, the APM's next-best allowed mentors
with their scores and whether each has room now, and, when an earlier run proposed
someone else for the APM, who and why the pair changed.

A page of cards costs a fixed number of queries whatever the cohort's size, and reads
only its own cards: the cards come in the APMs' name order from the index on people's
names, and the run's figures above them (waiting, needing a look, changed since the
previous run) are a copy, counted again after any change (issue 13).
"""

import re
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q

from matching.engine import Weights
from matching.engine.records import PART_LABELS, PART_NAMES
from matching.models import Match, MatchingRun, Proposal
from matching.selectors import stored_pairs
from mentorship.common import changes, charts
from mentorship.common.admin_paging import Counted
from mentorship.models import Enrollment
from mentorship.selectors import enrollment_shared_answers
from toolkit.models import Category

CARDS_PER_PAGE = 20
# The run's figures are counted again after a change, and at least this often (seconds).
COUNTS_MAX_AGE = 60
# "Needs a look": a score under this share of the most a pair can score, or an
# alternative within CLOSE_POINTS of the proposed pair.
LOW_SCORE_SHARE = 0.5
CLOSE_POINTS = 5.0
# Score bands of the filter, as shares of the most a pair can score.
BANDS = {
    "low": ("Under half the most a pair can score", 0.0, 0.5),
    "middle": ("Half to three quarters", 0.5, 0.75),
    "high": ("Three quarters or more", 0.75, None),
}
PEOPLE = ("user__profile__business_unit", "user__profile__team")
# A reason's "(+20)": the card shows the points beside it already.
POINTS_SUFFIX = re.compile(r"\s*\(\+[\d.]+\)$")


@dataclass
class Part:
    label: str
    points: float
    most: float
    reason: str


@dataclass
class Alternative:
    mentor: Enrollment
    score: float
    room: int  # places left now, after active matches and other waiting proposals


@dataclass
class Change:
    mentor: Enrollment | None
    score: float
    run_id: int
    why: str


@dataclass
class Card:
    proposal: Proposal
    parts: list[Part]
    shared: set[int]  # category ids both chose
    shared_answers: list[tuple[str, str]]
    alternatives: list[Alternative] = field(default_factory=list)
    changed: Change | None = None
    needs_look: bool = False

    @property
    def people(self) -> list[tuple[str, Enrollment]]:
        return [("APM", self.proposal.apm), ("Mentor", self.proposal.mentor)]

    @property
    def bar(self):
        most = sum(part.most for part in self.parts)
        words = ", ".join(f"{part.label} {part.points:g}" for part in self.parts if part.points)
        return charts.stacked_bar(
            parts=[(part.label, part.points) for part in self.parts],
            most=most,
            label=f"Score {self.proposal.score:g} of {most:g}: {words or 'no part scored'}",
        )


def desk_run(run_id) -> MatchingRun | None:
    """The run the desk reviews: the one asked for, else the newest that succeeded with
    proposals still waiting."""
    runs = MatchingRun.objects.select_related("cohort").filter(status=MatchingRun.Status.SUCCEEDED)
    if run_id is not None:
        return runs.filter(pk=run_id).first()
    waiting = Proposal.objects.filter(run=OuterRef("pk"), status=Proposal.Status.PROPOSED)
    return runs.filter(Exists(waiting)).order_by("-created_at", "-pk").first()


def most_points(run: MatchingRun) -> float:
    weights = run.weights if isinstance(run.weights, dict) else {}
    return sum(Weights.from_dict(weights).as_dict().values())


def waiting_proposals(run: MatchingRun, *, unit=None, band=None):
    """The run's proposals still waiting, filtered by the APM's unit and score band."""
    proposals = Proposal.objects.filter(run=run, status=Proposal.Status.PROPOSED)
    if unit is not None:
        proposals = proposals.filter(apm__user__profile__business_unit=unit)
    if band in BANDS:
        _, low, high = BANDS[band]
        most = most_points(run)
        proposals = proposals.filter(score__gte=low * most)
        if high is not None:
            proposals = proposals.filter(score__lt=high * most)
    return proposals


def needs_look_filter(run: MatchingRun) -> Q:
    """The "needs a look" rule in SQL: a low score, or an alternative scoring within
    CLOSE_POINTS of the pair (the best one, kept as next_best_score, decides)."""
    return Q(score__lt=LOW_SCORE_SHARE * most_points(run)) | Q(
        next_best_score__gte=F("score") - CLOSE_POINTS
    )


def desk_counts(run: MatchingRun) -> dict:
    """The run's figures above the cards: proposals waiting, how many need a look, and
    how many APMs the previous run proposed someone else for (``changed_count``)."""

    def count() -> dict:
        waiting = waiting_proposals(run)
        return {
            "waiting": waiting.count(),
            "needing_look": waiting.filter(needs_look_filter(run)).count(),
            "changes": changed_count(run),
        }

    return changes.current_copy(f"review-desk:{run.pk}", count, max_age=COUNTS_MAX_AGE)


def desk_page(run: MatchingRun, *, unit=None, band=None, look=False, page=1, counts=None):
    """A page of cards (Paginator page of Proposals, and their Cards). ``counts`` (from
    ``desk_counts``) spares counting the waiting proposals again when no unit or band
    narrows them."""
    proposals = waiting_proposals(run, unit=unit, band=band)
    if look:
        proposals = proposals.filter(needs_look_filter(run))
    proposals = proposals.select_related(
        *(f"{who}__{path}" for who in ("apm", "mentor") for path in PEOPLE),
        "apm__user",
        "mentor__user",
    ).prefetch_related(
        Prefetch("apm__topics", queryset=Category.objects.only("id", "name")),
        Prefetch("mentor__topics", queryset=Category.objects.only("id", "name")),
    )
    proposals = proposals.order_by("apm__user__full_name", "pk")
    if counts is not None and unit is None and band is None:
        proposals = Counted(proposals, counts["needing_look" if look else "waiting"])
    shown = Paginator(proposals, CARDS_PER_PAGE).get_page(page)
    return shown, cards_for(run, list(shown.object_list))


def cards_for(run: MatchingRun, proposals: list[Proposal]) -> list[Card]:
    most_of = Weights.from_dict(run.weights if isinstance(run.weights, dict) else {}).as_dict()
    most = sum(most_of.values())
    alternative_ids = {pk for p in proposals for pk, _ in stored_pairs(p.alternatives)}
    mentors = (
        Enrollment.objects.filter(pk__in=alternative_ids)
        .select_related("user")
        .annotate(
            busy=Count("mentor_matches", filter=Q(mentor_matches__status=Match.Status.ACTIVE))
        )
        .in_bulk()
    )
    waiting = _waiting_for(run, {p.mentor_id for p in proposals} | set(mentors))
    previous = _previous_proposals(run, [p.apm_id for p in proposals])
    taken_by = _proposed_for(run, {prev.mentor_id for prev in previous.values()})
    cards = []
    for proposal in proposals:
        parts_by_name = {
            part.get("name"): part for part in proposal.parts if isinstance(part, dict)
        }
        parts = [
            Part(
                PART_LABELS[name],
                float(parts_by_name.get(name, {}).get("points") or 0),
                most_of[name],
                POINTS_SUFFIX.sub("", str(parts_by_name.get(name, {}).get("reason") or "")),
            )
            for name in PART_NAMES
        ]
        alternatives = [
            Alternative(mentor, score, mentor.capacity - mentor.busy - waiting.get(pk, 0))
            for pk, score in stored_pairs(proposal.alternatives)
            if (mentor := mentors.get(pk)) is not None
        ]
        card = Card(
            proposal=proposal,
            parts=parts,
            shared={t.pk for t in proposal.apm.topics.all()}
            & {t.pk for t in proposal.mentor.topics.all()},
            shared_answers=enrollment_shared_answers(enrollment=proposal.apm),
            alternatives=alternatives,
            changed=_change(proposal, previous.get(proposal.apm_id), taken_by),
        )
        best = proposal.next_best_score
        card.needs_look = proposal.score < LOW_SCORE_SHARE * most or (
            best is not None and best >= proposal.score - CLOSE_POINTS
        )
        cards.append(card)
    return cards


def _waiting_for(run: MatchingRun, mentor_ids) -> dict[int, int]:
    """Proposals of the run still waiting, per mentor: places they would take."""
    rows = (
        Proposal.objects.filter(run=run, status=Proposal.Status.PROPOSED, mentor__in=mentor_ids)
        .values("mentor")
        .annotate(n=Count("pk"))
    )
    return {row["mentor"]: row["n"] for row in rows}


def previous_run(run: MatchingRun) -> MatchingRun | None:
    """The cohort's last run that succeeded before this one."""
    earlier = MatchingRun.objects.filter(
        cohort_id=run.cohort_id, status=MatchingRun.Status.SUCCEEDED, created_at__lt=run.created_at
    )
    return earlier.order_by("-created_at", "-pk").first()


def _previous_proposals(run: MatchingRun, apm_ids) -> dict[int, Proposal]:
    """Each APM's proposal in the cohort's run before this one (if it had one)."""
    before = previous_run(run)
    if before is None:
        return {}
    earlier = Proposal.objects.filter(run=before, apm__in=apm_ids).select_related("mentor__user")
    return {proposal.apm_id: proposal for proposal in earlier}


def _proposed_for(run: MatchingRun, mentor_ids) -> dict[int, list[str]]:
    """Who this run proposes for each of these mentors (names)."""
    rows = Proposal.objects.filter(run=run, mentor__in=mentor_ids).select_related("apm__user")
    names: dict[int, list[str]] = {}
    for proposal in rows:
        names.setdefault(proposal.mentor_id, []).append(proposal.apm.user.display_name)
    return names


def _change(proposal: Proposal, before: Proposal | None, taken_by) -> Change | None:
    if before is None or before.mentor_id == proposal.mentor_id:
        return None
    others = taken_by.get(before.mentor_id)
    if others:
        why = f"{before.mentor.user.display_name} is now proposed for {', '.join(others)}."
    else:
        why = (
            f"{before.mentor.user.display_name} is not proposed for anyone this time: the "
            "weights, the intake answers or the rules changed."
        )
    return Change(before.mentor, before.score, before.run_id, why)


def changed_count(run: MatchingRun) -> dict | None:
    """How many of the run's APMs the cohort's previous run proposed someone else for:
    ``{"run_id": the previous run, "count": n}``, or None if there was none.

    One join of both runs' proposals by APM: those the previous run had, less those
    with the same mentor (a subquery per proposal took 50 ms at 6,000).
    """
    before = previous_run(run)
    if before is None:
        return None
    now = Proposal.objects.filter(run=run).exclude(status=Proposal.Status.SUPERSEDED)
    pairs = now.filter(apm__apm_proposals__run=before).aggregate(
        earlier=Count("pk"), same=Count("pk", filter=Q(apm__apm_proposals__mentor=F("mentor")))
    )
    return {"run_id": before.pk, "count": pairs["earlier"] - pairs["same"]}
