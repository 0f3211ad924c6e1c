"""Reads for matching: engine inputs from the database, and who may see which match."""

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.core.paginator import Paginator
from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from matching.engine import ApmRecord, MentorRecord, Weights
from matching.engine.records import PART_LABELS, PART_NAMES
from matching.engine.words import APM, MENTOR, pair_words
from matching.models import (
    BannedPair,
    Match,
    MatchingRun,
    Meeting,
    Proposal,
    RematchRequest,
    UnmatchedApm,
)
from mentorship.common import changes
from mentorship.models import Cohort, Enrollment, Profile, Role, Team, User
from mentorship.selectors import enrollment_shared_answers
from toolkit.models import Category, Topic
from toolkit.selectors import SUGGESTION_COUNT, suggestion_candidates, topic_suggestions

ACTIVE_MENTEES = Q(mentor_matches__status=Match.Status.ACTIVE)


@lru_cache(maxsize=1024)
def _utc_offset_minutes(zone: str, day: str) -> int:
    moment = datetime.fromisoformat(day).replace(tzinfo=ZoneInfo(zone))
    return int(moment.utcoffset().total_seconds() // 60)


def utc_offset_minutes(zone: str, now: datetime | None = None) -> int:
    day = (now or timezone.now()).date().isoformat()
    try:
        return _utc_offset_minutes(zone or "UTC", day)
    except (KeyError, ValueError):
        return 0


@dataclass
class EngineInputs:
    apms: list[ApmRecord] = field(default_factory=list)
    mentors: list[MentorRecord] = field(default_factory=list)
    banned_pairs: set[tuple[int, int]] = field(default_factory=set)
    category_names: dict[int, str] = field(default_factory=dict)
    person_names: dict[int, str] = field(default_factory=dict)
    team_names: dict[int, str] = field(default_factory=dict)


def _enrollments_with_profiles(queryset):
    return queryset.select_related("user", "user__profile").only(
        "id", "role", "career_track", "prefers_other_unit", "capacity", "cohort_id",
        "user__id", "user__email", "user__full_name",
        "user__profile__business_unit_id", "user__profile__team_id",
        "user__profile__manager_id", "user__profile__time_zone",
        "user__profile__agencies", "user__profile__domains",
    )  # fmt: skip


def active_match_statuses():
    # A graduated APM has finished the program: never matched again in that cohort.
    return [Match.Status.ACTIVE, Match.Status.GRADUATED]


def _profile_of(enrollment):
    try:
        return enrollment.user.profile
    except Profile.DoesNotExist:
        return None


def _manager_chain(user_id: int, managers: dict[int, int | None]) -> frozenset[int]:
    chain = set()
    manager = managers.get(user_id)
    if manager:
        chain.add(manager)
        grand = managers.get(manager)
        if grand:
            chain.add(grand)
    return frozenset(chain)


def _apm_record(enrollment, topics, managers, now, spellings) -> ApmRecord:
    profile = _profile_of(enrollment)
    return ApmRecord(
        id=enrollment.id,
        person_id=enrollment.user_id,
        business_unit=profile.business_unit_id if profile else None,
        team=profile.team_id if profile else None,
        manager_chain=_manager_chain(enrollment.user_id, managers),
        utc_offset_minutes=utc_offset_minutes(profile.time_zone if profile else "UTC", now),
        interests=frozenset(topics.get(enrollment.id, ())),
        career_track=enrollment.career_track,
        prefers_other_unit=enrollment.prefers_other_unit,
        agencies=_canonical(profile.agencies if profile else [], spellings),
        domains=_canonical(profile.domains if profile else [], spellings),
    )


def _canonical(labels, spellings: dict[str, str]) -> frozenset[str]:
    """People type "VA", "va" or "Va": compare case-insensitively, show the first spelling."""
    return frozenset(
        spellings.setdefault(label.strip().casefold(), label.strip())
        for label in labels
        if label.strip()
    )


def _mentor_record(enrollment, topics, now, capacity, spellings) -> MentorRecord:
    profile = _profile_of(enrollment)
    return MentorRecord(
        id=enrollment.id,
        person_id=enrollment.user_id,
        business_unit=profile.business_unit_id if profile else None,
        team=profile.team_id if profile else None,
        utc_offset_minutes=utc_offset_minutes(profile.time_zone if profile else "UTC", now),
        topics=frozenset(topics.get(enrollment.id, ())),
        career_track=enrollment.career_track,
        capacity=capacity,
        agencies=_canonical(profile.agencies if profile else [], spellings),
        domains=_canonical(profile.domains if profile else [], spellings),
    )


def _topics_by_enrollment(enrollment_ids=None, cohort=None) -> dict[int, list[int]]:
    through = Enrollment.topics.through.objects.all()
    if cohort is not None:
        through = through.filter(enrollment__cohort=cohort)
    if enrollment_ids is not None:
        through = through.filter(enrollment_id__in=enrollment_ids)
    topics = defaultdict(list)
    for enrollment_id, category_id in through.values_list("enrollment_id", "category_id"):
        topics[enrollment_id].append(category_id)
    return topics


def _managers(user_ids: Collection[int] | None = None) -> dict[int, int | None]:
    profiles = Profile.objects.exclude(manager=None)
    if user_ids is not None:
        profiles = profiles.filter(user_id__in=user_ids)
    return dict(profiles.values_list("user_id", "manager_id"))


def manager_chains(*, user_ids: Collection[int]) -> dict[int, frozenset[int]]:
    """Each person's manager and manager's manager, reading only their chains (two queries)."""
    managers = _managers(user_ids)
    managers.update(_managers(set(managers.values()) - managers.keys()))
    return {user_id: _manager_chain(user_id, managers) for user_id in user_ids}


def engine_inputs(*, cohort: Cohort) -> EngineInputs:
    """Everything the engine needs for one cohort, in a fixed number of queries.

    APMs: submitted, not already in an active or graduated match. Mentors: submitted,
    with their capacity minus their active matches (may be 0).
    """
    now = timezone.now()
    submitted = Enrollment.objects.filter(cohort=cohort, status=Enrollment.Status.SUBMITTED)
    apms = _enrollments_with_profiles(
        submitted.filter(role=Role.APM).exclude(apm_matches__status__in=active_match_statuses())
    ).order_by("id")
    mentors = (
        _enrollments_with_profiles(submitted.filter(role=Role.MENTOR))
        .annotate(taken=Count("mentor_matches", filter=ACTIVE_MENTEES))
        .order_by("id")
    )
    topics = _topics_by_enrollment(cohort=cohort)
    managers = _managers()
    inputs = EngineInputs()
    people = {}
    spellings: dict[str, str] = {}
    for enrollment in apms:
        inputs.apms.append(_apm_record(enrollment, topics, managers, now, spellings))
        people[enrollment.user_id] = enrollment.user.display_name
    apm_by_user = {record.person_id: record.id for record in inputs.apms}
    mentor_by_user = {}
    for enrollment in mentors:
        remaining = max(0, (enrollment.capacity or 0) - enrollment.taken)
        inputs.mentors.append(_mentor_record(enrollment, topics, now, remaining, spellings))
        people[enrollment.user_id] = enrollment.user.display_name
        mentor_by_user[enrollment.user_id] = enrollment.id

    for apm_user, mentor_user in BannedPair.objects.values_list("apm_user_id", "mentor_user_id"):
        if apm_user in apm_by_user and mentor_user in mentor_by_user:
            inputs.banned_pairs.add((apm_by_user[apm_user], mentor_by_user[mentor_user]))
    # A pair the committee rejected in this cohort is not proposed to it again.
    inputs.banned_pairs.update(
        Proposal.objects.filter(cohort=cohort, status=Proposal.Status.REJECTED).values_list(
            "apm_id", "mentor_id"
        )
    )
    inputs.category_names = dict(Category.objects.values_list("id", "name"))
    # Managers named in fixes and reasons may not be in the cohort.
    manager_ids = {m for record in inputs.apms for m in record.manager_chain} - people.keys()
    if manager_ids:
        people.update(
            (user.pk, user.display_name)
            for user in User.objects.filter(pk__in=manager_ids).only("id", "full_name", "email")
        )
    inputs.person_names = people
    inputs.team_names = dict(Team.objects.values_list("id", "name"))
    return inputs


def pair_records(*, apm: Enrollment, mentor: Enrollment) -> tuple[ApmRecord, MentorRecord]:
    """Engine records for one hand-picked pair (used to score and check it)."""
    now = timezone.now()
    topics = _topics_by_enrollment(enrollment_ids=[apm.pk, mentor.pk])
    apm = _enrollments_with_profiles(Enrollment.objects.filter(pk=apm.pk)).get()
    mentor = (
        _enrollments_with_profiles(Enrollment.objects.filter(pk=mentor.pk))
        .annotate(taken=Count("mentor_matches", filter=ACTIVE_MENTEES))
        .get()
    )
    managers = _managers([apm.user_id])
    managers.update(_managers(set(managers.values())))
    remaining = max(0, (mentor.capacity or 0) - mentor.taken)
    spellings: dict[str, str] = {}
    return (
        _apm_record(apm, topics, managers, now, spellings),
        _mentor_record(mentor, topics, now, remaining, spellings),
    )


def banned_pairs_for(*, apm: Enrollment, mentor: Enrollment) -> set[tuple[int, int]]:
    banned = set()
    if BannedPair.objects.filter(apm_user_id=apm.user_id, mentor_user_id=mentor.user_id).exists():
        banned.add((apm.pk, mentor.pk))
    return banned


# --- Who may see a match ---------------------------------------------------------------


def matches_for_user(user):
    """Active and past matches where the person is the APM or the mentor (``pairs_of``)."""
    return with_run_weights(
        pairs_of(Match, user)
        .select_related("cohort", "apm__user", "mentor__user",
                        "apm__user__profile__business_unit",
                        "mentor__user__profile__business_unit")
        .prefetch_related(Prefetch("apm__topics"))
        .order_by("-created_at")
    )  # fmt: skip


def with_run_weights(matches):
    """``run_weights`` on each match: the weights of the run that proposed it (None for a
    hand match), read in the same query, for ``match_words``."""
    return matches.annotate(run_weights=F("proposal__run__weights"))


def pairs_of(model, user):
    """``model``'s rows (matches or proposals) where the person is the APM or the mentor.

    The person's enrollments are read first (a handful), so the rows are found through
    the indexes on the two enrollment columns: filtering on ``apm__user`` or
    ``mentor__user`` instead joins both users and scans every row in the organisation.
    """
    mine = list(Enrollment.objects.filter(user=user).order_by().values_list("pk", flat=True))
    return model.objects.filter(Q(apm__in=mine) | Q(mentor__in=mine))


def active_matches_of(user):
    """The person's active matches, newest first, with both people and the APM's
    interests: what the toolkit's suggestions need, without the home page's ten-table
    join (planning it took longer than running it)."""
    return (
        pairs_of(Match, user)
        .filter(status=Match.Status.ACTIVE)
        .select_related("apm__user", "mentor__user")
        .prefetch_related(Prefetch("apm__topics"))
        .order_by("-created_at")
    )


def viewer_role(*, match: Match, user) -> str:
    """The role of ``user`` in the pair: "apm" or "mentor" (the caller checked they are in it)."""
    return Role.APM if match.apm.user_id == user.pk else Role.MENTOR


def graduated_match_of(*, apm_enrollment: Enrollment) -> Match | None:
    """The match an APM graduated from, with the mentor (for the graduation guide)."""
    return (
        Match.objects.filter(apm=apm_enrollment, status=Match.Status.GRADUATED)
        .select_related("mentor__user")
        .order_by("-ended_at")
        .first()
    )


def pairs_suggestions(
    *,
    matches: list[Match],
    user,
    limit: int = SUGGESTION_COUNT,
    mentor_topics: Mapping[int, list[int]] | None = None,
) -> list:
    """(match, topics) for each of ``user``'s pairs, in three queries however many pairs
    (a mentor of three mentees hears about each), two when ``mentor_topics`` (each
    mentor enrollment's interests, as ``home_matches`` reads them) is given. Expects
    ``matches_for_user``'s loading."""
    if not matches:
        return []
    met = defaultdict(list)
    meetings = Meeting.objects.filter(match__in=[m.pk for m in matches])
    for match_id, topic_id in meetings.values_list("match_id", "topics"):
        met[match_id].append(topic_id)
    if mentor_topics is None:
        mentor_topics = _topics_by_enrollment(enrollment_ids=[m.mentor_id for m in matches])
    candidates = suggestion_candidates()
    out = []
    for match in matches:
        rows = met.get(match.pk, [])
        apm = viewer_role(match=match, user=user) == Role.APM
        topics = topic_suggestions(
            apm_interests={category.pk for category in match.apm.topics.all()},
            mentor_topics=set(mentor_topics.get(match.mentor_id, ())),
            covered={topic_id for topic_id in rows if topic_id is not None},
            has_met=bool(rows),
            audience=Topic.Audience.APM if apm else Topic.Audience.MENTOR,
            limit=limit,
            candidates=candidates,
        )
        out.append((match, topics))
    return out


def get_match_for_user(user, match_id) -> Match:
    """The match if the person is in it; 404 for everyone else (committee included)."""
    try:
        return matches_for_user(user).get(pk=match_id)
    except (Match.DoesNotExist, ValueError, TypeError):
        raise Http404("No such match.") from None


# What the mentor hears of the pair only if the APM shared it (the intake's choices).
WORDS_NEED_SHARING = {"shared_interests": "topics", "career_track": "career_track"}


def match_words(match: Match, *, viewer: str, mentor_topics: Collection[int] | None = None) -> str:
    """Why the two were matched, in words for ``viewer`` ("apm" or "mentor"), no points.

    Read from the two people as they are now, weighed as the run that proposed the
    pair weighed them (a part the committee gave no points is not mentioned), or with
    the default weights for a hand match. Expects the profiles, the APM's topics and
    ``run_weights`` loaded (``matches_for_user``); ``mentor_topics`` saves the query for
    the mentor's.
    """
    if mentor_topics is None:
        mentor_topics = _topics_by_enrollment(enrollment_ids=[match.mentor_id])[match.mentor_id]
    apm_topics = list(match.apm.topics.all())
    topics = {match.apm_id: [c.pk for c in apm_topics], match.mentor_id: list(mentor_topics)}
    now, spellings = timezone.now(), {}
    leave_out = ()
    if viewer == MENTOR:
        shared = set(match.apm.shared_with_mentor)
        leave_out = [part for part, field in WORDS_NEED_SHARING.items() if field not in shared]
    return pair_words(
        _apm_record(match.apm, topics, {}, now, spellings),
        _mentor_record(match.mentor, topics, now, 0, spellings),
        viewer=viewer,
        category_names={c.pk: c.name for c in apm_topics},
        weights=_run_weights(match),
        leave_out=leave_out,
    )


def _run_weights(match: Match) -> Weights:
    if hasattr(match, "run_weights"):
        weights = match.run_weights
    else:  # not read with the match (with_run_weights): one query
        weights = match.proposal.run.weights if match.proposal_id else None
    try:
        return Weights.from_dict(weights or {})
    except ValueError:  # a run saved before the weights were checked
        return Weights()


def match_words_attach(
    matches: list[Match], *, viewer: str, mentor_topics: Mapping[int, list[int]]
) -> None:
    """Set ``match.words`` on each, from each mentor enrollment's interests
    (``_topics_by_enrollment``); no query."""
    for match in matches:
        match.words = match_words(
            match, viewer=viewer, mentor_topics=mentor_topics.get(match.mentor_id, [])
        )


def home_matches(*, user) -> dict:
    """Active matches for the home page, with what each side may see of the other."""
    latest = Meeting.objects.filter(match=OuterRef("pk")).order_by("-occurred_on", "-id")
    matches = list(
        matches_for_user(user)
        .filter(status=Match.Status.ACTIVE)
        .annotate(
            # A subquery, not Count("meetings"): that groups by every column of the ten
            # joined tables, and planning it took longer than running it.
            meeting_count=Coalesce(
                Subquery(
                    Meeting.objects.filter(match=OuterRef("pk"))
                    .order_by()
                    .values("match")
                    .annotate(n=Count("*"))
                    .values("n")
                ),
                0,
            ),
            last_met_on=Subquery(latest.values("occurred_on")[:1]),
            next_meeting_on=Subquery(latest.values("next_meeting_on")[:1]),
        )
        .prefetch_related(
            Prefetch(
                "rematch_requests",
                queryset=RematchRequest.objects.filter(status=RematchRequest.Status.OPEN),
                to_attr="open_rematch_requests",
            )
        )
    )
    as_apm = [m for m in matches if m.apm.user_id == user.pk]
    as_mentor = [m for m in matches if m.mentor.user_id == user.pk]
    for match in as_mentor:
        match.shared_answers = enrollment_shared_answers(enrollment=match.apm)
    # Read once for both sides and for the page's suggestions (pairs_suggestions).
    mentor_topics = _topics_by_enrollment(enrollment_ids=[m.mentor_id for m in matches])
    match_words_attach(as_apm, viewer=APM, mentor_topics=mentor_topics)
    match_words_attach(as_mentor, viewer=MENTOR, mentor_topics=mentor_topics)
    return {
        "matches_as_apm": as_apm,
        "matches_as_mentor": as_mentor,
        "mentor_topics": mentor_topics,
        "matched_enrollment_ids": {m.apm_id for m in as_apm} | {m.mentor_id for m in as_mentor},
    }


def cohort_match_progress():
    """For each cohort being matched or running: APMs with intake in, and how many are matched.

    Two counts per cohort, each its own subquery: joining enrollments and matches in one
    query would count the product of the two (36 million rows for 6,000 APMs).
    """
    apms = Enrollment.objects.filter(
        cohort=OuterRef("pk"), role=Role.APM, status=Enrollment.Status.SUBMITTED
    )
    matched = Match.objects.filter(cohort=OuterRef("pk"), status__in=active_match_statuses())
    return (
        Cohort.objects.exclude(status__in=[Cohort.Status.DRAFT, Cohort.Status.CLOSED])
        .annotate(
            apm_total=_count_of(apms, Count("*")),
            apm_matched=_count_of(matched, Count("apm", distinct=True)),
        )
        .order_by("-program_starts_on")
    )


# The proposal list's banner counts every APM of the cohorts being matched (7 ms of the
# page at 6,000 APMs): a copy serves it until the next change (an approval stamps one).
PROGRESS_MAX_AGE = 60


def coverage_banner() -> list[dict]:
    """``cohort_match_progress`` as plain rows (name, apm_total, apm_matched), from a
    copy built since the last change (see mentorship.common.changes)."""

    def build():
        return [
            {"pk": c.pk, "name": c.name, "apm_total": c.apm_total, "apm_matched": c.apm_matched}
            for c in cohort_match_progress()
        ]

    return changes.current_copy("match-progress", build, max_age=PROGRESS_MAX_AGE)


def _count_of(rows, count):
    counted = rows.order_by().values("cohort").annotate(n=count).values("n")
    return Coalesce(Subquery(counted), 0)


# The run page lists the APMs it could not match this many at a time.
UNMATCHED_PER_PAGE = 100


@dataclass
class UnmatchedFix:
    """An APM a run could not match, with what would fix it, ready for links."""

    item: UnmatchedApm
    allowed: list[tuple[Enrollment, float]]  # best allowed mentors (all full), best first
    bans: list[tuple[Enrollment, BannedPair | None]]  # banned mentors and their bans


def run_report(*, run: MatchingRun, unmatched_page=1) -> dict:
    """What the run page shows once a run is done: each part's weight and average over
    the proposed pairs (None for a run from before averages were kept), the spread of
    scores, and a page of the APMs it could not match (UNMATCHED_PER_PAGE, in the
    engine's order) with their fixes.

    Four queries whatever the cohort's size (unmatched, their mentors, their bans).
    """
    weights = Weights.from_dict(run.weights if isinstance(run.weights, dict) else {})
    points = weights.as_dict()
    stats = run.stats if isinstance(run.stats, dict) else {}
    scores = stats.get("scores") if isinstance(stats.get("scores"), dict) else None
    averages = (scores or {}).get("part_averages")
    averages = averages if isinstance(averages, dict) else {}
    parts = [
        {"label": PART_LABELS[name], "points": points[name], "average": averages.get(name)}
        for name in PART_NAMES
    ]
    unmatched = UnmatchedApm.objects.filter(run=run).select_related("apm__user").order_by("pk")
    page = Paginator(unmatched, UNMATCHED_PER_PAGE).get_page(unmatched_page)
    rows = list(page.object_list)
    mentor_ids = {pk for row in rows for pk, _ in stored_pairs(row.allowed_mentors)}
    mentor_ids |= {pk for row in rows for pk in _banned_ids(row)}
    mentors = Enrollment.objects.filter(pk__in=mentor_ids, role=Role.MENTOR)
    mentors = mentors.select_related("user").in_bulk()
    bans = {
        (ban.apm_user_id, ban.mentor_user_id): ban
        for ban in BannedPair.objects.filter(
            apm_user__in={row.apm.user_id for row in rows if _banned_ids(row)},
            mentor_user__in={mentor.user_id for mentor in mentors.values()},
        )
    }
    fixes = []
    for row in rows:
        allowed = [
            (mentors[pk], score)
            for pk, score in stored_pairs(row.allowed_mentors)
            if pk in mentors
        ]
        banned = [
            (mentors[pk], bans.get((row.apm.user_id, mentors[pk].user_id)))
            for pk in _banned_ids(row)
            if pk in mentors
        ]
        fixes.append(UnmatchedFix(item=row, allowed=allowed, bans=banned))
    return {
        "most": sum(points.values()),
        "scores": scores,
        "parts": parts,
        "unmatched": fixes,
        "unmatched_page": page,
    }


def stored_pairs(value) -> list[tuple[int, float]]:
    """A stored [[mentor id, score], ...] (allowed mentors, alternatives), leaving out
    anything of another shape."""
    pairs = value if isinstance(value, list) else []
    return [
        (pair[0], float(pair[1]))
        for pair in pairs
        if isinstance(pair, list)
        and len(pair) == 2
        and type(pair[0]) is int
        and isinstance(pair[1], int | float)
        and not isinstance(pair[1], bool)
    ]


def _banned_ids(row: UnmatchedApm) -> list[int]:
    ids = row.banned_mentors if isinstance(row.banned_mentors, list) else []
    return [pk for pk in ids if type(pk) is int]
