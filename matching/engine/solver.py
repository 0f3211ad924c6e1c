"""Maximum-cardinality, then maximum-score assignment of APMs to mentors.

The objective is lexicographic and exact: a pair is worth BIG + score (integer units,
thousandths of a point), with BIG larger than any possible total score, and an
unmatched APM is worth 0. Maximising the total therefore first maximises the number
of matched APMs, then the total score among assignments with that number.

The full problem has every eligible pair, too many to hand to a solver (20,000 APMs x
12,000 mentors), so it is solved by pricing (column generation):

1. Candidates (`select_candidates`): scanning all mentors block by block, each APM
   keeps its K best eligible mentors (all of them if it has fewer, so nobody with an
   eligible mentor is left without candidates) and an upper bound on the score of
   every mentor it left out; each mentor adds its best APMs, so that no place lacks
   takers (in a tight cohort 8 x capacity + 1 of them, ranked by score less the APM's
   own best score: an APM that can do well elsewhere is not the one to fill a place
   nobody wants). Mentors that a sample of APMs lists far more often than average
   ("shared favourites", `hot_mentors`) form a group of their own: each APM keeps only
   K/4 of them beside its K best others, and the bounds are kept per group.
2. Restricted solve (`assign`): a min-cost flow over the candidate pairs, solved
   exactly in integers by LEMON's network simplex (`pylmcf`). Each APM ships one unit
   to a sink, through a mentor (whose arc to the sink carries its capacity: mentors
   are single nodes, not `capacity` copies) or through its own "unmatched" arc.
3. Certificate (`mentor_prices`): the least mentor prices v >= 0 such that with
   u_i = BIG + score(i, its mentor) - v(its mentor) (0 if unmatched), no candidate
   pair is worth more than u_i + v_j. These are dual values of the LP relaxation
   (which has integral optima) satisfying complementary slackness, so the assignment
   is optimal for the FULL problem exactly when no left-out pair is worth more than
   u_i + v_j either. That is checked with the bounds from step 1, and exactly (the
   APM's scores recomputed, compared in float64 where every u_i + v_j is exact) where
   the bound is not enough: only against the mentors priced below the APM's bound
   less u_i - BIG, since no other pair of it can be violated. With the mentors
   ordered by price those are a prefix, in a tight cohort a few percent of them, so
   blocks of APMs are scored against a prefix each. The solver's own duals are not
   used: the prices are computed from the assignment alone.
4. Otherwise each APM gains its most violating pairs (K of them, doubling each round
   up to 4K; equal ones in jitter order) and the restricted problem is solved again
   from scratch, then certified again. Once the first prices are near enough (at most
   a fifth of the APMs gained pairs), each re-solve leaves out the pairs whose reduced
   cost u_i + v_j - profit is above 3% of the largest score, which makes it several
   times smaller; a pair left out raises its APM's bound, so the next check looks at
   it again like any other left-out pair.

A small cohort (`WHOLE_MAX_PAIRS`) skips pruning: every eligible pair goes to the same
solver, and step 3 certifies the result all the same.

Where the time goes at 20,000 APMs (2-core machine): encoding the cohort and scoring
every pair once to choose candidates (1.4-2.1 s, a scoring pass alone 0.5 s), each
solve (0.8-1 s with plenty of places; the first solve of a tight cohort 2.5-3 s, the
pruned re-solves 1.3-1.9 s), each check of a tight cohort (0.2-0.3 s: an APM is scored
only against the mentors priced low enough to be violated, about a tenth of them), and
the reasons (0.2-0.4 s). Plenty, shared favourites, forbidden pairs and all-equal are
proven after one solve (1.5-3.5 s in all); exact, shortage and few-values need two or
three more rounds (8.7-10.7 s on an idle machine, against 9.6-13.8 s with the full
check). Other exact solvers were timed on the same restricted problems: OR-tools' cost
scaling (`SimpleMinCostFlow`) was 20% faster on the first solve of "exact" but 1.6x
slower on its re-solves and 2.6-4.5x slower on every solve of "few-values"; scipy's
sparse LAPJV over slot copies was 1.7-2.6x slower; LEMON's other pivot rules 1.3-5x
slower. None of them can start from the previous round's solution. A warm repair of
the last round (shortest augmenting paths from the certified prices, compiled with
numba) saved a further 0.4-1.5 s where at most 1% of the APMs gained pairs, but not
enough to reach 3 s, and was left out; so were two scoring threads, which gained no
wall time on two cores. Re-solving only the part of the cohort that the added pairs can
change does not help either: every improving cycle uses only arcs whose reduced cost is
at most the round's summed violations, but with the least prices most arcs are nearly
tight, and in "exact" at 20,000 the APMs within that distance of the added pairs were all
20,000, even when 6 APMs gained pairs (a 1,831-unit gap). Fewer candidates per APM (20 or
28 instead of 40) take more rounds and as long or longer (14.1 and 10.9 s against 10.6 s).

`optimal` is reported only when step 3 passes on the final assignment.
"""

