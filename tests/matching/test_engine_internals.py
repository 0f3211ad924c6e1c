"""The engine's building blocks: exact vectorised scores, candidate bounds, certificate."""

import random

import numpy as np
import pytest

from matching.engine import ApmRecord, MentorRecord, Weights, broken_rules
from matching.engine.cohort import NO_BOUND, Cohort
from matching.engine.records import PART_NAMES
from matching.engine.scoring import pair_units, weight_units
from matching.engine.solver import assign, find_violations, mentor_prices, select_candidates
from matching.engine.synthetic import shaped_cohort, synthetic_cohort


def all_scores(cohort):
    """Floor of the block scores for every APM x mentor (exact units, -inf if forbidden)."""
    n, block = cohort.n_apms, cohort.block_rows()
    return np.vstack(
        [
            np.floor(cohort.scores(np.arange(r0, min(n, r0 + block)))).astype(float)
            for r0 in range(0, n, block)
        ]
    )


def wide_cohort(seed, n_categories, weights):
    """Many categories with huge ids, long interest lists, unusual weights."""
    rng = random.Random(seed)
    ids = [10**12 + 7 * i for i in range(n_categories)]
    apms = [
        ApmRecord(
            id=i,
            person_id=i,
            business_unit=rng.choice([None, 1, 2]),
            team=rng.choice([None, 5, 6]),
            manager_chain=frozenset(rng.sample(range(100, 110), 1)),
            utc_offset_minutes=rng.choice([-600, -300, 0, 345, 840]),
            interests=frozenset(rng.sample(ids, rng.randint(0, min(90, n_categories)))),
            career_track=rng.choice(["people_manager", "individual_contributor", "undecided"]),
            prefers_other_unit=rng.random() < 0.5,
            agencies=frozenset(rng.sample(["VA", "CMS", "IRS", "GSA"], rng.randint(0, 3))),
            domains=frozenset(rng.sample(["tax", "health", "benefits"], rng.randint(0, 2))),
        )
        for i in range(60)
    ]
    mentors = [
        MentorRecord(
            id=1000 + j,
            person_id=100 + j,
            business_unit=rng.choice([None, 1, 2]),
            team=rng.choice([None, 5, 6]),
            utc_offset_minutes=rng.choice([-600, -300, 0, 345, 840]),
            topics=frozenset(rng.sample(ids, rng.randint(0, n_categories))),
            career_track=rng.choice(["people_manager", "individual_contributor", "undecided"]),
            capacity=rng.randint(1, 3),
            agencies=frozenset(rng.sample(["VA", "CMS", "IRS", "GSA"], rng.randint(0, 3))),
            domains=frozenset(rng.sample(["tax", "health", "benefits"], rng.randint(0, 2))),
        )
        for j in range(40)
    ]
    bans = {(a.id, m.id) for a in apms[:10] for m in mentors[:3]}
    return apms, mentors, bans, weights


@pytest.mark.parametrize(
    ("n_categories", "weights"),
    [
        (20, Weights()),
        (150, Weights()),  # several 64-bit words per mask
        (150, Weights(1000, 3.3, 999.9, 0.1, 777)),  # float64 path for interests
        (5, Weights(33.3, 7, 12.5, 9.9, 4)),
    ],
)
def test_block_scores_are_exact_and_forbid_exactly_the_broken_rules(n_categories, weights):
    apms, mentors, bans, weights = wide_cohort(n_categories, n_categories, weights)
    units = weight_units(weights)
    cohort = Cohort(apms, mentors, units, bans)
    scores = all_scores(cohort)
    for i, a in enumerate(cohort.apms):
        for j, m in enumerate(cohort.mentors):
            if broken_rules(a, m, banned_pairs=bans):
                assert scores[i, j] == -np.inf
            else:
                assert scores[i, j] == sum(pair_units(a, m, units).values())
    rows, cols = np.nonzero(np.isfinite(scores))
    parts = cohort.edge_parts(rows, cols)
    for (i, j), row_parts in zip(zip(rows, cols, strict=True), parts.tolist(), strict=True):
        expected = pair_units(cohort.apms[i], cohort.mentors[j], units)
        assert dict(zip(PART_NAMES, row_parts, strict=True)) == expected


