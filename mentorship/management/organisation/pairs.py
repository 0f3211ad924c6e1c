"""The finished matching run, its approved proposals, the matches and their meetings."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from matching.engine import ApmRecord, MentorRecord, Weights, score_pair
from matching.models import Match, MatchingRun, Meeting, Proposal
from matching.selectors import utc_offset_minutes
from mentorship.management.organisation.bulk import bulk_insert
from mentorship.management.organisation.context import Person, Seed
from mentorship.management.organisation.people import INTAKE_CLOSED, PROGRAM_STARTED
from mentorship.models import Notification, Profile

RUN_STARTED = INTAKE_CLOSED - 2
APPROVALS = (RUN_STARTED - 1, PROGRAM_STARTED + 2)
MEETING_NOTES = [
    "",
    "Talked through the roadmap review; next time, stakeholder map.",
    "Practised the demo for the agency partners.",
    "Went over the contract's statement of work together.",
    "Career conversation: people manager track pros and cons.",
]
CANDIDATES_TRIED = 40


def _records(seed: Seed, person: Person, managers: dict[int, int | None], *, capacity=0):
    profile: Profile = person.profile
    common = {
        "id": person.enrollment.pk,
        "person_id": person.user.pk,
        "business_unit": profile.business_unit_id,
        "team": profile.team_id,
        "utc_offset_minutes": utc_offset_minutes(profile.time_zone, seed.now),
        "career_track": person.enrollment.career_track,
        "agencies": frozenset(profile.agencies),
        "domains": frozenset(profile.domains),
    }
    if capacity:
        topics = frozenset(c.pk for c in person.topics)
        return MentorRecord(topics=topics, capacity=capacity, **common)
    manager = managers.get(person.user.pk)
    chain = frozenset(m for m in (manager, managers.get(manager)) if m)
    return ApmRecord(
        interests=frozenset(c.pk for c in person.topics),
        manager_chain=chain,
        prefers_other_unit=person.enrollment.prefers_other_unit,
        **common,
    )


def _choose_pairs(seed: Seed) -> list[tuple[Person, Person]]:
    """A mentor for every APM: never their own team (which holds their managers), another
    business unit when they prefer it and one is free, and never over capacity."""
    rng = seed.rng
    slots = [m for m in seed.mentors for _ in range(m.enrollment.capacity)]
    rng.shuffle(slots)
    pairs = []
    for apm in seed.apms:
        team, unit = apm.profile.team_id, apm.profile.business_unit_id
        best = None
        for offset in range(1, min(CANDIDATES_TRIED, len(slots)) + 1):
            mentor = slots[-offset]
            if mentor.profile.team_id == team:
                continue
            if best is None:
                best = offset
            if not apm.enrollment.prefers_other_unit or mentor.profile.business_unit_id != unit:
                best = offset
                break
        if best is None:  # every nearby slot is in the APM's team: look further
            best = next(
                (len(slots) - i for i, m in enumerate(slots) if m.profile.team_id != team), None
            )
        if best is None:
            raise ValueError(f"No mentor outside the team of {apm.user.email}.")
        pairs.append((apm, slots.pop(-best)))
    return pairs


def matching_create(seed: Seed) -> None:
    """One succeeded run; its proposals scored by the engine and all approved."""
    rng, cohort, committee = seed.rng, seed.cohort, seed.committee
    weights = Weights()
    started = seed.days_ago(RUN_STARTED)
    run = bulk_insert(
        MatchingRun,
        [
            MatchingRun(
                cohort=cohort, started_by=committee, weights=weights.as_dict(),
                status=MatchingRun.Status.SUCCEEDED, enqueued_at=started, started_at=started,
                finished_at=started + timedelta(seconds=rng.uniform(20, 90)),
                apm_count=seed.size.apms, mentor_count=seed.size.mentors,
                matched_count=seed.size.apms, unmatched_count=0, optimal=True,
                stats={"source": "seed_organisation"}, created_at=started, updated_at=started,
            )
        ],
    )[0]  # fmt: skip
    managers = {p.user.pk: p.profile.manager_id for p in [*seed.apms, *seed.mentors]}
    names = {category.pk: category.name for category in seed.categories}
    chosen = _choose_pairs(seed)
    proposals, total = [], 0.0
    approvals_from, approvals_to = seed.days_ago(APPROVALS[0]), seed.days_ago(APPROVALS[1])
    for apm, mentor in chosen:
        scored = score_pair(
            _records(seed, apm, managers),
            _records(seed, mentor, managers, capacity=mentor.enrollment.capacity),
            weights=weights,
            category_names=names,
        )
        total += scored.score
        decided = seed.moment_between(approvals_from, approvals_to)
        proposals.append(
            Proposal(
                run=run, cohort=cohort, apm=apm.enrollment, mentor=mentor.enrollment,
                score=round(scored.score, 2),
                parts=[{"name": p.name, "points": p.points, "reason": p.reason}
                       for p in scored.parts],
                reasons=scored.reasons, status=Proposal.Status.APPROVED,
                decided_by=committee, decided_at=decided,
                created_at=run.finished_at, updated_at=decided,
            )
        )  # fmt: skip
    MatchingRun.objects.filter(pk=run.pk).update(total_score=round(total, 2))
    proposals = bulk_insert(Proposal, proposals)
    matches = bulk_insert(
        Match,
        (
            Match(
                cohort=cohort, apm_id=p.apm_id, mentor_id=p.mentor_id, proposal=p,
                status=Match.Status.ACTIVE, score=p.score, reasons=p.reasons,
                approved_by=committee, introduced_at=p.decided_at,
                created_at=p.decided_at, updated_at=p.decided_at,
            )
            for p in proposals
        ),
    )  # fmt: skip
    seed.run = run
    seed.pairs = [(a, m, match) for (a, m), match in zip(chosen, matches, strict=True)]
    _introductions_create(seed)


def _sent(seed: Seed, *, at, **fields) -> Notification:
    sent_at = at + timedelta(seconds=seed.rng.uniform(2, 90))
    return Notification(
        status=Notification.Status.SENT, attempts=1, claimed_at=sent_at, sent_at=sent_at,
        created_at=at, updated_at=sent_at, **fields,
    )  # fmt: skip


def _introductions_create(seed: Seed) -> None:
    """The two introduction emails of each approval, as the outbox keeps them once sent."""
    rows = []
    for apm, mentor, match in seed.pairs:
        for recipient, other, noun in ((apm, mentor, "mentor"), (mentor, apm, "mentee")):
            name, other_name = recipient.user.full_name, other.user.full_name
            rows.append(
                _sent(
                    seed, at=match.created_at, kind=Notification.Kind.MATCH_INTRODUCTION,
                    user=recipient.user, object_key=f"matching.match:{match.pk}",
                    to_email=recipient.user.email,
                    subject=f"[APM Mentorship Program] Meet your {noun}: {other_name}",
                    body_text=f"Hello {name},\n\nThe committee has matched you with "
                    f"{other_name} ({other.user.email}) for {seed.cohort.name}.\n\n"
                    f"Why this match: {match.reasons}\n\nBook your first conversation in the "
                    "next two weeks and log it on the program's site.\n",
                    body_html=f"<p>Hello {name},</p><p>The committee has matched you with "
                    f"<strong>{other_name}</strong> for {seed.cohort.name}.</p>"
                    f"<p>Why this match: {match.reasons}</p>",
                )
            )  # fmt: skip
    bulk_insert(Notification, rows)


def meetings_create(seed: Seed) -> None:
    """``meetings_per_pair`` meetings a pair, weeks apart, each covering a topic or two."""
    rng, per_pair = seed.rng, seed.size.meetings_per_pair
    topics = seed.topics
    rows, covered = [], []
    today = seed.today
    for apm, mentor, match in seed.pairs:
        day = timezone.localdate(match.created_at) + timedelta(days=rng.randint(5, 30))
        for number in range(per_pair):
            day = min(day, today - timedelta(days=per_pair - number))
            following = day + timedelta(days=rng.randint(14, 45))
            logged_by = rng.choice([apm.user, mentor.user])
            moment = timezone.make_aware(datetime.combine(day, time(rng.randint(9, 18))))
            rows.append(
                Meeting(
                    match=match, logged_by=logged_by, occurred_on=day,
                    duration_minutes=rng.choice([30, 30, 45, 60, 60, 90]),
                    notes=rng.choice(MEETING_NOTES),
                    next_meeting_on=following if number == per_pair - 1 else None,
                    created_at=moment, updated_at=moment,
                )
            )  # fmt: skip
            covered.append(rng.sample(topics, min(len(topics), rng.randint(1, 2))))
            day = following
    meetings = bulk_insert(Meeting, rows)
    through = Meeting.topics.through
    bulk_insert(
        through,
        (
            through(meeting_id=meeting.pk, topic_id=topic.pk)
            for meeting, chosen in zip(meetings, covered, strict=True)
            for topic in chosen
        ),
    )
