"""The matching engine: Python + numpy, with LEMON's network simplex (`pylmcf`) as the
solver; no Django.

`match()` pairs APMs with mentor slots, first maximising how many APMs get a mentor,
then the total score, never breaking a hard rule. `score_pair()` and `broken_rules()`
serve hand-matching in the admin. See `scoring` for the score parts and `solver` for
how optimality is proven.
"""

from matching.engine.matcher import match
from matching.engine.records import (
    ApmRecord,
    MatchResult,
    MentorRecord,
    Proposal,
    ScorePart,
    Unmatched,
    Weights,
)
from matching.engine.scoring import broken_rules, pair_rules_broken, score_pair
from matching.engine.summary import score_summary

__all__ = [
    "ApmRecord",
    "MatchResult",
    "MentorRecord",
    "Proposal",
    "ScorePart",
    "Unmatched",
    "Weights",
    "broken_rules",
    "match",
    "pair_rules_broken",
    "score_pair",
    "score_summary",
]