# BIG_TEAM_SHARE 10**9: every team gets a cached vector; 1: every team is written directly.
@pytest.mark.parametrize("share", [10**9, 1])
def test_same_team_is_forbidden_by_either_path(monkeypatch, share):
    import matching.engine.cohort as cohort_module

    monkeypatch.setattr(cohort_module, "BIG_TEAM_SHARE", share)
    apms, mentors = synthetic_cohort(80, 60, seed=26, units=3, teams_per_unit=2)
    units = weight_units(Weights())
    cohort = Cohort(apms, mentors, units)
    assert (cohort.a_team_key >= 0).any() == (share > 1)
    assert (cohort.a_small_team >= 0).any() == (share == 1)
    scores = all_scores(cohort)
    for i, a in enumerate(cohort.apms):
        for j, m in enumerate(cohort.mentors):
            if broken_rules(a, m):
                assert scores[i, j] == -np.inf
            else:
                assert scores[i, j] == sum(pair_units(a, m, units).values())


def test_candidates_are_the_best_and_the_bound_covers_every_mentor_left_out():
    apms, mentors = synthetic_cohort(200, 150, seed=21)
    cohort = Cohort(apms, mentors, weight_units(Weights()))
    scores = all_scores(cohort)
    k = 5
    rows, cols, units, bounds, group = select_candidates(cohort, k)
    assert not group.any()  # no mentor stands out here: one group
    bound = bounds[:, 0]
    assert (units == scores[rows, cols]).all()
    chosen = np.zeros_like(scores, dtype=bool)
    chosen[rows, cols] = True
    for i in range(cohort.n_apms):
        left_out = scores[i][np.isfinite(scores[i]) & ~chosen[i]]
        if len(left_out):
            assert bound[i] >= left_out.max()
            assert chosen[i].sum() >= k
            # Nothing left out beats the APM's own k-th best candidate.
            own = np.sort(scores[i][chosen[i] & np.isfinite(scores[i])])[::-1]
            assert left_out.max() <= own[k - 1]
        else:
            assert bound[i] == NO_BOUND or bound[i] >= 0


def test_every_mentor_with_room_gets_candidates_from_their_side():
    apms, mentors = synthetic_cohort(300, 100, seed=22, capacity=3)
    cohort = Cohort(apms, mentors, weight_units(Weights()))
    _, cols, _, _, _ = select_candidates(cohort, 1)
    assert (np.bincount(cols, minlength=cohort.n_mentors) >= 1).all()


def test_the_certificate_accepts_the_optimum_and_rejects_a_worse_assignment():
    apms, mentors = synthetic_cohort(120, 60, seed=23)
    cohort = Cohort(apms, mentors, weight_units(Weights()))
    rows, cols, units, _, _ = select_candidates(cohort, 8)
    big = cohort.n_apms * cohort.max_units() + 1
    sigma = assign(cohort.n_apms, cohort.capacity, rows, cols, units, big, cohort.max_units())
    prices = mentor_prices(cohort.capacity, rows, cols, units, sigma, big)
    assert prices is not None
    # Dual feasible on every candidate pair, and free slots cost nothing.
    held = np.zeros(cohort.n_apms, dtype=np.int64)
    hit = sigma[rows] == cols
    held[rows[hit]] = big + units[hit]
    u = held - np.where(sigma >= 0, prices[np.maximum(sigma, 0)], 0)
    assert (u[rows] + prices[cols] >= big + units).all()
    load = np.bincount(sigma[sigma >= 0], minlength=cohort.n_mentors)
    assert (prices[load < cohort.capacity] == 0).all()

    # Swap two APMs whose swap loses points: no prices can certify that.
    worse = sigma.copy()
    pair = dict(zip(zip(rows.tolist(), cols.tolist(), strict=True), units.tolist(), strict=True))
    for a in range(cohort.n_apms):
        for b in range(a + 1, cohort.n_apms):
            ja, jb = sigma[a], sigma[b]
            if ja >= 0 and jb >= 0 and (a, jb) in pair and (b, ja) in pair:
                before = pair[(a, ja)] + pair[(b, jb)]
                if pair[(a, jb)] + pair[(b, ja)] < before:
                    worse[a], worse[b] = jb, ja
                    break
        if (worse != sigma).any():
            break
    assert (worse != sigma).any()
    assert mentor_prices(cohort.capacity, rows, cols, units, worse, big) is None


