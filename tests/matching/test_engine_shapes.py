"""The engine on every cohort shape, and on small cohorts full of ties, against dense scipy.

The oracle scores each pair with `pair_units` and `broken_rules` (one pair at a time, not
the vectorised scoring the engine uses) and solves the whole problem with
`linear_sum_assignment` on the dense APM x (slots + "unmatched") matrix.
"""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from matching.engine import ApmRecord, MentorRecord, Weights, match
from matching.engine.scoring import broken_rules, pair_units, weight_units
from matching.engine.synthetic import SHAPES, shaped_cohort


def dense_optimum(apms, mentors, banned=frozenset(), weights=Weights()):  # noqa: B008
    """(matched count, total units) of the best assignment, by the dense solver."""
    units = weight_units(weights)
    n, n_slots = len(apms), sum(m.capacity for m in mentors)
    if not n or not n_slots:
        return 0, 0
    big = float(n * sum(units.values()) + 1)
    cost = np.zeros((n, n_slots + n))
    first = 0
    for m in mentors:
        columns = slice(first, first + m.capacity)
        first += m.capacity
        if m.capacity == 0:
            continue
        for i, a in enumerate(apms):
            if not broken_rules(a, m, banned_pairs=banned):
                cost[i, columns] = -(big + sum(pair_units(a, m, units).values()))
    rows, cols = linear_sum_assignment(cost)
    chosen = cost[rows, cols] < 0
    matched = int(chosen.sum())
    return matched, round(-cost[rows, cols][chosen].sum() - matched * big)


def assert_valid(result, apms, mentors, banned):
    by_apm = {a.id: a for a in apms}
    by_mentor = {m.id: m for m in mentors}
    load = {}
    for proposal in result.proposals:
        pair = by_apm[proposal.apm_id], by_mentor[proposal.mentor_id]
        assert not broken_rules(*pair, banned_pairs=banned)
        load[proposal.mentor_id] = load.get(proposal.mentor_id, 0) + 1
    assert all(load[m] <= by_mentor[m].capacity for m in load)


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("candidates", [None, 8])
def test_every_shape_matches_the_dense_optimum_and_is_proven(shape, candidates):
    apms, mentors, banned = shaped_cohort(shape, 300, seed=3)
    result = match(apms, mentors, banned_pairs=banned, candidates_per_apm=candidates)
    count, units = dense_optimum(apms, mentors, banned)
    assert result.optimal
    assert result.matched_count == count
    assert round(result.total_score * 1000) == units
    assert_valid(result, apms, mentors, banned)


@pytest.mark.parametrize(("shape", "slots_per_apm"), [("exact", 1.0), ("shortage", 0.8)])
@pytest.mark.parametrize("candidates", [None, 3])
@pytest.mark.parametrize("flatten", [False, True])
def test_tight_cohorts_of_capacity_three_match_the_dense_optimum(
    shape, slots_per_apm, candidates, flatten
):
    # Mentors with three places each, exactly enough or too few of them; `flatten`
    # makes every eligible pair worth the same (the all-equal roster).
    n_apms = 240
    apms, mentors, banned = shaped_cohort(
        shape, n_apms, seed=5, n_mentors=round(slots_per_apm * n_apms / 3)
    )
    mentors = [replace(m, capacity=3) for m in mentors]
    weights = Weights(0, 0, 0, 0, 0) if flatten else Weights()
    result = match(
        apms, mentors, weights=weights, banned_pairs=banned, candidates_per_apm=candidates
    )
    count, units = dense_optimum(apms, mentors, banned, weights)
    assert result.optimal
    assert (result.matched_count, round(result.total_score * 1000)) == (count, units)
    assert_valid(result, apms, mentors, banned)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_short_candidate_lists_converge_in_a_few_rounds(shape):
    # Eight candidates per APM are far too few for the tight and tied shapes: the check
    # adds what is missing, and each round re-solves everything it has gathered, so a
    # handful of rounds is enough (the limit is 30).
    apms, mentors, banned = shaped_cohort(shape, 600, seed=3)
    result = match(apms, mentors, banned_pairs=banned, candidates_per_apm=8)
    assert result.optimal
    assert result.stats["rounds"] <= 6
    assert len(result.stats["re_solves"]) == result.stats["rounds"] - 1
    assert all(step.endswith("APMs gained pairs") for step in result.stats["re_solves"])


