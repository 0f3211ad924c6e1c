"""Writes for matching, one module per sub-domain.

The engine (matching.engine) proposes; everything here is the committee's side of it:
who may run what, what gets written, and the rules that hold under concurrency.

``runs``: requesting and executing a matching run, its lease, the sweep of runs whose
worker is gone, marking a run failed, and writing the engine's proposals.
``approval``: approving (one or in bulk), rejecting and swapping proposals, hand matches,
and the checks a pair must pass (APM free, mentor with room, no broken rule).
``rematch``: rematch requests, ending a match, banning a pair and lifting the ban.
``_common``: the conflict-of-interest check, which approval, rematch and graduation share.
Import from here: ``from matching import services; services.proposal_approve(...)``.
"""

from matching.services._common import CONFLICT_OF_INTEREST, pair_conflict_check
from matching.services.approval import (
    APM_ALREADY_MATCHED,
    APPROVAL_CHUNK,
    MENTOR_AT_CAPACITY,
    NEVER_OVERRIDDEN,
    NOT_SAME_COHORT,
    OVERRIDE_REASON_REQUIRED,
    PROPOSAL_GONE,
    PROPOSAL_NOT_OPEN,
    PROPOSAL_RULE_BROKEN,
    RULE_NEVER_OVERRIDDEN,
    SWAP_NO_ROOM,
    SWAP_RULE_BROKEN,
    SWAP_SAME_MENTOR,
    WRONG_ROLES,
    ApprovalOutcome,
    hand_match_preview,
    match_create_by_hand,
    proposal_approve,
    proposal_reject,
    proposal_swap,
    proposals_approve,
)
from matching.services.rematch import (
    BAN_SAME_PERSON,
    MATCH_NOT_ACTIVE,
    REMATCH_ALREADY_OPEN,
    banned_pair_create,
    banned_pair_lift,
    match_end,
    rematch_request_create,
    rematch_request_decline,
    rematch_request_resolve,
    rematch_requests_answered,
)
from matching.services.runs import (
    EXECUTE_RUN_TASK,
    RUN_ALREADY_ACTIVE,
    RUN_ALREADY_FINISHED,
    RUN_FAIL_REASON_REQUIRED,
    RUN_WORKER_STOPPED,
    run_execute,
    run_mark_failed,
    run_request,
    runs_fail_stale,
    runs_sweep,
)

__all__ = [
    "APM_ALREADY_MATCHED",
    "APPROVAL_CHUNK",
    "BAN_SAME_PERSON",
    "CONFLICT_OF_INTEREST",
    "EXECUTE_RUN_TASK",
    "MATCH_NOT_ACTIVE",
    "MENTOR_AT_CAPACITY",
    "NEVER_OVERRIDDEN",
    "NOT_SAME_COHORT",
    "OVERRIDE_REASON_REQUIRED",
    "PROPOSAL_GONE",
    "PROPOSAL_NOT_OPEN",
    "PROPOSAL_RULE_BROKEN",
    "REMATCH_ALREADY_OPEN",
    "RULE_NEVER_OVERRIDDEN",
    "RUN_ALREADY_ACTIVE",
    "RUN_ALREADY_FINISHED",
    "RUN_FAIL_REASON_REQUIRED",
    "RUN_WORKER_STOPPED",
    "SWAP_NO_ROOM",
    "SWAP_RULE_BROKEN",
    "SWAP_SAME_MENTOR",
    "WRONG_ROLES",
    "ApprovalOutcome",
    "banned_pair_create",
    "banned_pair_lift",
    "hand_match_preview",
    "match_create_by_hand",
    "match_end",
    "pair_conflict_check",
    "proposal_approve",
    "proposal_reject",
    "proposal_swap",
    "proposals_approve",
    "rematch_request_create",
    "rematch_request_decline",
    "rematch_request_resolve",
    "rematch_requests_answered",
    "run_execute",
    "run_mark_failed",
    "run_request",
    "runs_fail_stale",
    "runs_sweep",
]