def test_equal_violations_are_added_by_jitter_not_by_column():
    # Every eligible pair is worth the same, and every one is violated by one unit:
    # each APM adds the one its jitter ranks first, so APMs alike spread over the
    # mentors instead of all adding the lowest column.
    apms, mentors, banned = shaped_cohort("all-equal", 60, seed=5)
    cohort = Cohort(apms, mentors, weight_units(Weights()), banned)
    block = cohort.scores(np.arange(cohort.n_apms)).copy()
    value = np.floor(block[np.isfinite(block)]).max()
    assert (np.floor(block[np.isfinite(block)]) == value).all()
    rows = np.arange(cohort.n_apms)
    r = np.full(cohort.n_apms, int(value) - 1, dtype=np.int64)
    v = np.zeros(cohort.n_mentors, dtype=np.int64)
    none = np.zeros(0, dtype=np.int64)
    new_rows, new_cols, worst = find_violations(cohort, rows, r, v, none, none, 1)
    assert (new_rows == rows).all()
    assert (worst == 1).all()
    assert (new_cols == np.argmax(block, axis=1)).all()
    assert len(np.unique(new_cols)) > cohort.n_mentors // 3


def test_violations_are_exact_when_prices_are_far_beyond_float32():
    # Prices near BIG (here 2**40) and rows' r near -BIG: a pair violated by one unit
    # is found, one exactly tight is not, whatever float32 would round them to.
    apms, mentors = synthetic_cohort(30, 20, seed=24)
    cohort = Cohort(apms, mentors, weight_units(Weights()))
    units = np.floor(cohort.scores(np.arange(cohort.n_apms))).copy()
    i = int(np.argmax(np.isfinite(units).sum(axis=1)))
    eligible = np.flatnonzero(np.isfinite(units[i]))
    tight, violated = int(eligible[0]), int(eligible[1])
    huge = 2**40
    v = np.full(cohort.n_mentors, 2**50, dtype=np.int64)  # nothing else can be violated
    v[tight] = huge
    v[violated] = huge + 7
    r = np.full(cohort.n_apms, 0, dtype=np.int64)
    r[i] = int(units[i, tight]) - huge  # tight: score == r + v exactly
    v[violated] = int(units[i, violated]) - r[i] - 1  # violated by exactly one unit
    none = np.zeros(0, dtype=np.int64)
    new_rows, new_cols, worst = find_violations(cohort, np.array([i]), r, v, none, none, 5)
    assert new_rows.tolist() == [i]
    assert new_cols.tolist() == [violated]
    assert worst.tolist() == [1]


def test_rows_violated_everywhere_add_only_their_most_violated_pairs():
    # Unmatched rows (r = -BIG) violate every eligible pair: the check keeps each
    # row's per_row largest violations, best block score first, and the largest one.
    apms, mentors = synthetic_cohort(40, 30, seed=25)
    cohort = Cohort(apms, mentors, weight_units(Weights()))
    block = cohort.scores(np.arange(cohort.n_apms)).copy()
    big = cohort.n_apms * cohort.max_units() + 1
    rows = np.arange(cohort.n_apms)
    r = np.full(cohort.n_apms, -big, dtype=np.int64)
    v = np.zeros(cohort.n_mentors, dtype=np.int64)
    none = np.zeros(0, dtype=np.int64)
    new_rows, new_cols, worst = find_violations(cohort, rows, r, v, none, none, 2)
    for i in rows:
        expected = np.argsort(-block[i], kind="stable")[: min(2, np.isfinite(block[i]).sum())]
        assert sorted(new_cols[new_rows == i].tolist()) == sorted(expected.tolist())
        assert worst[i] == (int(np.floor(block[i].max())) + big if len(expected) else 0)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("block_elements", [1 << 19, 600])