from __future__ import annotations

import time

import numpy as np
import pylmcf

from matching.engine.cohort import NO_BOUND, Cohort, ColumnOrder

# Each mentor also proposes its best `capacity` + 1 APMs; in a tight cohort (fewer than
# TIGHT slots per APM) its best 8 x capacity + 1, at most 32, ranked by score less the
# APM's own best score (see _MentorSide): with 2 x capacity + 1 by plain score, at most
# 8, the first restricted solve of a tight cohort priced popular mentors far too high.
MENTOR_SIDE_PER_SLOT = 8
MENTOR_SIDE_MAX = 32
TIGHT = 1.1
# A block of the check with more violations than this many per row and per_row sorts
# only each row's per_row largest (rows unmatched in the restricted problem).
MANY_HITS_PER_ROW = 8
# Re-solves leave out pairs whose reduced cost is above PRUNE_SLACK x the largest
# score, when at most PRUNE_MAX_SHARE of the APMs gained pairs (see solve).
PRUNE_SLACK = 0.03
PRUNE_MAX_SHARE = 0.2
# "Hot" mentors (see hot_mentors): listed HOT_FACTOR times more often per slot than
# the average in a sample of HOT_SAMPLE APMs' lists; each APM keeps k // HOT_SHARE of them.
HOT_FACTOR = 10
HOT_SAMPLE = 2000
HOT_SHARE = 4
HOT_MIN_APMS = 200
# Each round of the check adds up to this many pairs per APM, doubling from k up to
# PER_ROW_MAX_FACTOR x k: with ties, an APM can have thousands of equally good pairs
# left out, and adding them all makes every later solve slower (and memory grow).
PER_ROW_MAX_FACTOR = 4
# Cohorts with at most this many APM x mentor pairs are solved whole (every eligible
# pair goes to the solver): below that, choosing candidates costs more than it saves.
WHOLE_MAX_PAIRS = 60_000


