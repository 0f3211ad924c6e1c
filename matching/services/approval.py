"""Approving and rejecting proposals, hand matches, and the rules a pair is checked against.

Approval locks the proposals and both sides' enrollments before it checks that the APM
is free, the mentor has room and the pair breaks no rule; a hand match checks the same,
and lets the committee override the rules that may be overridden, with a reason.
"""

from collections.abc import Collection
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from matching import engine, selectors
from matching.emails import INTRODUCE_TASK
from matching.models import BannedPair, Match, Proposal
from matching.services._common import pair_conflict_check
from mentorship.cohorts import cohort_require_matchable
from mentorship.common.audit import audit_record
from mentorship.common.background import enqueue_on_commit
from mentorship.common.lifecycle import transition, transition_each, transition_many
from mentorship.models import Enrollment, Role, User
from toolkit.models import Category

PROPOSAL_NOT_OPEN = Proposal.lifecycle.refused
PROPOSAL_GONE = "Proposal #%(id)s no longer exists. Reload the list of proposals."
APM_ALREADY_MATCHED = "%(apm)s already has an active match with %(mentor)s."
MENTOR_AT_CAPACITY = "%(mentor)s is at capacity (%(capacity)s) and cannot take another APM."
RULE_NEVER_OVERRIDDEN = "This pair cannot be matched: %(rule)s This rule cannot be overridden."
OVERRIDE_REASON_REQUIRED = (
    "This pair breaks a matching rule (%(rules)s). Give a reason to override it; "
    "it is recorded in the audit log."
)
PROPOSAL_RULE_BROKEN = (
    "This proposal now breaks a matching rule (%(rules)s), probably because a profile "
    "changed since the run. Run matching again, or hand-match the pair with a reason."
)
NOT_SAME_COHORT = "The APM and the mentor must be enrolled in the same cohort."
WRONG_ROLES = "Pick an APM enrollment and a mentor enrollment."

# The manager rule protects candid conversations; the committee may never override it.
NEVER_OVERRIDDEN = {"same_person", "manager"}


def _lock_pair(apm_id: int, mentor_id: int):
    """Lock both enrollments in id order, so concurrent approvals queue instead of deadlock."""
    locked = {
        e.pk: e
        for e in Enrollment.objects.select_for_update()
        .select_related("user", "cohort")
        .filter(pk__in=[apm_id, mentor_id])
        .order_by("pk")
    }
    return locked[apm_id], locked[mentor_id]


def _active_mentors_of(apm_ids: Collection[int]) -> dict[int, str]:
    """APM enrollment id → the name of their current mentor, for those in an active match."""
    return {
        match.apm_id: match.mentor.user.display_name
        for match in Match.objects.filter(
            apm__in=apm_ids, status=Match.Status.ACTIVE
        ).select_related("mentor__user")
    }


def _active_mentees_count(mentor_ids: Collection[int]) -> dict[int, int]:
    return dict(
        Match.objects.filter(mentor__in=mentor_ids, status=Match.Status.ACTIVE)
        .values("mentor_id")
        .annotate(n=Count("id"))
        .values_list("mentor_id", "n")
    )


def _check_apm_free(apm: Enrollment, busy: dict[int, str]) -> None:
    if apm.pk in busy:
        raise ValidationError(
            APM_ALREADY_MATCHED,
            code="apm_matched",
            params={"apm": apm.user.display_name, "mentor": busy[apm.pk]},
        )


def _check_mentor_room(mentor: Enrollment, taken: dict[int, int]) -> None:
    if taken.get(mentor.pk, 0) >= (mentor.capacity or 0):
        raise ValidationError(
            MENTOR_AT_CAPACITY,
            code="mentor_full",
            params={"mentor": mentor.user.display_name, "capacity": mentor.capacity or 0},
        )


def _new_match(*, apm, mentor, acting_user, score, reasons, proposal=None, override=""):
    return Match(
        cohort_id=apm.cohort_id,
        apm=apm,
        mentor=mentor,
        proposal=proposal,
        score=score,
        reasons=reasons,
        approved_by=acting_user,
        override_reason=override,
    )