def test_checking_only_mentors_cheap_enough_finds_the_same_violations(
    monkeypatch, seed, block_elements
):
    # With `reach`, each row is scored only against the mentors priced below its
    # bound less r_i, in blocks of rows of like width: the result must be exactly the
    # full check's, and both must find what brute force finds. Prices tie often, some
    # are beyond float32, some rows are unmatched (r = -BIG).
    import matching.engine.cohort as cohort_module

    monkeypatch.setattr(cohort_module, "BLOCK_ELEMENTS", block_elements)
    rng = np.random.default_rng(seed)
    apms, mentors = synthetic_cohort(150, 80, seed=40 + seed)
    cohort = Cohort(apms, mentors, weight_units(Weights()))
    scores = all_scores(cohort)
    e_row, e_col, _, bound, _ = select_candidates(cohort, 4)
    n = cohort.n_apms
    big = n * cohort.max_units() + 1
    v = rng.choice([0, 2000, 7500, 7500, 20000, 2**40], size=cohort.n_mentors)
    r = rng.integers(30_000, 80_000, size=n)
    r[rng.random(n) < 0.1] = -big
    reach = bound.max(axis=1) - r
    suspects = np.flatnonzero(reach > v.min())
    per_row = 3
    full = find_violations(cohort, suspects, r, v, e_row, e_col, per_row)
    by_price = find_violations(cohort, suspects, r, v, e_row, e_col, per_row, reach[suspects])
    for got, expected in zip(by_price, full, strict=True):
        assert got.tolist() == expected.tolist()

    candidate = np.zeros_like(scores, dtype=bool)
    candidate[e_row, e_col] = True
    excess = np.where(candidate | ~np.isfinite(scores), -np.inf, scores - (r[:, None] + v))
    new_rows, new_cols, worst = full
    for at, i in enumerate(suspects.tolist()):
        violated = np.flatnonzero(excess[i] > 0)
        added = new_cols[new_rows == i]
        assert len(added) == min(per_row, len(violated))
        assert set(added.tolist()) <= set(violated.tolist())
        assert worst[at] == (excess[i].max() if len(violated) else 0)
    left_out = np.setdiff1d(np.arange(n), suspects)
    assert not (excess[left_out] > 0).any()


def dense_assignment_optimum(n_rows, capacity, rows, cols, units):
    """(matched count, total units) over the given pairs, by the dense solver on rows x
    (every mentor slot + one "unmatched" column per row)."""
    from scipy.optimize import linear_sum_assignment

    slot_mentor = np.repeat(np.arange(len(capacity)), capacity)
    big = float(n_rows * (int(units.max(initial=0)) + 1) + 1)
    cost = np.zeros((n_rows, len(slot_mentor) + n_rows))
    for i, j, u in zip(rows.tolist(), cols.tolist(), units.tolist(), strict=True):
        cost[i, np.flatnonzero(slot_mentor == j)] = -(big + u)
    r, c = linear_sum_assignment(cost)
    chosen = cost[r, c] < 0
    return int(chosen.sum()), round(-cost[r, c][chosen].sum() - chosen.sum() * big)


@pytest.mark.parametrize("seed", range(40))
def test_the_restricted_solve_is_optimal_with_capacities_ties_and_shortages(seed):
    # Mentors of capacity 0 to 3, rows with no pair, few distinct scores (ties
    # everywhere), and often fewer places than rows: the flow must match as many rows
    # as possible, then maximise the score, never exceeding a capacity.
    rng = np.random.default_rng(seed)
    n_rows, n_cols = int(rng.integers(1, 30)), int(rng.integers(1, 12))
    capacity = rng.integers(0, 4, n_cols)
    cells = rng.random((n_rows, n_cols)) < rng.uniform(0.1, 0.9)
    rows, cols = np.nonzero(cells)
    units = rng.choice([0, 500, 1000, 1001, 2000], size=len(rows)).astype(np.int64)
    max_units = 2000
    big = n_rows * max_units + 1
    sigma = assign(n_rows, capacity, rows, cols, units, big, max_units)
    pairs = zip(rows.tolist(), cols.tolist(), strict=True)
    by_pair = dict(zip(pairs, units.tolist(), strict=True))
    matched = np.flatnonzero(sigma >= 0)
    assert all((i, int(sigma[i])) in by_pair for i in matched)
    assert (np.bincount(sigma[matched], minlength=n_cols) <= capacity).all()
    total = sum(by_pair[(i, int(sigma[i]))] for i in matched)
    assert (len(matched), total) == dense_assignment_optimum(n_rows, capacity, rows, cols, units)
    # The certificate accepts it.
    assert mentor_prices(capacity, rows, cols, units, sigma, big) is not None
