"""The engine against brute force on small random cohorts (hypothesis)."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.engine import ApmRecord, MentorRecord, Weights, broken_rules, match
from matching.engine.scoring import pair_units, weight_units

TRACKS = ["people_manager", "individual_contributor", "undecided"]
PEOPLE = st.integers(1, 8)  # few people, so same-person and manager pairs happen
OFFSETS = st.sampled_from([-480, -300, -240, 0, 60, 330, 840])
SMALL_SET = st.frozensets(st.integers(0, 4), max_size=4)
AGENCIES = st.frozensets(st.sampled_from(["VA", "CMS", "IRS"]), max_size=2)
DOMAINS = st.frozensets(st.sampled_from(["health", "tax"]), max_size=2)
UNITS = st.sampled_from([None, 1, 2])
TEAMS = st.sampled_from([None, 10, 11, 12])


@st.composite
def cohorts(draw):
    mentors = [
        MentorRecord(
            id=100 + j,
            person_id=draw(PEOPLE),
            business_unit=draw(UNITS),
            team=draw(TEAMS),
            utc_offset_minutes=draw(OFFSETS),
            topics=draw(SMALL_SET),
            career_track=draw(st.sampled_from(TRACKS)),
            capacity=draw(st.integers(0, 3)),
            agencies=draw(AGENCIES),
            domains=draw(DOMAINS),
        )
        for j in range(draw(st.integers(0, 4)))
    ]
    apms = [
        ApmRecord(
            id=200 + i,
            person_id=draw(PEOPLE),
            business_unit=draw(UNITS),
            team=draw(TEAMS),
            manager_chain=draw(st.frozensets(PEOPLE, max_size=2)),
            utc_offset_minutes=draw(OFFSETS),
            interests=draw(SMALL_SET),
            career_track=draw(st.sampled_from(TRACKS)),
            prefers_other_unit=draw(st.booleans()),
            agencies=draw(AGENCIES),
            domains=draw(DOMAINS),
        )
        for i in range(draw(st.integers(0, 6)))
    ]
    all_pairs = [(a.id, m.id) for a in apms for m in mentors]
    banned = draw(st.frozensets(st.sampled_from(all_pairs), max_size=3)) if all_pairs else ()
    weights = draw(
        st.one_of(
            st.just(Weights()),
            st.builds(Weights, *[st.sampled_from([0, 1, 7.5, 15, 33.3, 40])] * 5),
        )
    )
    return apms, mentors, banned, weights


def brute_force(apms, mentors, banned, weights):
    """Best (matched count, total units) over every assignment, by DP over capacities."""
    units = weight_units(weights)
    best = {tuple(m.capacity for m in mentors): (0, 0)}
    for a in apms:
        options = [
            (j, sum(pair_units(a, m, units).values()))
            for j, m in enumerate(mentors)
            if not broken_rules(a, m, banned_pairs=banned)
        ]
        step = dict(best)  # this APM unmatched
        for room, (count, total) in best.items():
            for j, score in options:
                if room[j]:
                    after = (*room[:j], room[j] - 1, *room[j + 1 :])
                    step[after] = max(step.get(after, (-1, -1)), (count + 1, total + score))
        best = step
    return max(best.values())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohort=cohorts(), candidates=st.sampled_from([1, 2, None]))
def test_matches_the_brute_force_optimum_and_breaks_no_rule(cohort, candidates):
    apms, mentors, banned, weights = cohort
    result = match(
        apms, mentors, weights=weights, banned_pairs=banned, candidates_per_apm=candidates
    )

    count, units = brute_force(apms, mentors, banned, weights)
    assert result.optimal
    assert result.matched_count == count
    assert round(result.total_score * 1000) == units

    by_apm = {a.id: a for a in apms}
    by_mentor = {m.id: m for m in mentors}
    load = {}
    for proposal in result.proposals:
        assert not broken_rules(
            by_apm[proposal.apm_id], by_mentor[proposal.mentor_id], banned_pairs=banned
        )
        load[proposal.mentor_id] = load.get(proposal.mentor_id, 0) + 1
    assert all(load[m] <= by_mentor[m].capacity for m in load)
    assert sorted([p.apm_id for p in result.proposals] + [u.apm_id for u in result.unmatched]) == (
        sorted(by_apm)
    )

    # Each unmatched APM's code tells the truth about the final assignment.
    room = {m.id: m.capacity - load.get(m.id, 0) for m in mentors}
    for unmatched in result.unmatched:
        a = by_apm[unmatched.apm_id]
        eligible = [
            m for m in mentors if m.capacity > 0 and not broken_rules(a, m, banned_pairs=banned)
        ]
        if not any(m.capacity > 0 for m in mentors):
            expected = "no_mentors"
        elif not eligible:
            expected = "no_eligible_mentor"
        elif any(room[m.id] > 0 for m in mentors):
            expected = "only_ineligible_have_room"
        else:
            expected = "all_eligible_full"
        assert all(room[m.id] == 0 for m in eligible)
        assert unmatched.code == expected
        assert unmatched.reason
        assert unmatched.fix