def _introduce_on_commit(matches: list[Match]) -> None:
    # After commit a worker writes the introductions; if the approval rolls back, no email.
    if matches:
        enqueue_on_commit(INTRODUCE_TASK, [match.pk for match in matches])


APPROVAL_CHUNK = 250  # proposals per transaction when approving in bulk


@dataclass
class ApprovalOutcome:
    approved: list[Match] = field(default_factory=list)
    refused: list[tuple[Proposal, ValidationError]] = field(default_factory=list)


@transaction.atomic
def proposal_approve(*, proposal: Proposal, acting_user: User | None) -> Match:
    """Approve one proposed pair and create the match, or say why not (ValidationError)."""
    outcome = proposals_approve(proposal_ids=[proposal.pk], acting_user=acting_user)
    if outcome.refused:
        raise outcome.refused[0][1]
    return outcome.approved[0]


def proposals_approve(
    *, proposal_ids: Collection[int], acting_user: User | None
) -> ApprovalOutcome:
    """Approve proposals, each checked as if approved alone; say why for each one refused.

    Race-safe: a chunk's proposals and both sides' enrollments are locked (in id order,
    so concurrent approvals queue instead of deadlocking) before the checks: the
    proposal still waits for review, its cohort is matching or active, the approver is
    not in the pair, the APM has no active match, the mentor has room, and the pair
    breaks no rule now (a profile may have changed since the run: a new manager). Pairs
    approved earlier in the same call count for the later ones. The partial unique
    index on active matches is the backstop on databases without row locks.

    Cost: a fixed number of queries per chunk of ``APPROVAL_CHUNK`` plus a few per
    approved pair (the match, its introductions), whatever the size of the
    organisation: only the people in the pairs, their managers' chains, teams and bans
    are read. Each chunk commits on its own, so a long bulk approval holds no lock on
    the rest, and a chunk that fails leaves the chunks before it done.
    """
    outcome = ApprovalOutcome()
    ids = list(dict.fromkeys(proposal_ids))  # in the caller's order: it decides who wins
    for start in range(0, len(ids), APPROVAL_CHUNK):
        with transaction.atomic():
            _approve_chunk(ids[start : start + APPROVAL_CHUNK], acting_user, outcome)
    return outcome


