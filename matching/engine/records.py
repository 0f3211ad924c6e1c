"""The engine's inputs and outputs: plain frozen dataclasses, no Django.

The Django side turns enrollments into `ApmRecord` and `MentorRecord`, calls
`matching.engine.match`, and stores the `Proposal` and `Unmatched` rows it gets back.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal

PEOPLE_MANAGER = "people_manager"
INDIVIDUAL_CONTRIBUTOR = "individual_contributor"
UNDECIDED = "undecided"
CAREER_TRACKS = (PEOPLE_MANAGER, INDIVIDUAL_CONTRIBUTOR, UNDECIDED)

# The order in which parts are listed when two parts have the same points.
PART_NAMES = ("shared_interests", "other_unit", "career_track", "time_zone", "agencies_domains")
# What the committee calls each part (the run form, the run page, the review).
PART_LABELS = {
    "shared_interests": "Shared interests",
    "other_unit": "Different business unit",
    "career_track": "Career track fit",
    "time_zone": "Time-zone overlap",
    "agencies_domains": "Agencies and domains in common",
}

# Scores are counted in thousandths of a point. The cap keeps a score below 2**23 of
# them, where the vectorised scoring (float32) is exact, and keeps the solver's totals
# (BIG x tens of thousands of pairs) exact in float64.
MAX_WEIGHT = 1000.0


@dataclass(frozen=True)
class Weights:
    """Maximum points of each score part; the parts add up to the score (0..100 by default)."""

    shared_interests: float = 40.0
    other_unit: float = 20.0
    career_track: float = 15.0
    time_zone: float = 15.0
    agencies_domains: float = 10.0

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real | Decimal):
                raise ValueError(f"Weight {f.name!r} must be a number, not {value!r}.")
            value = float(value)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"Weight {f.name!r} must be zero or more, not {value!r}.")
            if value > MAX_WEIGHT:
                raise ValueError(
                    f"Weight {f.name!r} must be at most {MAX_WEIGHT:g}, not {value:g}."
                )
            object.__setattr__(self, f.name, value)

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> Weights:
        """Weights from a mapping such as a JSON field; missing parts keep their default."""
        if not isinstance(d, Mapping):
            raise ValueError(f"Weights must be a mapping of part name to points, not {d!r}.")
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(key) for key in d if key not in known)
        if unknown:
            raise ValueError(
                f"Unknown weight {', '.join(map(repr, unknown))}; "
                f"the parts are: {', '.join(PART_NAMES)}."
            )
        return cls(**d)

    @property
    def total(self) -> float:
        return sum(self.as_dict().values())


def _frozen(record, *names):
    # Callers often have lists or sets at hand; store frozensets so records stay hashable.
    for name in names:
        value = getattr(record, name)
        if not isinstance(value, frozenset):
            object.__setattr__(record, name, frozenset(value))


def _check_track(kind, record_id, track):
    if track not in CAREER_TRACKS:
        raise ValueError(
            f"{kind} {record_id}: career_track must be one of {', '.join(CAREER_TRACKS)}, "
            f"not {track!r}."
        )


@dataclass(frozen=True)
class ApmRecord:
    id: int  # enrollment id
    person_id: int  # user id
    business_unit: int | None
    team: int | None
    manager_chain: frozenset[int]  # person ids of the manager and the manager's manager
    utc_offset_minutes: int
    interests: frozenset[int]  # category ids
    career_track: str
    prefers_other_unit: bool = True
    agencies: frozenset[str] = field(default_factory=frozenset)
    domains: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self):
        _frozen(self, "manager_chain", "interests", "agencies", "domains")
        _check_track("APM", self.id, self.career_track)


@dataclass(frozen=True)
class MentorRecord:
    id: int  # enrollment id
    person_id: int
    business_unit: int | None
    team: int | None
    utc_offset_minutes: int
    topics: frozenset[int]  # category ids they can coach
    career_track: str  # their own track; "people_manager" means they manage people
    capacity: int  # remaining slots; 0 means cannot take anyone
    agencies: frozenset[str] = field(default_factory=frozenset)
    domains: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self):
        _frozen(self, "topics", "agencies", "domains")
        _check_track("Mentor", self.id, self.career_track)
        if isinstance(self.capacity, bool) or not isinstance(self.capacity, numbers.Integral):
            raise ValueError(f"Mentor {self.id}: capacity must be a whole number.")
        if self.capacity < 0:
            raise ValueError(f"Mentor {self.id}: capacity must be zero or more.")


@dataclass(frozen=True)
class ScorePart:
    name: str
    points: float  # rounded to 1 decimal for display; the solver uses exact values
    reason: str


@dataclass(frozen=True)
class Proposal:
    apm_id: int
    mentor_id: int
    score: float  # sum of the exact parts
    parts: tuple[ScorePart, ...]  # only parts with points > 0, largest first
    # The APM's next-best eligible mentors (mentor id, score), best first, whether or
    # not they have room: what the committee could swap to.
    alternatives: tuple[tuple[int, float], ...] = ()

    @property
    def reasons(self) -> str:
        return "; ".join(part.reason for part in self.parts)


@dataclass(frozen=True)
class Unmatched:
    apm_id: int
    code: str  # "no_mentors" | "all_eligible_full" | "only_ineligible_have_room" | ...
    reason: str
    fix: str
    # What the fix names, for links that do it: the best mentors this APM may be
    # matched with, all full (mentor id, score), best first; mentors the committee banned.
    allowed_mentors: tuple[tuple[int, float], ...] = ()
    banned_mentors: tuple[int, ...] = ()


@dataclass(frozen=True)
class MatchResult:
    proposals: tuple[Proposal, ...]  # sorted by apm_id
    unmatched: tuple[Unmatched, ...]  # sorted by apm_id
    matched_count: int
    total_score: float
    optimal: bool  # True when optimality against the full problem is proven
    stats: dict