def select_candidates(
    cohort: Cohort, k: int, hot: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each APM's best `k` eligible mentors, plus each mentor's best APMs.

    Mentors fall into groups: 0 for most, 1 for the "hot" ones (`hot_mentors`) that
    nearly everyone ranks first. An APM keeps its best `k` mentors of group 0 and only
    its best `k // HOT_SHARE` of group 1, so that its list does not consist of mentors
    it will be priced out of. Ties are broken by the jitter, then by column.

    Returns candidate rows, columns and exact scores in units (unique pairs, sorted by
    row then column); per row and group an upper bound, in units, on the score of every
    eligible mentor of that group it left out (NO_BOUND: none left out); and each
    mentor's group.
    """
    n, m = cohort.n_apms, cohort.n_mentors
    if hot is None:
        hot = hot_mentors(cohort, k)
    group = hot.astype(np.int64)
    hot_cols = np.flatnonzero(hot)
    n_groups = 2 if len(hot_cols) else 1
    bound = np.full((n, n_groups), NO_BOUND, dtype=np.int64)
    out_rows, out_cols, out_units = [], [], []
    mentor_side = _MentorSide(cohort)
    block = cohort.block_rows()
    for r0 in range(0, n, block):
        rows = np.arange(r0, min(n, r0 + block))
        s = cohort.scores(rows)
        mentor_side.update(s, r0)
        if len(hot_cols):
            hot_scores = s[:, hot_cols]
            # The others' list is chosen with the hot mentors out of the way.
            s[:, hot_cols] = -np.inf
            parts = [(s, None, k, 0), (hot_scores, hot_cols, max(1, k // HOT_SHARE), 1)]
        else:
            parts = [(s, None, k, 0)]
        for scores, col_map, keep, g in parts:
            local, cols, units, block_bound = _best_per_row(scores, keep)
            out_rows.append(local + r0)
            out_cols.append(cols if col_map is None else col_map[cols])
            out_units.append(units)
            bound[r0 : r0 + len(rows), g] = block_bound
    m_rows, m_cols, m_units = mentor_side.pairs()
    rows = np.concatenate([*out_rows, m_rows])
    cols = np.concatenate([*out_cols, m_cols])
    units = np.concatenate([*out_units, m_units])
    key = rows * m + cols
    order = np.argsort(key, kind="stable")
    key = key[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    return rows[order][first], cols[order][first], units[order][first], bound, group


def _best_per_row(s: np.ndarray, k: int):
    """Each row's best `k` finite scores of block `s`: local rows, columns, exact units
    (sorted by row, then score descending), and per row a bound on the rest."""
    b, m = s.shape
    # Threshold per row: the (k+1)-th largest of the maxima of 2(k+1) groups of
    # columns. At least k+1 scores reach it (each of those groups has one), and it
    # rarely lets through more than about 2k: far cheaper than a full partition.
    groups = 2 * (k + 1)
    width = m // groups
    if k >= m:
        thr = np.zeros(b, dtype=np.float32)
    elif width < 4:
        thr = np.partition(s, m - k - 1, axis=1)[:, m - k - 1]
    else:
        maxima = s[:, : groups * width].reshape(b, groups, width).max(axis=2)
        thr = np.partition(maxima, groups - k - 1, axis=1)[:, groups - k - 1]
    # Eligible scores are >= 0; a threshold of 0 keeps every eligible mentor.
    thr = np.maximum(thr, np.float32(0))
    flat = np.flatnonzero(s >= thr[:, None])
    local, cols = np.divmod(flat, m)
    values = s.ravel()[flat]
    # Sort by row, then score descending: non-negative float32 scores order like
    # their bit patterns; the stable sort keeps column order among equal scores.
    descending = np.int64(0x7FFFFFFF) - values.view(np.int32)
    order = np.argsort((local << 31) | descending, kind="stable")
    local, cols, values = local[order], cols[order], values[order]
    counts = np.bincount(local, minlength=b)
    rank = np.arange(len(local)) - np.repeat(np.cumsum(counts) - counts, counts)
    chosen = rank < k
    # Left out: those ranked after k (the first of them is the largest) and those
    # under the threshold. floor() of a block score is the exact score.
    block_bound = np.where(thr > 0, np.floor(thr), NO_BOUND).astype(np.int64)
    first_out = rank == k
    block_bound[local[first_out]] = np.floor(values[first_out]).astype(np.int64)
    units = np.floor(values[chosen]).astype(np.int64)
    return local[chosen], cols[chosen], units, block_bound


def hot_mentors(cohort: Cohort, k: int) -> np.ndarray:
    """Mentors that a sample of APMs lists among its best `k` far more than average.

    When everyone's best mentors are the same few ("shared favourites"), most APMs
    cannot have them, and lists of only those leave the first solve with no
    alternatives: it matches few, and the check must then add nearly every APM's real
    options round after round. Spotting them first lets each list hold both.
    """
    n, m = cohort.n_apms, cohort.n_mentors
    hot = np.zeros(m, dtype=bool)
    if m <= HOT_SHARE * k or n < HOT_MIN_APMS:
        return hot
    sample = np.arange(0, n, max(1, n // HOT_SAMPLE))
    listed = np.zeros(m, dtype=np.int64)
    block = cohort.block_rows()
    for b0 in range(0, len(sample), block):
        # The same lists as `select_candidates` would choose (and as cheaply).
        _, cols, _, _ = _best_per_row(cohort.scores(sample[b0 : b0 + block]), k)
        listed += np.bincount(cols, minlength=m)
    demand = listed / np.maximum(cohort.capacity, 1)
    average = listed.sum() / max(1, int(cohort.capacity.sum()))
    hot[:] = demand > HOT_FACTOR * average
    return hot


class _MentorSide:
    """Each mentor's best APMs, so no slot is left without takers.

    Without them the candidate graph loses the slots of mentors nobody ranks highly:
    the restricted problem gets tighter than the real one, the solver slows down and
    the pricing check keeps finding pairs to add. A mentor's taker in an optimum is an
    APM with much to gain from it compared with what it can get elsewhere, not simply
    one that scores high with everyone, so in a tight cohort APMs are ranked by score
    less their own best score. For speed this keeps the best APM of each block of rows
    per mentor, then the best of those.
    """

    def __init__(self, cohort: Cohort):
        self.capacity = cohort.capacity
        # In a tight cohort (few spare slots) the least popular mentors must be filled
        # by someone, so they propose more APMs.
        tight = self.capacity.sum() < TIGHT * cohort.n_apms
        self.per_slot = MENTOR_SIDE_PER_SLOT if tight else 1
        self.depth = int(
            min(MENTOR_SIDE_MAX, self.per_slot * self.capacity.max(initial=1) + tight)
        )
        self.value = np.full((cohort.n_mentors, self.depth), -np.inf, dtype=np.float32)
        self.units = np.zeros((cohort.n_mentors, self.depth), dtype=np.int64)
        self.row = np.full((cohort.n_mentors, self.depth), -1, dtype=np.int64)
        # With spare places the plain best scores do as well, a pass per block cheaper.
        self.relative = bool(tight)
        self._work = None

    def update(self, s: np.ndarray, r0: int) -> None:
        if self.relative:
            if self._work is None or self._work.shape[0] < len(s):
                self._work = np.empty(s.shape, dtype=np.float32)
            rel = self._work[: len(s)]
            best = s.max(axis=1)
            np.subtract(s, np.where(np.isfinite(best), best, 0)[:, None], out=rel)
        else:
            rel = s
        # Each mentor's best APM of this block, inserted into its sorted list (after
        # any equal value already there, as a stable sort would).
        top = rel.max(axis=0)
        better = np.flatnonzero(top > self.value[:, -1])
        if not len(better):
            return
        local, top = rel[:, better].argmax(axis=0), top[better]
        units = np.floor(s[local, better]).astype(np.int64)
        idx = np.arange(self.depth)
        pos = (self.value[better] >= top[:, None]).sum(axis=1)
        before = idx[None, :] < pos[:, None]
        at = idx[None, :] == pos[:, None]
        shifted = np.maximum(idx - 1, 0)
        for store, new in ((self.value, top), (self.units, units), (self.row, local + r0)):
            old = store[better]
            store[better] = np.where(before, old, np.where(at, new[:, None], old[:, shifted]))

    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        keep = (self.row >= 0) & (
            np.arange(self.depth)[None, :] < self.per_slot * self.capacity[:, None] + 1
        )
        cols, ranks = np.nonzero(keep)
        return self.row[cols, ranks], cols, self.units[cols, ranks]


def assign(
    n_rows: int,
    capacity: np.ndarray,
    e_row: np.ndarray,
    e_col: np.ndarray,
    e_units: np.ndarray,
    big: int,
    max_units: int,
) -> np.ndarray:
    """Optimal assignment over the given pairs: mentor column per row, or -1.

    A min-cost flow solved by LEMON's network simplex (`pylmcf`), in integers: each APM
    row ships one unit to a sink, either through a mentor (one arc per pair, cost
    max_units - score) whose arc to the sink carries at most its capacity, or through
    its own "unmatched" arc (cost BIG + max_units). A pair is then worth BIG + score
    against 0 for staying unmatched, shifted by the same constant per row (every row
    ships exactly one unit, so that changes no choice).
    """
    n_cols = len(capacity)
    sigma = np.full(n_rows, -1, dtype=np.int64)
    if (
        len(e_row) > 1
        and ((np.diff(e_row) < 0) | ((np.diff(e_row) == 0) & (np.diff(e_col) <= 0))).any()
    ):
        order = np.lexsort((e_col, e_row))
        e_row, e_col, e_units = e_row[order], e_col[order], e_units[order]
    active = np.flatnonzero(np.bincount(e_row, minlength=n_rows) > 0)
    if not len(active):
        return sigma
    n_act = len(active)
    local = np.full(n_rows, -1, dtype=np.int64)
    local[active] = np.arange(n_act)
    rows_in = local[e_row]
    # Nodes: rows 0..n_act-1, mentors n_act..n_act+n_cols-1, then the sink. The solver
    # wants arcs sorted by (tail, head): each row's pairs (by column), then its
    # "unmatched" arc, then every mentor's arc to the sink.
    sink = n_act + n_cols
    n_pairs = len(e_row)
    at_pair = np.arange(n_pairs) + rows_in  # room for one "unmatched" arc per row before
    at_dummy = np.searchsorted(rows_in, np.arange(n_act), side="right") + np.arange(n_act)
    n_arcs = n_pairs + n_act + n_cols
    tails = np.empty(n_arcs, dtype=np.int32)
    heads = np.empty(n_arcs, dtype=np.int32)
    costs = np.zeros(n_arcs, dtype=np.int64)
    caps = np.ones(n_arcs, dtype=np.int64)
    tails[at_pair], heads[at_pair] = rows_in, n_act + e_col
    costs[at_pair] = max_units - e_units
    tails[at_dummy], heads[at_dummy] = np.arange(n_act), sink
    costs[at_dummy] = big + max_units
    mentor_arcs = slice(n_pairs + n_act, n_arcs)
    tails[mentor_arcs], heads[mentor_arcs] = n_act + np.arange(n_cols), sink
    caps[mentor_arcs] = capacity
    supply = np.zeros(sink + 1, dtype=np.int64)
    supply[:n_act] = 1
    supply[sink] = -n_act
    graph = pylmcf.Graph(sink + 1, tails, heads)
    graph.set_node_supply(supply)
    graph.set_edge_capacities(caps)
    graph.set_edge_costs(costs)
    graph.solve()
    taken = graph.result()[at_pair] > 0
    sigma[e_row[taken]] = e_col[taken]
    return sigma


def assigned_units(sigma, e_row, e_col, e_units, n_rows):
    """Units of each row's assigned pair (0 when unmatched)."""
    hit = sigma[e_row] == e_col
    out = np.zeros(n_rows, dtype=np.int64)
    out[e_row[hit]] = e_units[hit]
    return out


def mentor_prices(
    capacity: np.ndarray,
    e_row: np.ndarray,
    e_col: np.ndarray,
    e_units: np.ndarray,
    sigma: np.ndarray,
    big: int,
) -> np.ndarray | None:
    """Least prices v >= 0 with profit(i, j) <= u_i + v_j on every candidate pair.

    u_i is fixed by the assignment (profit of i's pair - v of its mentor, or 0), so the
    constraint reads v_j >= v_sigma(i) + profit(i, j) - profit(i, sigma(i)): a longest
    path problem over mentors, relaxed pass by pass from the mentors whose price just
    rose. Returns None when the assignment cannot be optimal for these pairs (a
    positive cycle, a price on a mentor with a free slot, an APM better off unmatched);
    the caller then treats optimality as unproven.
    """
    n_cols = len(capacity)
    n_rows = len(sigma)
    matched = sigma >= 0
    own = assigned_units(sigma, e_row, e_col, e_units, n_rows)
    held = np.where(matched, big + own, 0)
    src = sigma[e_row]
    other = e_col != src
    src, dst = src[other], e_col[other]
    gain = big + e_units[other] - held[e_row[other]]
    v = np.zeros(n_cols, dtype=np.int64)
    # Pairs of unmatched APMs bound prices from below once; the rest chain.
    free = src < 0
    np.maximum.at(v, dst[free], gain[free])
    src, dst, gain = src[~free], dst[~free], gain[~free]
    order = np.argsort(src, kind="stable")
    src, dst, gain = src[order], dst[order], gain[order]
    src_ptr = np.searchsorted(src, np.arange(n_cols + 1))
    changed = np.arange(n_cols)  # every price may push others, even at 0
    # A longest path has at most n_cols steps; still rising after that means a cycle.
    for _ in range(n_cols + 1):
        if not len(changed):
            break
        idx = _ranges(src_ptr[changed], src_ptr[changed + 1] - src_ptr[changed])
        if not len(idx):
            break
        targets = dst[idx]
        offer = v[src[idx]] + gain[idx]
        rises = offer > v[targets]
        if not rises.any():
            break
        before = v.copy()
        np.maximum.at(v, targets[rises], offer[rises])
        changed = np.flatnonzero(v != before)
    else:
        return None
    # The certificate, checked directly rather than trusted: every pair's reduced
    # cost u_i + v_j - profit is >= 0, u >= 0, and free slots cost nothing.
    u = held - np.where(matched, v[np.maximum(sigma, 0)], 0)
    if (u < 0).any() or (u[e_row] + v[e_col] < big + e_units).any():
        return None
    load = np.bincount(sigma[matched], minlength=n_cols)
    if (v[load < capacity] > 0).any():
        return None
    return v


def find_violations(
    cohort: Cohort,
    rows: np.ndarray,
    r: np.ndarray,
    v: np.ndarray,
    e_row: np.ndarray,
    e_col: np.ndarray,
    per_row: int,
    reach: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Left-out eligible pairs of `rows` with score > r_i + v_j (exact check).

    `r` is u - BIG per row (so it stays small); `e_row`/`e_col` the current candidates,
    sorted by row. `reach`, if given, is per row of `rows` a price from which on no
    mentor can be violated by it (its bound on left-out scores less r_i): each row is
    then scored only against the mentors priced below that, the first ones of the
    mentors ordered by price, which in a tight cohort is a few percent of them.
    Returns up to `per_row` most violated pairs per row and, for every row in `rows`,
    its largest violation (0 if none).
    """
    ptr = np.searchsorted(e_row, np.arange(cohort.n_apms + 1))
    new_rows, new_cols = [], []
    worst = np.zeros(len(rows), dtype=np.int64)
    n_m = cohort.n_mentors
    if reach is None:
        order = None
        widths = np.full(len(rows), n_m, dtype=np.int64)
        at = np.arange(len(rows))
    else:
        by_price = np.argsort(v, kind="stable")
        order = ColumnOrder(cohort, by_price)
        widths = np.searchsorted(v[by_price], reach, side="left")
        # Widest first, so that each block is as wide as its first row needs.
        at = np.argsort(-widths, kind="stable")
        at = at[widths[at] > 0]
    # Prices can be near BIG, beyond float32's integers, so the test is made in float64,
    # where every r_i + v_j is exact: floor(s) > L exactly when s >= L + 1, since a
    # block score s is its exact units plus a jitter below 0.5 (see cohort.py).
    v64 = v.astype(np.float64) if order is None else v[order.cols].astype(np.float64)
    r64 = r.astype(np.float64) + 1
    limit = np.empty(cohort.block_rows() * n_m, dtype=np.float64)
    b0 = 0
    while b0 < len(at):
        width = int(widths[at[b0]])
        block = max(1, cohort.block_rows() * n_m // width)
        where = at[b0 : b0 + block]
        if order is not None:
            where = np.sort(where)
        chunk = rows[where]
        b0 += block
        scores = cohort.scores(chunk, order, width)
        starts = ptr[chunk]
        counts = ptr[chunk + 1] - starts
        local = np.repeat(np.arange(len(chunk)), counts)
        cand = e_col[_ranges(starts, counts)]
        if order is not None:
            cand = order.position[cand]
            inside = cand < width
            local, cand = local[inside], cand[inside]
        scores[local, cand] = -np.inf
        lim = limit[: len(chunk) * width].reshape(len(chunk), width)
        np.add(r64[chunk, None], v64[None, :width], out=lim)
        hit = scores >= lim
        n_hits = int(np.count_nonzero(hit))
        if not n_hits:
            continue
        if n_hits > MANY_HITS_PER_ROW * per_row * len(chunk):
            # Rows violated nearly everywhere (unmatched in the restricted problem):
            # keep each row's per_row largest excesses before sorting anything, and
            # any equal to the last of them, so that the sort below still decides
            # ties (by column) whatever the blocks.
            np.subtract(scores, lim, out=lim)
            lim[~hit] = -np.inf
            keep = min(per_row, width)
            kth = np.partition(lim, width - keep, axis=1)[:, width - keep]
            hit &= lim >= kth[:, None]
            hits = np.flatnonzero(hit)
        else:
            # flatnonzero, not nonzero: on a 2-D array nonzero is ten times slower.
            hits = np.flatnonzero(hit)
        lr, lc = np.divmod(hits, scores.shape[1])
        value = scores[lr, lc]
        if order is not None:
            lc = order.cols[lc]
        exact = np.floor(value)
        amount = exact.astype(np.int64) - (r[chunk[lr]] + v[lc])
        real = amount > 0
        lr, lc, amount = lr[real], lc[real], amount[real]
        # Equal violations are ordered by the jitter, as candidates are: by column,
        # APMs alike would all add the same few of many equally good mentors.
        jitter = (value - exact)[real]
        order_hits = np.lexsort((lc, -jitter, -amount, lr))
        lr, lc, amount = lr[order_hits], lc[order_hits], amount[order_hits]
        counts = np.bincount(lr, minlength=len(chunk))
        rank = np.arange(len(lr)) - np.repeat(np.cumsum(counts) - counts, counts)
        worst[where[lr[rank == 0]]] = amount[rank == 0]
        take = rank < per_row
        new_rows.append(chunk[lr[take]])
        new_cols.append(lc[take])
    if not new_rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), worst
    new_rows, new_cols = np.concatenate(new_rows), np.concatenate(new_cols)
    if order is not None:
        # Blocks came widest first: back to row order (each row's pairs stay in order).
        back = np.argsort(new_rows, kind="stable")
        new_rows, new_cols = new_rows[back], new_cols[back]
    return new_rows, new_cols, worst


def _group_min(v: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Least price in each mentor group (a left-out mentor costs at least that)."""
    least = np.full(int(group.max(initial=0)) + 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(least, group, v)
    return least


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated aranges [start, start + count) for each pair."""
    return np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))


def solve(
    cohort: Cohort, k: int, max_rounds: int = 30, allow_whole: bool = True
) -> tuple[np.ndarray, bool, dict]:
    """Assignment (mentor column per APM row, -1 if unmatched), proven-optimal flag, stats.

    `allow_whole=False` prunes even a small cohort (tests use it to exercise pruning).
    """
    n, m = cohort.n_apms, cohort.n_mentors
    max_units = cohort.max_units()
    matchable = min(n, int(cohort.capacity.sum()))
    big = matchable * max_units + 1
    if n * (big + max_units + 1) >= 2**52:
        raise ValueError(
            "This cohort is too large for exact matching with these weights; lower the weights."
        )
    # A small cohort is solved whole (every eligible pair); the certificate below
    # still checks the result.
    whole = allow_whole and n * m <= WHOLE_MAX_PAIRS

    started = time.perf_counter()
    if whole:
        e_row, e_col, e_units, bound, group = select_candidates(
            cohort, m, hot=np.zeros(m, dtype=bool)
        )
    else:
        e_row, e_col, e_units, bound, group = select_candidates(cohort, k)
    build_seconds = time.perf_counter() - started
    # Each APM's best mentors, kept before any re-solve prunes them: the alternatives
    # the committee's review shows (see alternatives).
    first = (e_row, e_col, e_units)
    # Only pairs chosen as candidates are ever left out of a re-solve; a pair the check
    # added back stays, so pruning cannot make the rounds go round in circles.
    prunable = np.ones(len(e_row), dtype=bool)

    t0 = time.perf_counter()
    sigma = assign(n, cohort.capacity, e_row, e_col, e_units, big, max_units)
    v = mentor_prices(cohort.capacity, e_row, e_col, e_units, sigma, big)
    solve_seconds = time.perf_counter() - t0
    verify_seconds = 0.0
    rounds = 1
    per_row = k
    proven = False
    gap_units: int | None = None
    added = 0
    pruned = 0
    resolved = []
    while True:
        if v is None:
            gap_units = None  # no certificate for this assignment
            break
        t1 = time.perf_counter()
        own = assigned_units(sigma, e_row, e_col, e_units, n)
        r = np.where(sigma >= 0, own - v[np.maximum(sigma, 0)], -big)
        reach = bound.max(axis=1) - r
        suspects = np.flatnonzero((bound > r[:, None] + _group_min(v, group)).any(axis=1))
        new_rows, new_cols, worst = find_violations(
            cohort, suspects, r, v, e_row, e_col, per_row, reach=reach[suspects]
        )
        verify_seconds += time.perf_counter() - t1
        if not len(new_rows):
            proven = True
            gap_units = 0
            break
        gap_units = int(worst.sum())
        if rounds >= max_rounds:
            break
        rounds += 1
        t2 = time.perf_counter()
        added += len(new_rows)
        if len(np.unique(new_rows)) <= PRUNE_MAX_SHARE * n:
            # Pairs far from tight under the current prices (reduced cost above
            # PRUNE_SLACK of the largest score) are unlikely to be used by the next
            # solve, which is much faster without them: leave them out, and raise their
            # rows' bounds so that the check looks at them again like any other
            # left-out pair. Not after a first solve that most APMs found wanting:
            # its prices are too far off to judge by.
            u = np.where(sigma >= 0, big + own - v[np.maximum(sigma, 0)], 0)
            reduced = u[e_row] + v[e_col] - (big + e_units)
            drop = (reduced > PRUNE_SLACK * max_units) & (sigma[e_row] != e_col) & prunable
            pruned += int(drop.sum())
            np.maximum.at(bound, (e_row[drop], group[e_col[drop]]), e_units[drop])
            keep = ~drop
            e_row, e_col, e_units = e_row[keep], e_col[keep], e_units[keep]
            prunable = prunable[keep]
        e_row = np.concatenate([e_row, new_rows])
        e_col = np.concatenate([e_col, new_cols])
        e_units = np.concatenate([e_units, cohort.edge_units(new_rows, new_cols)])
        prunable = np.concatenate([prunable, np.zeros(len(new_rows), dtype=bool)])
        order = np.lexsort((e_col, e_row))
        e_row, e_col, e_units = e_row[order], e_col[order], e_units[order]
        prunable = prunable[order]
        per_row = min(2 * per_row, PER_ROW_MAX_FACTOR * k)
        sigma = assign(n, cohort.capacity, e_row, e_col, e_units, big, max_units)
        v = mentor_prices(cohort.capacity, e_row, e_col, e_units, sigma, big)
        resolved.append(f"{len(np.unique(new_rows))} APMs gained pairs")
        solve_seconds += time.perf_counter() - t2

    stats = {
        "build_seconds": build_seconds,
        "solve_seconds": solve_seconds,
        "verify_seconds": verify_seconds,
        "candidates_per_apm": k,
        "rounds": rounds,
        "edges": len(e_row),
        "edges_added": added,
        "edges_pruned": pruned,
        "re_solves": resolved,
        "mentors_with_room": m,
        "hot_mentors": int(group.sum()),
        "method": "whole" if whole else "pruned",
    }
    if proven:
        stats["gap"] = 0.0
    else:
        # Dual bound: the best assignment is worth at most the summed largest
        # violations more than this one. An extra match would be worth more than
        # BIG - this total score, so below that the matched count is proven.
        total = int(assigned_units(sigma, e_row, e_col, e_units, n).sum())
        stats["gap"] = None if gap_units is None else gap_units / 1000
        stats["count_proven"] = gap_units is not None and gap_units < big - total
    stats["alternatives"] = alternatives(sigma, *first)
    return sigma, proven, stats


def alternatives(
    sigma: np.ndarray, e_row: np.ndarray, e_col: np.ndarray, e_units: np.ndarray, per_row: int = 3
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each matched APM's best `per_row` eligible mentors other than its own: rows,
    columns and units, by row, best first (equal scores by column).

    From the first candidate lists, which hold every APM's best K eligible mentors
    (K//HOT_SHARE >= per_row of the "hot" ones), so these are the true next best.
    """
    keep = (sigma[e_row] >= 0) & (e_col != sigma[e_row])
    rows, cols, units = e_row[keep], e_col[keep], e_units[keep]
    order = np.lexsort((cols, -units, rows))
    rows, cols, units = rows[order], cols[order], units[order]
    counts = np.bincount(rows, minlength=len(sigma))
    rank = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
    take = rank < per_row
    return rows[take], cols[take], units[take]
