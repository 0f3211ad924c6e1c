"""The matching engine: rules, scores and reasons, explanations, optimality, speed-ups.

Pure Python and numpy: no database, so no `django_db` mark.
"""

import gc
import json
import random
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from matching.engine import (
    ApmRecord,
    MatchResult,
    MentorRecord,
    Weights,
    broken_rules,
    match,
    score_pair,
)
from matching.engine.cohort import Cohort
from matching.engine.scoring import weight_units
from matching.engine.synthetic import synthetic_cohort

PM, IC, UNDECIDED = "people_manager", "individual_contributor", "undecided"
CATEGORIES = {1: "government contracting", 2: "career growth", 3: "product frameworks"}


def apm(id=1, **fields):
    values = {
        "person_id": 1000 + id,
        "business_unit": 1,
        "team": 10,
        "manager_chain": frozenset(),
        "utc_offset_minutes": -300,
        "interests": frozenset(),
        "career_track": UNDECIDED,
    }
    values.update(fields)
    return ApmRecord(id=id, **values)


def mentor(id=1, **fields):
    values = {
        "person_id": 2000 + id,
        "business_unit": 2,
        "team": 20,
        "utc_offset_minutes": -300,
        "topics": frozenset(),
        "career_track": IC,
        "capacity": 1,
    }
    values.update(fields)
    return MentorRecord(id=id, **values)


def parts_of(proposal):
    return {part.name: (part.points, part.reason) for part in proposal.parts}


def pairs(result):
    return {(p.apm_id, p.mentor_id) for p in result.proposals}


def dense_reference(apms, mentors, weights=Weights(), banned=()):  # noqa: B008
    """Matched count and total units from scipy's dense solver, same objective."""
    cohort = Cohort(apms, mentors, weight_units(weights), frozenset(banned))
    n = cohort.n_apms
    scores = np.vstack(
        [
            np.floor(cohort.scores(np.arange(r0, min(n, r0 + cohort.block_rows())))).astype(float)
            for r0 in range(0, n, cohort.block_rows())
        ]
    )
    slots = np.repeat(np.arange(cohort.n_mentors), cohort.capacity)
    big = float(n * cohort.max_units() + 1)
    cost = np.zeros((n, len(slots) + n))
    cost[:, : len(slots)] = np.where(np.isfinite(scores[:, slots]), -(big + scores[:, slots]), 0.0)
    rows, cols = linear_sum_assignment(cost)
    real = (cols < len(slots)) & (cost[rows, np.minimum(cols, cost.shape[1] - 1)] < 0)
    return int(real.sum()), int(scores[rows[real], slots[cols[real]]].sum())


# --------------------------------------------------------------------- weights, records


def test_default_weights_add_up_to_100():
    assert Weights().as_dict() == {
        "shared_interests": 40.0,
        "other_unit": 20.0,
        "career_track": 15.0,
        "time_zone": 15.0,
        "agencies_domains": 10.0,
    }
    assert sum(Weights().as_dict().values()) == 100


def test_weights_from_dict_keeps_defaults_for_missing_parts_and_round_trips():
    weights = Weights.from_dict({"other_unit": 5, "time_zone": Decimal("7.5")})
    assert weights.other_unit == 5.0
    assert weights.time_zone == 7.5
    assert weights.shared_interests == 40.0
    assert Weights.from_dict(weights.as_dict()) == weights


def test_weights_from_dict_rejects_an_unknown_part():
    with pytest.raises(ValueError, match="Unknown weight 'intrests'"):
        Weights.from_dict({"intrests": 10})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "must be zero or more"),
        (float("nan"), "must be zero or more"),
        (float("inf"), "must be zero or more"),
        ("40", "must be a number"),
        (True, "must be a number"),
        (None, "must be a number"),
        (5000, "must be at most 1000"),
    ],
)
def test_weights_reject_what_is_not_a_non_negative_number(value, message):
    with pytest.raises(ValueError, match=message):
        Weights.from_dict({"career_track": value})


