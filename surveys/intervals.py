"""95% intervals for a proportion and for the difference of two. Pure Python, no Django.

``wilson`` is the Wilson score interval for one proportion. ``newcomb`` is Newcomb's
hybrid score interval for the difference of two independent proportions (method 10
of Newcomb 1998, "Interval estimation for the difference between independent
proportions", Statistics in Medicine 17:873-890): it combines the two Wilson intervals,
so it stays inside [-1, 1] and behaves with small counts and rates near 0 or 1, where
the plain Wald interval (difference ± 1.96 standard errors) is too narrow or
overshoots.

Counts may be fractional: a rate averaged over strata is passed as its effective
number of people (``effective_size``) and the matching count.
"""

from dataclasses import dataclass
from math import sqrt

Z_95 = 1.959963984540054  # the standard normal's 97.5th percentile


@dataclass(frozen=True)
class Interval:
    estimate: float
    lower: float
    upper: float


def wilson(successes: float, n: float, z: float = Z_95) -> Interval:
    """The Wilson score interval for ``successes`` out of ``n`` (n > 0)."""
    if n <= 0:
        raise ValueError("A proportion needs at least one person.")
    if not 0 <= successes <= n:
        raise ValueError("Successes must be between 0 and n.")
    p = successes / n
    z2 = z * z
    centre = 2 * successes + z2
    spread = z * sqrt(z2 + 4 * successes * (1 - p))
    denominator = 2 * (n + z2)
    # At 0 and at n the interval touches the edge exactly (rounding could miss it).
    lower = 0.0 if successes == 0 else (centre - spread) / denominator
    upper = 1.0 if successes == n else (centre + spread) / denominator
    return Interval(p, lower, upper)


def newcomb(x1: float, n1: float, x2: float, n2: float, z: float = Z_95) -> Interval:
    """Newcomb's hybrid score interval for p1 - p2, with p1 = x1/n1 and p2 = x2/n2."""
    first, second = wilson(x1, n1, z), wilson(x2, n2, z)
    difference = first.estimate - second.estimate
    below = sqrt((first.estimate - first.lower) ** 2 + (second.upper - second.estimate) ** 2)
    above = sqrt((first.upper - first.estimate) ** 2 + (second.estimate - second.lower) ** 2)
    return Interval(difference, difference - below, difference + above)


def effective_size(weights_and_sizes: list[tuple[float, float]]) -> float:
    """How many people a weighted average of stratum rates is as precise as.

    For a rate Σ w·(x/n) with weights summing to 1, its variance is p(1-p)·Σ w²/n when
    every stratum has the same p: the same as a plain rate over 1/Σ(w²/n) people
    (Kish's effective sample size). With one stratum it is that stratum's size.
    """
    total = sum(weight * weight / size for weight, size in weights_and_sizes if weight)
    return 1 / total if total else 0.0
