"""Rematch requests, ending matches and banned pairs.

A person asks for a rematch; the committee resolves it (the match ends, no fault) or
declines it. A match that ends answers its open requests and, unless told otherwise,
bans the pair from future proposals.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from matching.models import BannedPair, Match, RematchRequest
from matching.services._common import pair_conflict_check
from mentorship.common.audit import audit_record
from mentorship.common.lifecycle import transition, transition_many
from mentorship.models import User

MATCH_NOT_ACTIVE = "This match has already ended."
REMATCH_ALREADY_OPEN = "You have already asked for a rematch; the committee will be in touch."
BAN_SAME_PERSON = "Pick two different people: an APM and a mentor."


@transaction.atomic
def rematch_request_create(*, match: Match, requested_by: User, reason: str) -> RematchRequest:
    match = Match.objects.select_for_update().get(pk=match.pk)
    if match.status != Match.Status.ACTIVE:
        raise ValidationError(MATCH_NOT_ACTIVE, code="not_active")
    if RematchRequest.objects.filter(match=match, status=RematchRequest.Status.OPEN).exists():
        raise ValidationError(REMATCH_ALREADY_OPEN, code="already_open")
    return RematchRequest.objects.create(match=match, requested_by=requested_by, reason=reason)


@transaction.atomic
def match_end(*, match: Match, acting_user: User | None, reason: str, ban: bool = True) -> Match:
    """End a match; the pair is banned from future proposals and the APM is matched again."""
    match = (
        Match.objects.select_for_update()
        .select_related("apm__user", "mentor__user")
        .get(pk=match.pk)
    )
    pair_conflict_check(
        acting_user=acting_user, apm_user_id=match.apm.user_id, mentor_user_id=match.mentor.user_id
    )
    transition(
        match,
        to=Match.Status.ENDED,
        actor=acting_user,
        action="matching.match_ended",
        summary=f"Ended the match of {match.apm.user} with {match.mentor.user}",
        changes={"ended_at": timezone.now(), "end_reason": reason[:200]},
        lock=False,
        banned=ban,
    )
    rematch_requests_answered(
        match=match,
        acting_user=acting_user,
        summary=f"The match of {match.apm.user} with {match.mentor.user} ended",
    )
    if ban:
        banned_pair_create(
            apm_user=match.apm.user,
            mentor_user=match.mentor.user,
            reason=reason,
            acting_user=acting_user,
        )
    return match


def rematch_requests_answered(*, match: Match, acting_user: User | None, summary: str) -> int:
    """A request to end this match is answered by its ending, however it ended.

    Ended by the committee, resolved through a rematch or graduated: an open request
    would otherwise wait on the committee's list for a match that no longer exists.
    """
    return transition_many(
        RematchRequest.objects.filter(match=match),
        to=RematchRequest.Status.RESOLVED,
        actor=acting_user,
        action="matching.rematch_resolved",
        summary=summary,
        changes={"resolved_by": acting_user, "resolved_at": timezone.now()},
    )


@transaction.atomic
def banned_pair_create(
    *, apm_user: User, mentor_user: User, reason: str, acting_user: User | None
) -> BannedPair:
    """Never propose these two together again (audited); a pair banned before stays so."""
    if apm_user.pk == mentor_user.pk:
        raise ValidationError(BAN_SAME_PERSON, code="same_person")
    pair_conflict_check(
        acting_user=acting_user, apm_user_id=apm_user.pk, mentor_user_id=mentor_user.pk
    )
    banned, created = BannedPair.objects.get_or_create(
        apm_user=apm_user,
        mentor_user=mentor_user,
        defaults={"reason": reason[:200], "created_by": acting_user},
    )
    if created:
        audit_record(
            actor=acting_user,
            action="matching.pair_banned",
            target=banned,
            summary=f"Banned the pair {apm_user} ✕ {mentor_user}: {reason[:200]}",
        )
    return banned


@transaction.atomic
def banned_pair_lift(*, banned_pair: BannedPair, acting_user: User | None) -> None:
    """Let the engine propose the pair again (audited)."""
    summary = f"Lifted the ban on {banned_pair.apm_user} ✕ {banned_pair.mentor_user}"
    audit_record(
        actor=acting_user,
        action="matching.pair_ban_lifted",
        target=banned_pair,
        summary=summary,
        reason=banned_pair.reason,
    )
    banned_pair.delete()


@transaction.atomic
def rematch_request_resolve(*, request: RematchRequest, acting_user: User) -> RematchRequest:
    request = (
        RematchRequest.objects.select_for_update(of=("self",))
        .select_related("match__apm", "match__mentor")
        .get(pk=request.pk)
    )
    pair_conflict_check(
        acting_user=acting_user,
        apm_user_id=request.match.apm.user_id,
        mentor_user_id=request.match.mentor.user_id,
    )
    resolved = transition(
        request,
        to=RematchRequest.Status.RESOLVED,
        actor=acting_user,
        action="matching.rematch_resolved",
        summary=f"Resolved the rematch request for {request.match}",
        changes={"resolved_by": acting_user, "resolved_at": timezone.now()},
        lock=False,
    )
    match_end(match=request.match, acting_user=acting_user, reason="No-fault rematch")
    return resolved


@transaction.atomic
def rematch_request_decline(*, request: RematchRequest, acting_user: User) -> RematchRequest:
    """Keep the match as it is; the committee talks to the person who asked."""
    request = RematchRequest.objects.select_related("match__apm", "match__mentor").get(
        pk=request.pk
    )
    pair_conflict_check(
        acting_user=acting_user,
        apm_user_id=request.match.apm.user_id,
        mentor_user_id=request.match.mentor.user_id,
    )
    return transition(
        request,
        to=RematchRequest.Status.DECLINED,
        actor=acting_user,
        action="matching.rematch_declined",
        summary=f"Declined the rematch request for {request.match}",
        changes={"resolved_by": acting_user, "resolved_at": timezone.now()},
    )