def test_records_store_sets_and_lists_as_frozensets():
    record = apm(interests=[1, 2], manager_chain={7}, agencies=["VA"])
    assert record.interests == frozenset({1, 2})
    assert record.manager_chain == frozenset({7})
    assert record.agencies == frozenset({"VA"})
    assert hash(record)


def test_records_reject_an_unknown_career_track():
    with pytest.raises(ValueError, match="career_track must be one of"):
        apm(career_track="manager")


def test_mentor_rejects_a_negative_capacity():
    with pytest.raises(ValueError, match="capacity must be zero or more"):
        mentor(capacity=-1)


def test_match_rejects_duplicate_ids():
    with pytest.raises(ValueError, match="APM id 1 appears more than once"):
        match([apm(1), apm(1)], [mentor(1)])


# --------------------------------------------------------------------- score parts


def test_shared_interests_score_the_fraction_of_the_apms_interests_and_name_them():
    proposal = score_pair(
        apm(interests={1, 2, 3}),
        mentor(topics={1, 2, 9}),
        category_names=CATEGORIES,
    )
    points, reason = parts_of(proposal)["shared_interests"]
    assert points == 26.7  # 40 x 2/3, shown to one decimal
    assert reason == "Shared interests: career growth, government contracting (+26.7)"


def test_one_shared_interest_is_singular_and_unnamed_categories_show_their_id():
    proposal = score_pair(apm(interests={1, 5}), mentor(topics={5}), category_names=CATEGORIES)
    assert parts_of(proposal)["shared_interests"] == (20.0, "Shared interest: category 5 (+20)")


def test_an_apm_without_interests_gets_no_interest_points():
    assert "shared_interests" not in parts_of(score_pair(apm(), mentor(topics={1, 2})))


@pytest.mark.parametrize(
    ("apm_unit", "mentor_unit", "prefers", "points"),
    [(1, 2, True, 20.0), (1, 1, True, None), (None, 2, True, None), (1, None, True, None),
     (1, 2, False, None)],
)  # fmt: skip
def test_other_unit_needs_both_units_known_and_different_and_the_apm_to_prefer_it(
    apm_unit, mentor_unit, prefers, points
):
    proposal = score_pair(
        apm(business_unit=apm_unit, prefers_other_unit=prefers),
        mentor(business_unit=mentor_unit),
    )
    if points is None:
        assert "other_unit" not in parts_of(proposal)
    else:
        assert parts_of(proposal)["other_unit"] == (20.0, "Different business unit (+20)")


@pytest.mark.parametrize(
    ("apm_track", "mentor_track", "expected"),
    [
        (PM, PM, (15.0, "Both on the people-manager track (+15)")),
        (IC, IC, (15.0, "Both on the individual-contributor track (+15)")),
        (UNDECIDED, PM, (7.5, "Mentor can speak to the people-manager track (+7.5)")),
        (UNDECIDED, IC, (7.5, "Mentor can speak to the individual-contributor track (+7.5)")),
        (PM, IC, None),
        (IC, PM, None),
        (UNDECIDED, UNDECIDED, None),
        (PM, UNDECIDED, None),
    ],
)
def test_career_track_points_and_reasons(apm_track, mentor_track, expected):
    got = parts_of(score_pair(apm(career_track=apm_track), mentor(career_track=mentor_track)))
    assert got.get("career_track") == expected


@pytest.mark.parametrize(
    ("apm_offset", "mentor_offset", "expected"),
    [
        (-300, -300, (15.0, "Same time zone (+15)")),
        (-300, -330, (15.0, "Time zones 30 minutes apart (+15)")),
        (-300, -360, (15.0, "Time zones 1 hour apart (+15)")),
        (-300, -420, (12.0, "Time zones 2 hours apart (+12)")),
        (0, 210, (7.5, "Time zones 3.5 hours apart (+7.5)")),
        (-300, 60, None),  # 6 hours
        (-480, 330, None),  # 13.5 hours
        (840, -600, (15.0, "Same time zone (+15)")),  # UTC+14 and UTC-10: 24 hours apart
    ],
)
def test_time_zone_points_fall_from_full_within_an_hour_to_none_at_six(
    apm_offset, mentor_offset, expected
):
    got = parts_of(
        score_pair(apm(utc_offset_minutes=apm_offset), mentor(utc_offset_minutes=mentor_offset))
    )
    assert got.get("time_zone") == expected


