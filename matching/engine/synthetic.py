"""Seeded synthetic cohorts for benchmarks and tests (not used by `match()`).

About 30 business units with teams inside them, managers (some of them mentors), four
US time zones, 20 interest categories with uneven popularity, a few agencies and
domains, and mentor capacities of 1 to 3.
"""

from __future__ import annotations

import numpy as np

from matching.engine.records import CAREER_TRACKS, ApmRecord, MentorRecord

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
