"""`match()`: records in, proposals with reasons and explained gaps out."""

from __future__ import annotations

import gc
import time
from collections.abc import Collection, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace

import numpy as np

from matching.engine.cohort import Cohort
from matching.engine.explain import Names, explain_unmatched, proposals_for
from matching.engine.records import (
    ApmRecord,
    MatchResult,
    MentorRecord,
    Weights,
)
from matching.engine.scoring import UNITS_PER_POINT, weight_units
from matching.engine.solver import solve

# Candidates kept per APM before the first solve. Larger K rarely needs a second round
# but makes every round slower; the pricing check adds what K missed.
DEFAULT_CANDIDATES = 40


def _check_ids(records, kind):
    seen = set()
    for record in records:
        if record.id in seen:
            raise ValueError(f"{kind} id {record.id} appears more than once.")
        seen.add(record.id)


@contextmanager
def _gc_paused():
    # match() makes tens of thousands of small objects (records in, proposals out)
    # but no reference cycles; with a big cohort alive, the cyclic collector's passes
    # over it cost more than building the proposals. Pause it, and restore its state.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_gc_paused()
def match(
    apms: Sequence[ApmRecord],
    mentors: Sequence[MentorRecord],
    *,
    weights: Weights = Weights(),  # noqa: B008 - frozen, so a shared default is safe
    banned_pairs: Collection[tuple[int, int]] = (),
    category_names: Mapping[int, str] | None = None,
    person_names: Mapping[int, str] | None = None,
    team_names: Mapping[int, str] | None = None,
    candidates_per_apm: int | None = None,
    max_rounds: int = 30,
) -> MatchResult:
    """Propose a mentor for as many APMs as possible, then the best total score.

    Hard rules (never broken): different people, the mentor is not in the APM's
    management chain, not on the same team, not a banned (apm_id, mentor_id) pair, and
    no mentor gets more APMs than their capacity. The result is the same for the same
    records in any order (and the same on every call).

    `optimal` is True when the assignment is proven optimal for the full problem (see
    `matching.engine.solver`). `candidates_per_apm` and `max_rounds` tune that search;
    they are there for tests and benchmarks. `stats` holds: build_seconds (encoding,
    scoring every pair, choosing candidates), solve_seconds, verify_seconds,
    explain_seconds, total_seconds, candidates_per_apm (K), rounds, edges (candidate
    pairs at the end), edges_added (by the check), edges_pruned (left out of re-solves
    as far from tight), re_solves, mentors_with_room,
    hot_mentors (mentors nearly everyone ranks first, see `solver.hot_mentors`), method
    ("whole" for a small cohort solved with every eligible pair, "pruned" otherwise; giving
    `candidates_per_apm` always prunes), and gap: 0.0 when proven; otherwise an upper
    bound on the missing total (in points, a matched APM counting as a huge BIG; None if
    unknown) and count_proven (whether no more APMs could be matched anyway).
    """
    started = time.perf_counter()
    _check_ids(apms, "APM")
    _check_ids(mentors, "Mentor")
    k = DEFAULT_CANDIDATES if candidates_per_apm is None else candidates_per_apm
    if k < 1:
        raise ValueError("candidates_per_apm must be at least 1.")
    banned = frozenset((apm_id, mentor_id) for apm_id, mentor_id in banned_pairs)
    cohort = Cohort(apms, mentors, weight_units(weights), banned)
    encode_seconds = time.perf_counter() - started
    all_mentors = sorted(mentors, key=lambda m: m.id)
    n = cohort.n_apms

    if n and cohort.n_mentors:
        sigma, optimal, stats = solve(
            cohort, k, max_rounds, allow_whole=candidates_per_apm is None
        )
        stats["build_seconds"] += encode_seconds
        if not optimal:
            _fill_free_slots(cohort, sigma)
    else:
        sigma = np.full(n, -1, dtype=np.int64)
        optimal = True
        stats = {
            "build_seconds": time.perf_counter() - started,
            "solve_seconds": 0.0,
            "verify_seconds": 0.0,
            "candidates_per_apm": k,
            "rounds": 0,
            "edges": 0,
            "edges_added": 0,
            "edges_pruned": 0,
            "re_solves": [],
            "mentors_with_room": cohort.n_mentors,
            "hot_mentors": 0,
            "method": "none",
            "gap": 0.0,
        }

    explain_started = time.perf_counter()
    rows = np.flatnonzero(sigma >= 0)
    proposals = proposals_for(cohort, rows, sigma[rows], category_names)
    if "alternatives" in stats:
        proposals = _with_alternatives(cohort, proposals, rows, stats.pop("alternatives"))
    proposals.sort(key=lambda p: p.apm_id)
    unmatched = explain_unmatched(
        cohort,
        np.flatnonzero(sigma < 0),
        sigma,
        all_mentors,
        banned,
        Names(person_names, team_names),
    )
    unmatched.sort(key=lambda u: u.apm_id)
    stats["explain_seconds"] = time.perf_counter() - explain_started
    stats["total_seconds"] = time.perf_counter() - started
    return MatchResult(
        proposals=tuple(proposals),
        unmatched=tuple(unmatched),
        matched_count=len(proposals),
        total_score=int(cohort.edge_units(rows, sigma[rows]).sum()) / UNITS_PER_POINT,
        optimal=optimal,
        stats=stats,
    )


def _with_alternatives(cohort, proposals, rows, found):
    """Each proposal with its APM's next-best mentors (solver.alternatives)."""
    alt_rows, alt_cols, alt_units = found
    by_row: dict[int, list[tuple[int, float]]] = {}
    for i, j, units in zip(alt_rows.tolist(), alt_cols.tolist(), alt_units.tolist(), strict=True):
        by_row.setdefault(i, []).append((cohort.mentors[j].id, units / UNITS_PER_POINT))
    return [
        replace(proposal, alternatives=tuple(by_row.get(i, ())))
        for proposal, i in zip(proposals, rows.tolist(), strict=True)
    ]


def _fill_free_slots(cohort: Cohort, sigma: np.ndarray) -> None:
    """Give unmatched APMs any eligible mentor still free (only when unproven).

    A maximum-cardinality assignment never leaves such a pair, so this changes nothing
    when the solve is optimal; it keeps the explanations truthful when it is not.
    """
    room = cohort.capacity - np.bincount(sigma[sigma >= 0], minlength=cohort.n_mentors)
    for i in np.flatnonzero(sigma < 0).tolist():
        scores = np.floor(cohort.scores(np.array([i])))[0]
        scores[room <= 0] = -np.inf
        j = int(np.argmax(scores))
        if np.isfinite(scores[j]):
            sigma[i] = j
            room[j] -= 1