def test_agencies_and_domains_count_together_up_to_three():
    two = score_pair(
        apm(agencies={"VA", "IRS"}, domains={"veterans' health"}),
        mentor(agencies={"VA"}, domains={"veterans' health", "tax"}),
    )
    assert parts_of(two)["agencies_domains"] == (6.7, "Both know VA, veterans' health (+6.7)")
    four = score_pair(
        apm(agencies={"VA", "IRS", "CMS"}, domains={"tax"}),
        mentor(agencies={"VA", "IRS", "CMS"}, domains={"tax"}),
    )
    assert parts_of(four)["agencies_domains"][0] == 10.0


def test_parts_are_listed_largest_first_and_reasons_join_them():
    proposal = score_pair(
        apm(interests={1, 2, 3}, career_track=PM, utc_offset_minutes=-300),
        mentor(topics={1, 2}, career_track=PM, utc_offset_minutes=-420),
        category_names=CATEGORIES,
    )
    assert [part.name for part in proposal.parts] == [
        "shared_interests",
        "other_unit",
        "career_track",
        "time_zone",
    ]
    assert proposal.reasons == (
        "Shared interests: career growth, government contracting (+26.7); "
        "Different business unit (+20); Both on the people-manager track (+15); "
        "Time zones 2 hours apart (+12)"
    )
    assert proposal.score == pytest.approx(26.666 + 20 + 15 + 12)


def test_score_is_the_sum_of_exact_parts_and_at_most_the_sum_of_weights():
    perfect = score_pair(
        apm(interests={1, 2, 3}, career_track=IC, agencies={"VA", "IRS", "CMS"}),
        mentor(topics={1, 2, 3}, career_track=IC, agencies={"VA", "IRS", "CMS"}),
    )
    assert perfect.score == 100.0
    assert sum(part.points for part in perfect.parts) == 100.0


def test_weights_change_the_parts_and_a_zero_weight_drops_its_part():
    weights = Weights(shared_interests=10, other_unit=0, career_track=30)
    proposal = score_pair(
        apm(interests={1}, career_track=PM), mentor(topics={1}, career_track=PM), weights=weights
    )
    got = parts_of(proposal)
    assert got["shared_interests"][0] == 10.0
    assert got["career_track"] == (30.0, "Both on the people-manager track (+30)")
    assert "other_unit" not in got


def test_score_pair_scores_a_pair_that_breaks_a_rule():
    same_team = score_pair(apm(team=5, interests={1}), mentor(team=5, topics={1}, capacity=0))
    assert same_team.score > 0


# --------------------------------------------------------------------- hard rules


@pytest.mark.parametrize(
    ("apm_fields", "mentor_fields", "banned", "codes"),
    [
        ({}, {}, (), []),
        ({"person_id": 7}, {"person_id": 7}, (), ["same_person"]),
        ({"manager_chain": {7}}, {"person_id": 7}, (), ["manager"]),
        ({"team": 5}, {"team": 5}, (), ["same_team"]),
        ({"team": None}, {"team": None}, (), []),
        ({}, {}, [(1, 1)], ["banned"]),
        ({}, {"capacity": 0}, (), ["no_capacity"]),
        ({"manager_chain": {7}, "team": 5}, {"person_id": 7, "team": 5, "capacity": 0}, (),
         ["manager", "same_team", "no_capacity"]),
    ],
)  # fmt: skip
def test_broken_rules_lists_each_rule_the_pair_breaks(apm_fields, mentor_fields, banned, codes):
    rules = broken_rules(apm(**apm_fields), mentor(**mentor_fields), banned_pairs=banned)
    assert [code for code, _ in rules] == codes
    assert all(message.endswith(".") for _, message in rules)


