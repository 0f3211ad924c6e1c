"""Seeded synthetic cohorts for benchmarks and tests (not used by `match()`).

About 30 business units with teams inside them, managers (some of them mentors), four
US time zones, 20 interest categories with uneven popularity, a few agencies and
domains, and mentor capacities of 1 to 3.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from matching.engine.records import CAREER_TRACKS, UNDECIDED, ApmRecord, MentorRecord

AGENCIES = ("VA", "CMS", "IRS", "GSA", "DHS", "SSA", "ED", "USDA")
DOMAINS = ("veterans' health", "benefits", "tax", "procurement", "identity", "education")
TIME_ZONES = (-300, -360, -420, -480)  # Eastern, Central, Mountain, Pacific (standard time)


def _pick(rng, pool, low, high):
    size = int(rng.integers(low, high + 1))
    return frozenset(rng.choice(pool, size=min(size, len(pool)), replace=False).tolist())


def synthetic_cohort(
    n_apms: int,
    n_mentors: int,
    *,
    seed: int = 0,
    capacity: int | None = None,
    units: int = 30,
    teams_per_unit: int = 10,
    categories: int = 20,
) -> tuple[list[ApmRecord], list[MentorRecord]]:
    """APMs and mentors; `capacity` fixes every mentor's capacity (else 1 to 3)."""
    rng = np.random.default_rng(seed)
    popularity = rng.dirichlet(np.full(categories, 2.0))
    category_ids = np.arange(100, 100 + categories)  # ids that are not bit positions

    def interests(low, high):
        size = min(int(rng.integers(low, high + 1)), categories)
        return frozenset(
            category_ids[rng.choice(categories, size=size, replace=False, p=popularity)].tolist()
        )

    def knowledge():
        agencies = _pick(rng, AGENCIES, 0, 2) if rng.random() < 0.5 else frozenset()
        domains = _pick(rng, DOMAINS, 0, 2) if rng.random() < 0.5 else frozenset()
        return agencies, domains

    mentors = []
    for j in range(n_mentors):
        unit = int(rng.integers(units))
        agencies, domains = knowledge()
        mentors.append(
            MentorRecord(
                id=50_000 + j,
                person_id=1_000_000 + j,
                business_unit=unit,
                team=unit * 1000 + int(rng.integers(teams_per_unit)),
                utc_offset_minutes=int(rng.choice(TIME_ZONES)),
                topics=interests(2, 8),
                career_track=str(rng.choice(CAREER_TRACKS, p=[0.5, 0.45, 0.05])),
                capacity=capacity if capacity is not None else int(rng.integers(1, 4)),
                agencies=agencies,
                domains=domains,
            )
        )
    mentors_by_unit: dict[int, list[MentorRecord]] = {}
    for m in mentors:
        mentors_by_unit.setdefault(m.business_unit, []).append(m)

    apms = []
    for i in range(n_apms):
        unit = int(rng.integers(units)) if rng.random() > 0.02 else None
        team = None if unit is None else unit * 1000 + int(rng.integers(teams_per_unit))
        chain = {2_000_000 + int(rng.integers(max(1, n_apms // 5)))}
        local = mentors_by_unit.get(unit, [])
        if local and rng.random() < 0.3:
            # Often the manager or manager's manager also volunteers as a mentor.
            chain.add(local[int(rng.integers(len(local)))].person_id)
        agencies, domains = knowledge()
        apms.append(
            ApmRecord(
                id=10_000 + i,
                person_id=3_000_000 + i,
                business_unit=unit,
                team=team,
                manager_chain=frozenset(chain),
                utc_offset_minutes=int(rng.choice(TIME_ZONES)),
                interests=interests(1, 5),
                career_track=str(rng.choice(CAREER_TRACKS, p=[0.35, 0.35, 0.3])),
                prefers_other_unit=bool(rng.random() < 0.8),
                agencies=agencies,
                domains=domains,
            )
        )
    return apms, mentors


# Cohort shapes the solver must handle, each at capacity 2: mentors per APM, and what
# else differs from `synthetic_cohort`.
SHAPES = {
    # More slots than APMs (1.2 per APM).
    "plenty": 0.6,
    # Exactly one slot per APM.
    "exact": 0.5,
    # Fewer slots than APMs (0.8 per APM).
    "shortage": 0.4,
    # 1.2 slots per APM, but one mentor in 20 coaches every topic and knows every
    # agency and domain: everyone's best mentors are the same few.
    "shared-favourites": 0.6,
    # 1.2 slots per APM, three big teams (a third of the pairs are on the same team),
    # no preference for another unit, and five committee bans per APM.
    "forbidden-pairs": 0.6,
    # One slot per APM and every eligible pair worth the same: nobody listed interests,
    # agencies or domains, one time zone, mentors with an undecided track.
    "all-equal": 0.5,
    # One slot per APM and a roster without interests: scores take a few dozen values
    # (unit, track, time zone, agencies and domains), so ties are everywhere.
    "few-values": 0.5,
}
SHAPE_CAPACITY = 2


def shaped_cohort(
    shape: str, n_apms: int, *, seed: int = 0, n_mentors: int | None = None
) -> tuple[list[ApmRecord], list[MentorRecord], frozenset[tuple[int, int]]]:
    """APMs, mentors (capacity 2) and banned (apm_id, mentor_id) pairs of a `SHAPES` shape."""
    if shape not in SHAPES:
        raise ValueError(f"Unknown shape {shape!r}; the shapes are: {', '.join(SHAPES)}.")
    if n_mentors is None:
        n_mentors = max(1, round(SHAPES[shape] * n_apms))
    rng = np.random.default_rng([seed, 7])
    banned: frozenset[tuple[int, int]] = frozenset()
    if shape == "forbidden-pairs":
        apms, mentors = synthetic_cohort(
            n_apms, n_mentors, seed=seed, capacity=SHAPE_CAPACITY, units=3, teams_per_unit=1
        )
        apms = [replace(a, prefers_other_unit=False) for a in apms]
        mentor_ids = np.array([m.id for m in mentors])
        banned = frozenset(
            (a.id, int(j)) for a in apms for j in rng.choice(mentor_ids, size=5, replace=False)
        )
        return apms, mentors, banned
    apms, mentors = synthetic_cohort(n_apms, n_mentors, seed=seed, capacity=SHAPE_CAPACITY)
    if shape == "shared-favourites":
        every_topic = frozenset().union(*(a.interests for a in apms))
        stars = set(rng.choice(n_mentors, size=max(1, n_mentors // 20), replace=False).tolist())
        mentors = [
            replace(m, topics=every_topic, agencies=AGENCIES, domains=DOMAINS) if j in stars else m
            for j, m in enumerate(mentors)
        ]
    elif shape == "all-equal":
        blank = {"agencies": frozenset(), "domains": frozenset(), "utc_offset_minutes": -300}
        apms = [replace(a, interests=frozenset(), prefers_other_unit=False, **blank) for a in apms]
        mentors = [
            replace(m, topics=frozenset(), career_track=UNDECIDED, **blank) for m in mentors
        ]
    elif shape == "few-values":
        apms = [replace(a, interests=frozenset()) for a in apms]
        mentors = [replace(m, topics=frozenset()) for m in mentors]
    return apms, mentors, banned
