"""The reasons the APM and the mentor read: words, never points."""

from matching.engine.records import (
    INDIVIDUAL_CONTRIBUTOR,
    PEOPLE_MANAGER,
    UNDECIDED,
    ApmRecord,
    MentorRecord,
    Weights,
)
from matching.engine.words import MENTOR, pair_words

NAMES = {1: "Accessibility", 2: "Product frameworks", 3: "UX research", 4: "Contracts"}


def apm(**overrides):
    return ApmRecord(
        **{
            "id": 1, "person_id": 10, "business_unit": 1, "team": 1,
            "manager_chain": frozenset(), "utc_offset_minutes": -300,
            "interests": frozenset({1, 2, 4}), "career_track": PEOPLE_MANAGER,
            "prefers_other_unit": True, "agencies": frozenset(), "domains": frozenset(),
            **overrides,
        }
    )  # fmt: skip


def mentor(**overrides):
    return MentorRecord(
        **{
            "id": 2, "person_id": 20, "business_unit": 2, "team": 5,
            "utc_offset_minutes": -360, "topics": frozenset({1, 2}),
            "career_track": PEOPLE_MANAGER, "capacity": 2, "agencies": frozenset(),
            "domains": frozenset(), **overrides,
        }
    )  # fmt: skip


def test_the_issue_example_reads_as_a_sentence_largest_part_first():
    words = pair_words(apm(), mentor(), category_names=NAMES)
    assert words == (
        "You both care about accessibility and product frameworks; you work in different "
        "business units; you're both on the people-manager track; you're an hour apart."
    )
    assert "+" not in words


def test_capitals_of_acronyms_stay_and_known_agencies_are_named():
    known = {"agencies": frozenset({"VA", "IRS"}), "domains": frozenset({"tax"})}
    words = pair_words(
        apm(interests=frozenset({3}), **known),
        mentor(topics=frozenset({3}), utc_offset_minutes=-300, business_unit=1, **known),
        category_names=NAMES,
    )
    assert "you both care about UX research" in words.replace("You", "you", 1)
    assert "you both know IRS, VA and tax" in words
    assert "you're in the same time zone" in words
    assert "business units" not in words  # the same unit scores nothing


def test_an_undecided_apm_hears_about_the_mentor_and_the_mentor_about_the_apm():
    pair = (apm(career_track=UNDECIDED), mentor(career_track=INDIVIDUAL_CONTRIBUTOR))
    assert "your mentor can speak to the individual-contributor track" in pair_words(*pair)
    assert "you can speak to the individual-contributor track, which they are weighing up" in (
        pair_words(*pair, viewer=MENTOR)
    )


def test_parts_that_score_nothing_are_not_claimed():
    nothing = pair_words(
        apm(interests=frozenset(), prefers_other_unit=False, career_track=PEOPLE_MANAGER),
        mentor(career_track=INDIVIDUAL_CONTRIBUTOR, utc_offset_minutes=300),
    )
    assert nothing == ""
    no_time = Weights(time_zone=0)
    words = pair_words(apm(), mentor(), category_names=NAMES, weights=no_time)
    assert "apart" not in words


def test_half_hours_and_far_zones_are_said_plainly():
    assert "you're 30 minutes apart" in pair_words(apm(), mentor(utc_offset_minutes=-270))
    assert "you're 1.5 hours apart" in pair_words(apm(), mentor(utc_offset_minutes=-210))