def test_match_never_pairs_an_apm_with_someone_breaking_a_rule():
    apms = [
        apm(1, person_id=50),
        apm(2, manager_chain={60}),
        apm(3, team=7),
        apm(4),
    ]
    mentors = [
        mentor(1, person_id=50, capacity=3),  # APM 1 themself
        mentor(2, person_id=60, capacity=3),  # APM 2's manager
        mentor(3, team=7, capacity=3),  # APM 3's team
        mentor(4, capacity=3),  # banned for APM 4
    ]
    result = match(apms, mentors, banned_pairs=[(4, 4)])
    assert pairs(result).isdisjoint({(1, 1), (2, 2), (3, 3), (4, 4)})
    assert result.matched_count == 4


def test_match_never_gives_a_mentor_more_apms_than_their_capacity():
    apms = [apm(i, interests={1}) for i in range(1, 7)]
    mentors = [mentor(1, topics={1}, capacity=2), mentor(2, capacity=1), mentor(3, capacity=0)]
    result = match(apms, mentors)
    load = {}
    for proposal in result.proposals:
        load[proposal.mentor_id] = load.get(proposal.mentor_id, 0) + 1
    assert load == {1: 2, 2: 1}
    assert result.matched_count == 3
    assert len(result.unmatched) == 3


# --------------------------------------------------------------------- solving


def test_maximises_matches_where_greedy_best_pair_first_leaves_an_apm_out():
    # APM 1 likes mentor 1 best and could take mentor 2; APM 2 may only take mentor 1
    # (mentor 2 is on its team). Best-pair-first gives mentor 1 to APM 1 and strands 2.
    apms = [apm(1, team=1, interests={1, 2}), apm(2, team=2, interests={1})]
    mentors = [mentor(1, team=3, topics={1, 2}), mentor(2, team=2, topics={2})]
    best_first = max(
        ((a, m) for a in apms for m in mentors if not broken_rules(a, m)),
        key=lambda pair: score_pair(*pair).score,
    )
    assert (best_first[0].id, best_first[1].id) == (1, 1)

    result = match(apms, mentors)
    assert pairs(result) == {(1, 2), (2, 1)}
    assert result.unmatched == ()
    assert result.optimal


def test_among_full_matchings_the_total_score_is_highest():
    apms = [apm(1, interests={1}), apm(2, interests={1, 2})]
    mentors = [mentor(1, topics={1}), mentor(2, topics={2})]
    result = match(apms, mentors)
    # (1,1)+(2,2) = 40 + 20 beats (1,2)+(2,1) = 0 + 20.
    assert pairs(result) == {(1, 1), (2, 2)}
    assert result.total_score == pytest.approx(sum(p.score for p in result.proposals))


def test_with_every_weight_at_zero_it_still_matches_as_many_as_possible():
    apms = [apm(1, team=1), apm(2, team=2)]
    mentors = [mentor(1, team=3), mentor(2, team=2)]
    result = match(apms, mentors, weights=Weights(0, 0, 0, 0, 0))
    assert pairs(result) == {(1, 2), (2, 1)}
    assert result.total_score == 0
    assert all(p.parts == () and p.reasons == "" for p in result.proposals)


def test_result_lists_proposals_and_unmatched_sorted_by_apm():
    apms = [apm(i, interests={i % 3}) for i in (9, 3, 7, 1, 5)]
    result = match(apms, [mentor(1, capacity=2), mentor(2, capacity=1)])
    assert isinstance(result, MatchResult)
    assert [p.apm_id for p in result.proposals] == sorted(p.apm_id for p in result.proposals)
    assert [u.apm_id for u in result.unmatched] == sorted(u.apm_id for u in result.unmatched)
    assert result.matched_count == 3


