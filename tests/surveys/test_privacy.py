"""The disclosure rules: which groups of answers may be published."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.privacy import (
    EVERYONE,
    group_cells,
    publishable_groups,
    role_group,
    smallest_derivable_group,
    unit_group,
)

T = 5


def test_every_group_large_enough_is_shown():
    cells = {("apm", 1): 6, ("apm", 2): 6, ("mentor", 1): 5, ("mentor", 2): 5}
    assert publishable_groups(cells, T) == {
        EVERYONE, role_group("apm"), role_group("mentor"), unit_group(1), unit_group(2),
    }  # fmt: skip


def test_nothing_is_shown_when_fewer_than_the_threshold_answered():
    assert publishable_groups({("apm", 1): 2, ("mentor", 1): 2}, T) == frozenset()


def test_hiding_the_mentors_also_hides_the_apms_so_nobody_can_subtract():
    # Everyone minus APMs would be the three mentors.
    cells = {("apm", 1): 10, ("apm", 2): 10, ("mentor", 1): 2, ("mentor", 2): 1}
    shown = publishable_groups(cells, T)
    assert role_group("mentor") not in shown
    assert role_group("apm") not in shown
    assert EVERYONE in shown


def test_a_unit_holding_every_mentor_and_one_apm_cannot_give_that_apm_away():
    # Unit 1 (6 people) minus the mentors (5, all in unit 1) would be one APM.
    cells = {("apm", 1): 1, ("mentor", 1): 5, ("apm", 2): 10}
    shown = publishable_groups(cells, T)
    assert smallest_derivable_group(cells, shown) >= T
    assert not {unit_group(1), role_group("mentor")} <= shown


def test_two_small_units_are_hidden_with_a_third_when_together_they_are_still_small():
    # Units 3 and 4 hold 2 people each: everyone minus units 1 and 2 would be those 4.
    cells = {("apm", 1): 10, ("apm", 2): 10, ("apm", 3): 2, ("apm", 4): 2}
    shown = publishable_groups(cells, T)
    assert unit_group(3) not in shown
    assert unit_group(4) not in shown
    assert len({unit_group(1), unit_group(2)} & shown) == 1
    assert smallest_derivable_group(cells, shown) >= T


def test_a_business_unit_not_recorded_is_a_group_like_the_others():
    cells = {("apm", 1): 10, ("apm", None): 3}
    assert publishable_groups(cells, T) == {EVERYONE, role_group("apm")}


def _smallest_by_linear_algebra(cells, shown):
    """Independent check: the smallest set of people whose counts are a combination of
    published counts, by testing every set of cells (rank of the published vectors)."""
    cells = {c: n for c, n in cells.items() if n > 0}
    order = sorted(cells, key=repr)
    vectors = np.array(
        [[1.0 if c in set(group_cells(g, order)) else 0.0 for c in order] for g in shown]
    )
    rank = np.linalg.matrix_rank(vectors)
    best = None
    for size in range(1, len(order) + 1):
        for subset in itertools.combinations(range(len(order)), size):
            rest = [i for i in range(len(order)) if i not in subset]
            if rank > (np.linalg.matrix_rank(vectors[:, rest]) if rest else 0):
                people = sum(cells[order[i]] for i in subset)
                best = people if best is None else min(best, people)
    return best


tables = st.dictionaries(
    st.tuples(st.sampled_from(["apm", "mentor"]), st.sampled_from([1, 2, 3, None])),
    st.integers(min_value=0, max_value=12),
    min_size=1,
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(tables, st.integers(min_value=2, max_value=6))
def test_published_groups_never_let_anyone_isolate_fewer_people_than_the_threshold(
    cells, threshold
):
    shown = publishable_groups(cells, threshold)
    if shown:
        smallest = _smallest_by_linear_algebra(cells, list(shown))
        assert smallest is None or smallest >= threshold


@settings(max_examples=150, deadline=None)
@given(tables, st.data())
def test_the_graph_cut_agrees_with_linear_algebra(cells, data):
    groups = [EVERYONE, *{role_group(r) for r, _ in cells}, *{unit_group(u) for _, u in cells}]
    shown = data.draw(st.lists(st.sampled_from(groups), min_size=1, unique=True))
    expected = _smallest_by_linear_algebra(cells, shown)
    assert (smallest_derivable_group(cells, shown) or None) == expected


@pytest.mark.parametrize("threshold", [1, 5, 10])
def test_a_large_survey_publishes_every_group(threshold):
    cells = {(r, u): 400 for r in ("apm", "mentor") for u in range(12)}
    assert len(publishable_groups(cells, threshold)) == 1 + 2 + 12