@pytest.mark.parametrize("shape", ["plenty", "exact", "shortage", "forbidden-pairs", "few-values"])
def test_pairs_pruned_between_rounds_still_give_the_dense_optimum(shape):
    # Re-solves leave out pairs far from tight under the last prices; the check must
    # bring back any of them that the optimum needs.
    apms, mentors, banned = shaped_cohort(shape, 300, seed=3)
    result = match(apms, mentors, banned_pairs=banned, candidates_per_apm=8)
    assert result.stats["edges_pruned"] > 0
    assert result.optimal
    count, units = dense_optimum(apms, mentors, banned)
    assert (result.matched_count, round(result.total_score * 1000)) == (count, units)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_pruning_every_pair_not_tight_after_every_round_still_converges(monkeypatch, shape):
    # The harshest pruning: after every round, every candidate pair that is not tight.
    # Each pair is left out at most once (one the check brings back stays), so the
    # rounds still end, proven, at the dense optimum.
    import matching.engine.solver as solver

    monkeypatch.setattr(solver, "PRUNE_SLACK", 0)
    monkeypatch.setattr(solver, "PRUNE_MAX_SHARE", 1.0)
    apms, mentors, banned = shaped_cohort(shape, 300, seed=4)
    result = match(apms, mentors, banned_pairs=banned, candidates_per_apm=8)
    assert result.optimal
    assert result.stats["rounds"] < 30
    count, units = dense_optimum(apms, mentors, banned)
    assert (result.matched_count, round(result.total_score * 1000)) == (count, units)


def test_shapes_have_the_promised_supply_and_scores():
    for shape, mentors_per_apm in SHAPES.items():
        apms, mentors, banned = shaped_cohort(shape, 200, seed=1)
        assert len(apms) == 200
        assert len(mentors) == round(200 * mentors_per_apm)
        assert all(m.capacity == 2 for m in mentors)
        assert bool(banned) == (shape == "forbidden-pairs")
    apms, mentors, _ = shaped_cohort("all-equal", 40, seed=1)
    units = weight_units(Weights())
    scores = {sum(pair_units(a, m, units).values()) for a in apms for m in mentors}
    assert len(scores) == 1


def test_an_unknown_shape_is_refused_with_the_list_of_shapes():
    with pytest.raises(ValueError, match="the shapes are: plenty"):
        shaped_cohort("lopsided", 10)


def test_shared_favourites_are_spotted_and_the_rest_kept_as_candidates():
    apms, mentors, banned = shaped_cohort("shared-favourites", 600, seed=2)
    # With lists of 10, everyone's would hold only favourites (there are 18 of them).
    result = match(apms, mentors, banned_pairs=banned, candidates_per_apm=10)
    # The generator makes one mentor in 20 a favourite of everyone.
    assert 0 < result.stats["hot_mentors"] <= len(mentors) // 20
    count, units = dense_optimum(apms, mentors, banned)
    assert result.optimal
    assert (result.matched_count, round(result.total_score * 1000)) == (count, units)


# Small cohorts drawn from tiny pools of attributes, so that most pairs tie.
OFFSETS = st.sampled_from([-300, -360])  # an hour apart at most: full time-zone points
TOPICS = st.frozensets(st.integers(0, 1), max_size=2)
TRACKS = st.sampled_from(["people_manager", "individual_contributor", "undecided"])


@st.composite
def tied_cohorts(draw):
    mentors = [
        MentorRecord(
            id=100 + j,
            person_id=1000 + j,
            business_unit=draw(st.sampled_from([1, 2])),
            team=draw(st.sampled_from([None, 10, 11])),
            utc_offset_minutes=draw(OFFSETS),
            topics=draw(TOPICS),
            career_track=draw(TRACKS),
            capacity=draw(st.integers(0, 3)),
        )
        for j in range(draw(st.integers(0, 12)))
    ]
    apms = [
        ApmRecord(
            id=200 + i,
            person_id=2000 + i,
            business_unit=draw(st.sampled_from([1, 2])),
            team=draw(st.sampled_from([None, 10, 11])),
            manager_chain=frozenset(draw(st.sets(st.sampled_from([1000, 1001]), max_size=1))),
            utc_offset_minutes=draw(OFFSETS),
            interests=draw(TOPICS),
            career_track=draw(TRACKS),
            prefers_other_unit=draw(st.booleans()),
        )
        for i in range(draw(st.integers(0, 30)))
    ]
    pairs = [(a.id, m.id) for a in apms for m in mentors]
    banned = draw(st.frozensets(st.sampled_from(pairs), max_size=6)) if pairs else frozenset()
    weights = draw(st.sampled_from([Weights(), Weights(0, 0, 0, 0, 0), Weights(40, 0, 15, 0, 0)]))
    return apms, mentors, banned, weights


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohort=tied_cohorts(), candidates=st.sampled_from([1, 2, 3, None]))
def test_cohorts_full_of_ties_match_the_dense_optimum(cohort, candidates):
    apms, mentors, banned, weights = cohort
    result = match(
        apms, mentors, weights=weights, banned_pairs=banned, candidates_per_apm=candidates
    )
    count, units = dense_optimum(apms, mentors, banned, weights)
    assert result.optimal
    assert result.matched_count == count
    assert round(result.total_score * 1000) == units
    assert_valid(result, apms, mentors, banned)