def test_the_same_input_gives_the_same_result_twice():
    apms, mentors = synthetic_cohort(120, 60, seed=11)
    first = match(apms, mentors)
    second = match(apms, mentors)
    assert first.proposals == second.proposals
    assert first.unmatched == second.unmatched


def test_the_result_does_not_depend_on_the_order_of_the_input():
    apms, mentors = synthetic_cohort(150, 70, seed=12)
    bans = [(a.id, m.id) for a, m in zip(apms[::7], mentors[::3], strict=False)]
    shuffled = random.Random(3)
    apms2, mentors2, bans2 = apms[:], mentors[:], bans[:]
    for items in (apms2, mentors2, bans2):
        shuffled.shuffle(items)
    first = match(apms, mentors, banned_pairs=bans)
    second = match(apms2, mentors2, banned_pairs=set(bans2))
    assert first.proposals == second.proposals
    assert first.unmatched == second.unmatched


def test_stats_report_timings_and_the_search():
    apms, mentors = synthetic_cohort(100, 60, seed=13)
    stats = match(apms, mentors).stats
    for key in ("build_seconds", "solve_seconds", "verify_seconds", "total_seconds"):
        assert stats[key] >= 0
    assert stats["candidates_per_apm"] == 40
    assert stats["rounds"] >= 1
    assert stats["edges"] > 0
    assert stats["gap"] == 0.0
    assert stats["method"] == "whole"  # this small a cohort: every eligible pair
    assert match(apms, mentors, candidates_per_apm=5).stats["method"] == "pruned"


def test_empty_cohorts_give_empty_results():
    assert match([], [mentor()]).proposals == ()
    assert match([], []).optimal


def test_a_larger_cohort_matches_the_dense_reference_solver_exactly():
    apms, mentors = synthetic_cohort(300, 150, seed=4)
    bans = [(a.id, m.id) for a in apms[:40] for m in mentors[:5]]
    result = match(apms, mentors, banned_pairs=bans)
    count, units = dense_reference(apms, mentors, banned=bans)
    assert result.optimal
    assert result.matched_count == count
    assert round(result.total_score * 1000) == units


def test_a_cohort_with_more_apms_than_slots_fills_the_best_way_and_explains_the_rest():
    apms, mentors = synthetic_cohort(300, 60, seed=7)
    result = match(apms, mentors)
    count, units = dense_reference(apms, mentors)
    assert result.optimal
    assert result.matched_count == count == sum(m.capacity for m in mentors)
    assert round(result.total_score * 1000) == units
    assert {u.code for u in result.unmatched} == {"all_eligible_full"}


def test_a_tight_cohort_with_tiny_candidate_lists_is_widened_to_the_optimum():
    # 400 APMs, 200 mentors x 2 slots: capacity barely covers everyone, and two
    # candidates per APM is far too few, so the check must keep adding pairs.
    apms, mentors = synthetic_cohort(400, 200, seed=5, capacity=2)
    result = match(apms, mentors, candidates_per_apm=2)
    count, units = dense_reference(apms, mentors)
    assert result.optimal
    assert result.stats["rounds"] > 1
    assert result.stats["edges_added"] > 0
    assert result.matched_count == count == 400
    assert round(result.total_score * 1000) == units


def test_when_rounds_run_out_the_result_is_unproven_and_reports_a_gap():
    apms, mentors = synthetic_cohort(400, 200, seed=5, capacity=2)
    result = match(apms, mentors, candidates_per_apm=1, max_rounds=1)
    assert not result.optimal
    assert result.stats["gap"] > 0
    # Still a valid assignment, with every APM that could get a free mentor matched.
    assert result.matched_count + len(result.unmatched) == 400
    assert {u.code for u in result.unmatched} <= {"all_eligible_full", "no_eligible_mentor"}


