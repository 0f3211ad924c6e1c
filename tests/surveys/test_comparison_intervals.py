"""The interval functions, against the worked values published for them."""

from datetime import date

import pytest

from surveys.comparison import level_at_start, signed, years_before
from surveys.intervals import effective_size, newcomb, wilson

# Newcomb (1998), Statistics in Medicine 17:873-890, Table II, method 10 (hybrid score).
NEWCOMB_1998 = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize(("counts", "expected"), NEWCOMB_1998)
def test_newcomb_hybrid_interval_matches_newcomb_1998_table_ii(counts, expected):
    interval = newcomb(*counts)
    assert (round(interval.lower, 4), round(interval.upper, 4)) == expected
    assert interval.estimate == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3])


# Newcomb (1998), "Two-sided confidence intervals for the single proportion", Statistics in
# Medicine 17:857-872, Table I, method 3 (Wilson score, no continuity correction).
WILSON_1998 = [
    ((81, 263), (0.2553, 0.3662)),
    ((15, 148), (0.0624, 0.1605)),
    ((0, 20), (0.0, 0.1611)),
    ((1, 29), (0.0061, 0.1718)),
]


@pytest.mark.parametrize(("counts", "expected"), WILSON_1998)
def test_wilson_interval_matches_newcomb_1998_table_i(counts, expected):
    interval = wilson(*counts)
    assert (round(interval.lower, 4), round(interval.upper, 4)) == expected


def test_the_hybrid_interval_stays_between_minus_one_and_one_where_wald_overshoots():
    interval = newcomb(10, 10, 0, 10)
    assert -1 <= interval.lower <= interval.upper <= 1


def test_a_proportion_needs_people():
    with pytest.raises(ValueError, match="at least one person"):
        wilson(0, 0)


def test_the_effective_size_of_one_stratum_is_its_size_and_weighting_shrinks_it():
    assert effective_size([(1.0, 40)]) == pytest.approx(40)
    # Proportional weights keep the full size; uneven ones lose precision.
    assert effective_size([(0.5, 20), (0.5, 20)]) == pytest.approx(40)
    assert effective_size([(0.75, 5), (0.25, 2)]) == pytest.approx(1 / (0.5625 / 5 + 0.0625 / 2))


def test_the_level_at_the_start_steps_down_once_per_later_promotion():
    assert level_at_start("senior", 0) == "senior"
    assert level_at_start("senior", 2) == "associate"
    assert level_at_start("product_manager", 3) == "associate"  # never below the first


def test_a_year_earlier_of_29_february_is_28_february():
    assert years_before(date(2028, 2, 29), 1) == date(2027, 2, 28)
    assert years_before(date(2027, 6, 1), 2) == date(2025, 6, 1)


def test_differences_show_their_sign_with_a_minus_sign():
    assert signed(0.225) == "+22.5"
    assert signed(-0.2011) == "\N{MINUS SIGN}20.1"
    assert signed(0.0) == "0"
