"""score_summary: the run page's spread of scores and each part's average."""

from matching.engine import Weights, score_summary
from matching.engine.records import Proposal, ScorePart


def proposal(score, **points):
    parts = tuple(ScorePart(name, value, f"{name} (+{value})") for name, value in points.items())
    return Proposal(apm_id=1, mentor_id=1, score=score, parts=parts)


def test_bands_split_the_most_a_pair_can_score_and_hold_each_score_once():
    weights = Weights(shared_interests=40, other_unit=20, career_track=20, time_zone=10,
                      agencies_domains=10)  # fmt: skip
    proposals = [proposal(0), proposal(9.99), proposal(10), proposal(55.5), proposal(100)]

    summary = score_summary(proposals, weights)

    counts = [band["count"] for band in summary["bands"]]
    assert counts == [2, 1, 0, 0, 0, 1, 0, 0, 0, 1]  # the top score in the last band
    assert (summary["bands"][0]["low"], summary["bands"][-1]["high"]) == (0.0, 100.0)
    assert summary["average"] == round((9.99 + 10 + 55.5 + 100) / 5, 2)


def test_part_averages_count_a_part_a_pair_did_not_score_as_zero():
    proposals = [proposal(60, shared_interests=40, time_zone=20), proposal(20, time_zone=20)]

    averages = score_summary(proposals, Weights())["part_averages"]

    assert averages == {"shared_interests": 20.0, "other_unit": 0.0, "career_track": 0.0,
                        "time_zone": 20.0, "agencies_domains": 0.0}  # fmt: skip


def test_no_proposals_and_zero_weights_give_empty_bands_not_an_error():
    zero = Weights(shared_interests=0, other_unit=0, career_track=0, time_zone=0,
                   agencies_domains=0)  # fmt: skip

    summary = score_summary([], zero)

    assert [band["count"] for band in summary["bands"]] == [0] * 10
    assert summary["average"] == 0.0
    assert set(summary["part_averages"].values()) == {0.0}