def _approve_chunk(ids: list[int], acting_user: User | None, outcome: ApprovalOutcome) -> None:
    locked = (
        Proposal.objects.select_for_update()
        .select_related("cohort")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    position = {pk: index for index, pk in enumerate(ids)}
    proposals = sorted(locked, key=lambda p: position[p.pk])
    for missing in sorted(set(ids) - {p.pk for p in proposals}):
        refusal = ValidationError(PROPOSAL_GONE, code="gone", params={"id": missing})
        outcome.refused.append((Proposal(pk=missing), refusal))
    sides = {p.apm_id for p in proposals} | {p.mentor_id for p in proposals}
    enrollments = {
        e.pk: e
        for e in Enrollment.objects.select_for_update(of=("self",))
        .select_related("user", "user__profile")
        .filter(pk__in=sides)
        .order_by("pk")
    }
    apms = [enrollments[p.apm_id] for p in proposals]
    chains = selectors.manager_chains(user_ids={apm.user_id for apm in apms})
    busy = _active_mentors_of([p.apm_id for p in proposals])
    taken = _active_mentees_count({p.mentor_id for p in proposals})
    banned = set(
        BannedPair.objects.filter(
            apm_user_id__in={a.user_id for a in apms},
            mentor_user_id__in={enrollments[p.mentor_id].user_id for p in proposals},
        ).values_list("apm_user_id", "mentor_user_id")
    )
    matchable: dict[int, ValidationError | None] = {}
    accepted: list[Proposal] = []
    for proposal in proposals:
        apm, mentor = enrollments[proposal.apm_id], enrollments[proposal.mentor_id]
        try:
            Proposal.lifecycle.check(proposal, Proposal.Status.APPROVED)
            if proposal.cohort_id not in matchable:
                try:
                    cohort_require_matchable(proposal.cohort)
                    matchable[proposal.cohort_id] = None
                except ValidationError as refusal:
                    matchable[proposal.cohort_id] = refusal
            if matchable[proposal.cohort_id] is not None:
                raise matchable[proposal.cohort_id]
            pair_conflict_check(
                acting_user=acting_user, apm_user_id=apm.user_id, mentor_user_id=mentor.user_id
            )
            _approval_check(apm, mentor, busy=busy, taken=taken, chains=chains, banned=banned)
        except ValidationError as refusal:
            outcome.refused.append((proposal, refusal))
            continue
        busy[apm.pk] = mentor.user.display_name
        taken[mentor.pk] = taken.get(mentor.pk, 0) + 1
        accepted.append(proposal)
    matches = _matches_create(accepted, enrollments, acting_user, outcome)
    approved = [match.proposal for match in matches]
    match_of = {match.proposal_id: match.pk for match in matches}
    transition_each(
        approved,
        to=Proposal.Status.APPROVED,
        actor=acting_user,
        action="matching.proposal_approved",
        summary=lambda p: (
            f"Approved {enrollments[p.apm_id].user} with {enrollments[p.mentor_id].user} "
            f"({p.score:.0f})"
        ),
        changes={"decided_by": acting_user, "decided_at": timezone.now()},
        details=lambda p: {"match": match_of[p.pk]},
    )
    _introduce_on_commit(matches)
    outcome.approved.extend(matches)


def _matches_create(accepted, enrollments, acting_user, outcome) -> list[Match]:
    """The matches of the accepted proposals, in one insert.

    The partial unique index on active matches is the backstop for an APM matched
    meanwhile without the row locks (SQLite): then each is tried alone, and the one
    that clashes is refused.
    """
    new = [
        _new_match(
            apm=enrollments[p.apm_id],
            mentor=enrollments[p.mentor_id],
            acting_user=acting_user,
            score=p.score,
            reasons=p.reasons,
            proposal=p,
        )
        for p in accepted
    ]
    try:
        with transaction.atomic():
            created = Match.objects.bulk_create(new)
    except IntegrityError:
        created = []
        for match in new:
            try:
                with transaction.atomic():
                    match.save(force_insert=True)
                created.append(match)
            except IntegrityError:
                refusal = ValidationError(
                    APM_ALREADY_MATCHED,
                    code="apm_matched",
                    params={"apm": match.apm.user.display_name, "mentor": "another mentor"},
                )
                outcome.refused.append((match.proposal, refusal))
    return created


def _approval_check(apm, mentor, *, busy, taken, chains, banned) -> None:
    """The APM is free, the mentor has room and the pair breaks no rule, from facts read."""
    _check_apm_free(apm, busy)
    _check_mentor_room(mentor, taken)
    apm_profile = getattr(apm.user, "profile", None)
    mentor_profile = getattr(mentor.user, "profile", None)
    broken = engine.pair_rules_broken(
        apm_person=apm.user_id,
        mentor_person=mentor.user_id,
        manager_chain=chains.get(apm.user_id, frozenset()),
        apm_team=apm_profile.team_id if apm_profile else None,
        mentor_team=mentor_profile.team_id if mentor_profile else None,
        banned=(apm.user_id, mentor.user_id) in banned,
        mentor_capacity=mentor.capacity or 0,
    )
    broken = [(code, message) for code, message in broken if code != "no_capacity"]
    if broken:
        raise ValidationError(
            PROPOSAL_RULE_BROKEN,
            code="rule_broken",
            params={"rules": "; ".join(message for _, message in broken)},
        )


@transaction.atomic
def proposal_reject(*, proposal: Proposal, acting_user: User | None) -> Proposal:
    proposal = (
        Proposal.objects.select_for_update()
        .select_related("apm__user", "mentor__user")
        .get(pk=proposal.pk)
    )
    pair_conflict_check(
        acting_user=acting_user,
        apm_user_id=proposal.apm.user_id,
        mentor_user_id=proposal.mentor.user_id,
    )
    return transition(
        proposal,
        to=Proposal.Status.REJECTED,
        actor=acting_user,
        action="matching.proposal_rejected",
        summary=f"Rejected {proposal.apm.user} with {proposal.mentor.user}",
        changes={"decided_by": acting_user, "decided_at": timezone.now()},
        lock=False,
    )


def hand_match_preview(*, apm: Enrollment, mentor: Enrollment) -> dict:
    """Score, reasons and broken rules for a pair the committee is considering."""
    _validate_pair_roles(apm, mentor)
    apm_record, mentor_record = selectors.pair_records(apm=apm, mentor=mentor)
    banned = selectors.banned_pairs_for(apm=apm, mentor=mentor)
    names = dict(Category.objects.values_list("id", "name"))
    proposal = engine.score_pair(apm_record, mentor_record, category_names=names)
    broken = engine.broken_rules(apm_record, mentor_record, banned_pairs=banned)
    return {
        "score": proposal.score,
        "reasons": proposal.reasons,
        "broken_rules": broken,
        "blocked": any(code in NEVER_OVERRIDDEN for code, _ in broken),
    }


def _validate_pair_roles(apm: Enrollment, mentor: Enrollment) -> None:
    if apm.role != Role.APM or mentor.role != Role.MENTOR:
        raise ValidationError(WRONG_ROLES, code="wrong_roles")
    if apm.cohort_id != mentor.cohort_id:
        raise ValidationError(NOT_SAME_COHORT, code="not_same_cohort")


@transaction.atomic
def match_create_by_hand(
    *, apm: Enrollment, mentor: Enrollment, acting_user: User, override_reason: str = ""
) -> Match:
    """Match a pair the engine could not place. The manager rule is never overridden;
    other rules (same team, banned pair, capacity) may be, with a reason that is audited.
    """
    _validate_pair_roles(apm, mentor)
    apm, mentor = _lock_pair(apm.pk, mentor.pk)
    pair_conflict_check(
        acting_user=acting_user, apm_user_id=apm.user_id, mentor_user_id=mentor.user_id
    )
    cohort_require_matchable(apm.cohort)
    preview = hand_match_preview(apm=apm, mentor=mentor)
    broken = preview["broken_rules"]
    for code, message in broken:
        if code in NEVER_OVERRIDDEN:
            raise ValidationError(RULE_NEVER_OVERRIDDEN, code="never", params={"rule": message})
    override_reason = override_reason.strip()
    if broken and not override_reason:
        raise ValidationError(
            OVERRIDE_REASON_REQUIRED,
            code="override_reason",
            params={"rules": "; ".join(message for _, message in broken)},
        )
    _check_apm_free(apm, _active_mentors_of([apm.pk]))
    if not any(code == "no_capacity" for code, _ in broken):
        _check_mentor_room(mentor, _active_mentees_count([mentor.pk]))
    match = _new_match(
        apm=apm,
        mentor=mentor,
        acting_user=acting_user,
        score=preview["score"],
        reasons=preview["reasons"],
        override=override_reason,
    )
    match.save(force_insert=True)
    _introduce_on_commit([match])
    # Any open proposal for this APM is now moot.
    transition_many(
        Proposal.objects.filter(apm=apm),
        to=Proposal.Status.SUPERSEDED,
        actor=acting_user,
        action="matching.proposals_superseded",
        summary=f"The hand match of {apm.user} superseded their open proposal",
    )
    audit_record(
        actor=acting_user,
        action="matching.hand_match",
        target=match,
        summary=f"Hand-matched {apm.user} with {mentor.user}",
        overridden_rules=[code for code, _ in broken],
        override_reason=override_reason,
    )
    return match


SWAP_SAME_MENTOR = "%(mentor)s is already the proposed mentor for %(apm)s."
SWAP_RULE_BROKEN = (
    "%(apm)s and %(mentor)s may not be proposed together: %(rules)s To match them anyway, "
    "hand-match them with a reason."
)
SWAP_NO_ROOM = (
    "%(mentor)s has no free place: %(taken)s of %(capacity)s are taken by active matches "
    "and proposals waiting for review. Swap to another mentor, or raise their capacity."
)


@transaction.atomic
def proposal_swap(*, proposal: Proposal, mentor: Enrollment, acting_user: User | None) -> Proposal:
    """Propose another mentor for a waiting proposal's APM (the review desk's "swap").

    The pair is checked like any proposal (rules, the mentor's room counting active
    matches and the run's other waiting proposals, the APM still free) and scored with
    the run's weights. The proposal (one per APM and run) then names the new mentor and
    still waits for review; the audit row keeps who it named before, with the score.
    """
    proposal = (
        Proposal.objects.select_for_update()
        .select_related("run", "apm__user", "mentor__user")
        .get(pk=proposal.pk)
    )
    if proposal.status != Proposal.Status.PROPOSED:
        raise ValidationError(
            PROPOSAL_NOT_OPEN,
            code="not_open",
            params={"current": proposal.get_status_display(), "target": "Superseded"},
        )
    _validate_pair_roles(proposal.apm, mentor)
    apm, mentor = _lock_pair(proposal.apm_id, mentor.pk)
    names = {"apm": apm.user.display_name, "mentor": mentor.user.display_name}
    if mentor.pk == proposal.mentor_id:
        raise ValidationError(SWAP_SAME_MENTOR, code="same_mentor", params=names)
    pair_conflict_check(
        acting_user=acting_user, apm_user_id=apm.user_id, mentor_user_id=mentor.user_id
    )
    cohort_require_matchable(apm.cohort)
    apm_record, mentor_record = selectors.pair_records(apm=apm, mentor=mentor)
    banned = selectors.banned_pairs_for(apm=apm, mentor=mentor)
    broken = engine.broken_rules(apm_record, mentor_record, banned_pairs=banned)
    broken = [(code, message) for code, message in broken if code != "no_capacity"]
    if broken:
        rules = " ".join(message for _, message in broken)
        raise ValidationError(SWAP_RULE_BROKEN, code="rule", params={**names, "rules": rules})
    _check_apm_free(apm, _active_mentors_of([apm.pk]))
    taken = _active_mentees_count([mentor.pk]).get(mentor.pk, 0)
    taken += Proposal.objects.filter(
        run_id=proposal.run_id, mentor=mentor, status=Proposal.Status.PROPOSED
    ).count()
    if taken >= (mentor.capacity or 0):
        raise ValidationError(
            SWAP_NO_ROOM,
            code="mentor_full",
            params={**names, "taken": taken, "capacity": mentor.capacity or 0},
        )
    weights = engine.Weights.from_dict(proposal.run.weights or {})
    category_names = dict(Category.objects.values_list("id", "name"))
    scored = engine.score_pair(
        apm_record, mentor_record, weights=weights, category_names=category_names
    )
    # The old mentor becomes an alternative; the new one no longer is.
    others = [[pk, score] for pk, score in selectors.stored_pairs(proposal.alternatives)]
    alternatives = sorted(
        [[proposal.mentor_id, proposal.score], *(pair for pair in others if pair[0] != mentor.pk)],
        key=lambda pair: -pair[1],
    )[:3]
    was = {"mentor": proposal.mentor.user.display_name, "score": proposal.score}
    proposal.mentor = mentor
    proposal.score = round(scored.score, 2)
    proposal.parts = [
        {"name": p.name, "points": p.points, "reason": p.reason} for p in scored.parts
    ]
    proposal.reasons = scored.reasons
    proposal.alternatives = alternatives
    proposal.next_best_score = alternatives[0][1] if alternatives else None
    proposal.save(update_fields=["mentor", "score", "parts", "reasons", "alternatives",
                                 "next_best_score", "updated_at"])  # fmt: skip
    audit_record(
        actor=acting_user,
        action="matching.proposal_swapped",
        target=proposal,
        summary=f"Proposed {mentor.user} for {apm.user} instead of {was['mentor']}",
        from_mentor=was["mentor"],
        from_score=was["score"],
        to_score=proposal.score,
    )
    return proposal