def test_vectorised_scores_equal_score_pair():
    apms, mentors = synthetic_cohort(80, 50, seed=6)
    weights = Weights(33.3, 7, 12.5, 9.9, 4)
    result = match(apms, mentors, weights=weights)
    by_id = {a.id: a for a in apms} | {("m", m.id): m for m in mentors}
    for proposal in result.proposals:
        expected = score_pair(
            by_id[proposal.apm_id], by_id[("m", proposal.mentor_id)], weights=weights
        )
        assert replace(proposal, alternatives=()) == expected


@pytest.mark.parametrize("allow_whole", [True, False])
def test_each_proposal_names_the_apms_next_best_allowed_mentors(allow_whole):
    apms, mentors = synthetic_cohort(120, 50, seed=8, capacity=2)
    kwargs = {} if allow_whole else {"candidates_per_apm": 6}  # pruned, re-solved
    result = match(apms, mentors, **kwargs)
    by_id = {m.id: m for m in mentors}
    for proposal in result.proposals:
        apm_record = next(a for a in apms if a.id == proposal.apm_id)
        others = sorted(
            (score_pair(apm_record, m).score for m in mentors
             if m.id != proposal.mentor_id and m.capacity > 0
             and not [c for c, _ in broken_rules(apm_record, m) if c != "no_capacity"]),
            reverse=True,
        )[:3]  # fmt: skip
        assert [score for _, score in proposal.alternatives] == pytest.approx(others)
        for mentor_id, score in proposal.alternatives:
            assert score == pytest.approx(score_pair(apm_record, by_id[mentor_id]).score)


def test_match_leaves_garbage_collection_as_it_found_it():
    assert gc.isenabled()
    match([apm(1)], [mentor(1)])
    assert gc.isenabled()
    gc.disable()
    try:
        match([apm(1)], [mentor(1)])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_importing_the_engine_does_not_import_django():
    code = "import sys, matching.engine; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", "import json; " + code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    modules = json.loads(out.stdout)
    assert "matching.engine" in modules
    assert not [name for name in modules if name == "django" or name.startswith("django.")]


# --------------------------------------------------------------------- unmatched APMs


def test_unmatched_when_the_cohort_has_no_mentors():
    (unmatched,) = match([apm(1)], []).unmatched
    assert unmatched.code == "no_mentors"
    assert unmatched.reason == "There are no mentors in this cohort yet."
    assert unmatched.fix == "Recruit mentors for this cohort."
    assert (unmatched.allowed_mentors, unmatched.banned_mentors) == ((), ())


def test_unmatched_when_no_mentor_has_a_free_slot_names_who_could_take_more():
    mentors = [mentor(1, capacity=0, person_id=71), mentor(2, capacity=0, team=10)]
    (unmatched,) = match([apm(1, team=10)], mentors, person_names={71: "Morgan Chen"}).unmatched
    assert unmatched.code == "no_mentors"
    assert unmatched.reason == "None of the 2 mentors in this cohort has a free slot."
    # Mentor 2 is on the APM's team, so only Morgan could help.
    assert unmatched.fix == "Raise the capacity of one of: Morgan Chen; or recruit more mentors."
    # The fix's mentor for the run page's links, with the pair's score.
    assert unmatched.allowed_mentors == ((1, score_pair(apm(1, team=10), mentors[0]).score),)


def test_unmatched_when_every_mentor_breaks_a_rule_says_which_rules():
    apms = [apm(1, team=10, manager_chain={81, 82}, person_id=90)]
    mentors = [
        mentor(1, team=10),
        mentor(2, team=10),
        mentor(3, person_id=81),
        mentor(4, person_id=90),
    ]
    (unmatched,) = match(
        apms,
        mentors,
        person_names={81: "Ada Lovelace", 82: "Grace Hopper"},
        team_names={10: "Benefits Portal"},
    ).unmatched
    assert unmatched.code == "no_eligible_mentor"
    assert unmatched.reason == (
        "None of the 4 mentors with free slots may be matched with this APM: 1 is the APM "
        "themself, 1 is in the APM's management chain and 2 are on the Benefits Portal team."
    )
    assert unmatched.fix == (
        "Recruit a mentor outside the Benefits Portal team and the APM's management chain "
        "(Ada Lovelace, Grace Hopper)."
    )


