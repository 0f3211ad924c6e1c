"""A run's scores at a glance: how they spread, and what each part contributed."""

from __future__ import annotations

from collections.abc import Sequence

from matching.engine.records import PART_NAMES, Proposal, Weights

# The score axis of the distribution is cut into this many equal bands.
SCORE_BANDS = 10


def score_summary(proposals: Sequence[Proposal], weights: Weights) -> dict:
    """Counts of proposals per score band, and each part's average points.

    The bands split 0 .. the most a pair can score (the weights' sum) into SCORE_BANDS,
    each holding low <= score < high (the last one holds its top too). A part a pair
    did not score counts as 0 in its average. Plain data, for a JSON field.
    """
    top = sum(weights.as_dict().values())
    width = top / SCORE_BANDS if top > 0 else 1.0
    counts = [0] * SCORE_BANDS
    totals = dict.fromkeys(PART_NAMES, 0.0)
    for proposal in proposals:
        band = min(SCORE_BANDS - 1, max(0, int(proposal.score // width)))
        counts[band] += 1
        for part in proposal.parts:
            totals[part.name] += part.points
    n = len(proposals)
    return {
        "bands": [
            {"low": round(i * width, 2), "high": round((i + 1) * width, 2), "count": count}
            for i, count in enumerate(counts)
        ],
        "part_averages": {
            name: round(total / n, 2) if n else 0.0 for name, total in totals.items()
        },
        "average": round(sum(p.score for p in proposals) / n, 2) if n else 0.0,
    }