def test_unmatched_when_the_only_mentor_is_banned_offers_to_lift_the_ban():
    (unmatched,) = match(
        [apm(1, team=None)], [mentor(5, person_id=55)], banned_pairs={(1, 5)},
        person_names={55: "Riley Okafor"},
    ).unmatched  # fmt: skip
    assert unmatched.code == "no_eligible_mentor"
    assert unmatched.reason == (
        "The only mentor with a free slot may not be matched with this APM: "
        "the committee has ruled out the pair."
    )
    assert unmatched.fix == (
        "Recruit another mentor; or lift the committee's ban on one of: Riley Okafor."
    )
    assert (unmatched.allowed_mentors, unmatched.banned_mentors) == ((), (5,))


def test_unmatched_when_all_eligible_mentors_are_full():
    apms = [apm(1, interests={1}), apm(2, interests={1}), apm(3, interests={2})]
    mentors = [mentor(1, topics={1}, person_id=71), mentor(2, topics={1}, person_id=72)]
    result = match(
        apms,
        mentors,
        person_names={71: "Morgan Chen", 72: "Riley Okafor"},
        team_names={10: "Benefits Portal"},
    )
    # APMs 1 and 2 score the same with either mentor: either pairing is optimal.
    assert pairs(result) in ({(1, 1), (2, 2)}, {(1, 2), (2, 1)})
    (unmatched,) = result.unmatched
    assert unmatched.apm_id == 3
    assert unmatched.code == "all_eligible_full"
    assert unmatched.reason == "All 2 mentors this APM may be matched with are full."
    assert unmatched.fix == (
        "Raise the capacity of one of: Morgan Chen, Riley Okafor; or recruit a mentor "
        "outside the Benefits Portal team."
    )
    # Both full and allowed, best first (equal scores: by id), with their scores.
    score = score_pair(apms[2], mentors[0]).score
    assert unmatched.allowed_mentors == ((1, score), (2, score))
    assert unmatched.banned_mentors == ()


def test_unmatched_when_the_only_eligible_mentor_is_full():
    apms = [apm(1, interests={1}), apm(2, team=20, manager_chain={90})]
    mentors = [mentor(1, topics={1}, team=30, person_id=71), mentor(2, team=20, capacity=0)]
    (unmatched,) = match(apms, mentors, person_names={71: "Morgan Chen"}).unmatched
    assert unmatched.apm_id == 2
    assert unmatched.code == "all_eligible_full"
    assert unmatched.reason == "The only mentor this APM may be matched with is full."
    assert unmatched.fix == (
        "Raise the capacity of Morgan Chen; or recruit a mentor outside the APM's team "
        "(team 20) and the APM's management chain (person 90)."
    )


def test_unmatched_when_only_mentors_on_the_apms_team_have_room():
    apms = [apm(1, team=10, interests={1}), apm(2, team=10)]
    mentors = [mentor(1, team=20, person_id=71, topics={1}), mentor(2, team=10, capacity=2)]
    result = match(apms, mentors, person_names={71: "Morgan Chen"}, team_names={10: "Payments"})
    assert result.matched_count == 1
    (unmatched,) = result.unmatched
    assert unmatched.code == "only_ineligible_have_room"
    assert unmatched.reason == (
        "The only mentor who still has a free slot may not be matched with this APM: "
        "they are on the Payments team."
    )
    assert unmatched.fix == (
        "Raise the capacity of Morgan Chen, who may be matched with this APM but is full."
    )
    assert [mentor_id for mentor_id, _ in unmatched.allowed_mentors] == [1]


def test_names_fall_back_to_mentor_ids():
    apms = [apm(1), apm(2)]
    result = match(apms, [mentor(8)])
    (unmatched,) = result.unmatched
    assert "mentor 8" in unmatched.fix
