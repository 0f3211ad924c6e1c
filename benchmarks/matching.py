"""Benchmark the matching engine on seeded synthetic cohorts.

    .venv/bin/python benchmarks/matching.py [--sizes 1000x600,5000x3000,20000x12000]
                                            [--tight] [--no-reference]

For each cohort (APMs x mentors, capacities 1-3; with --tight also 5,000 x 2,500 at
capacity 2, where the slots exactly cover the APMs) it reports the engine's times,
peak memory, matched count, total score and optimality flag, and the same problem
solved by plain `scipy.optimize.linear_sum_assignment` on the dense APM x mentor-slot
matrix as a reference, where that fits in memory.

Every measurement runs in a fresh Python process, so "peak MB" is that process's
`resource.getrusage(RUSAGE_SELF).ru_maxrss`: everything it ever held, including the
interpreter, numpy and scipy (about the "baseline" printed below), not just the engine.
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

# This file is called matching.py: put the repository first on the path, not benchmarks/.
ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

REFERENCE_MAX_CELLS = 200_000_000  # dense float64 matrix: 1.6 GB


def say(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _cohort(n_apms, n_mentors, capacity, seed):
    from matching.engine.synthetic import synthetic_cohort

    return synthetic_cohort(n_apms, n_mentors, seed=seed, capacity=capacity)


def run_engine(n_apms, n_mentors, capacity, seed) -> dict:
    from matching.engine import match

    # Warm up (first calls into numpy/scipy code paths) on a small cohort, as any
    # long-running worker would be.
    match(*_cohort(200, 120, capacity, seed + 1))
    apms, mentors = _cohort(n_apms, n_mentors, capacity, seed)
    before = _peak_mb()
    started = time.perf_counter()
    result = match(apms, mentors)
    seconds = time.perf_counter() - started
    stats = result.stats
    return {
        "build": stats["build_seconds"],
        "solve": stats["solve_seconds"] + stats["verify_seconds"],
        "total": seconds,
        "peak_mb": _peak_mb(),
        "before_mb": before,
        "matched": result.matched_count,
        "score": result.total_score,
        "optimal": result.optimal,
        "rounds": stats["rounds"],
        "edges": stats["edges"],
        "gap": stats["gap"],
    }


def run_reference(n_apms, n_mentors, capacity, seed) -> dict:
    """Dense linear_sum_assignment with the engine's lexicographic objective."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    from matching.engine.cohort import Cohort
    from matching.engine.records import Weights
    from matching.engine.scoring import weight_units

    apms, mentors = _cohort(n_apms, n_mentors, capacity, seed)
    started = time.perf_counter()
    cohort = Cohort(apms, mentors, weight_units(Weights()))
    n, block = cohort.n_apms, cohort.block_rows()
    slot_mentor = np.repeat(np.arange(cohort.n_mentors), cohort.capacity)
    big = float(n * cohort.max_units() + 1)
    # Columns: every mentor slot, then one "unmatched" column per APM (cost 0).
    cost = np.zeros((n, len(slot_mentor) + n))
    for r0 in range(0, n, block):
        rows = np.arange(r0, min(n, r0 + block))
        scores = np.floor(cohort.scores(rows)).astype(np.float64)[:, slot_mentor]
        cost[r0 : r0 + block, : len(slot_mentor)] = np.where(
            np.isfinite(scores), -(big + scores), 0.0
        )
    rows, cols = linear_sum_assignment(cost)
    seconds = time.perf_counter() - started
    real = (cols < len(slot_mentor)) & (cost[rows, np.minimum(cols, cost.shape[1] - 1)] < 0)
    matched = int(real.sum())
    score_units = round(-cost[rows[real], cols[real]].sum() - matched * big)
    return {
        "seconds": seconds,
        "peak_mb": _peak_mb(),
        "matched": matched,
        "score": score_units / 1000,
    }


def _child(kind, spec) -> dict:
    out = subprocess.run(  # noqa: S603 - this script, with arguments it built itself
        [sys.executable, __file__, "--child", kind, json.dumps(spec)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000x600,5000x3000,20000x12000")
    parser.add_argument("--tight", action="store_true", help="add 5000x2500 at capacity 2")
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        kind, spec = args.child
        spec = json.loads(spec)
        run = run_engine if kind == "engine" else run_reference
        say(json.dumps(run(*spec)))
        return

    cohorts = []
    for size in args.sizes.split(","):
        n_apms, n_mentors = (int(x) for x in size.lower().split("x"))
        cohorts.append(("capacity 1-3", n_apms, n_mentors, None))
    if args.tight:
        cohorts.append(("tight, capacity 2", 5000, 2500, 2))

    header = (
        f"{'cohort':<18} {'APMs x mentors':>15} {'build s':>8} {'solve s':>8} "
        f"{'total s':>8} {'peak MB':>8} {'(+match)':>8} {'matched':>8} {'total score':>13} "
        f"{'optimal':>8} {'rounds':>6} | {'reference s':>11} {'ref MB':>7} {'agrees':>7}"
    )
    say(header)
    say("-" * len(header))
    for label, n_apms, n_mentors, capacity in cohorts:
        spec = [n_apms, n_mentors, capacity, args.seed]
        engine = _child("engine", spec)
        slots = n_mentors * (capacity or 3)
        if args.no_reference:
            ref_text = f"{'skipped':>11} {'':>7} {'':>7}"
        elif n_apms * (slots + n_apms) > REFERENCE_MAX_CELLS:
            ref_text = f"{'too big':>11} {'':>7} {'':>7}"
        else:
            ref = _child("reference", spec)
            agrees = ref["matched"] == engine["matched"] and round(ref["score"] * 1000) == round(
                engine["score"] * 1000
            )
            verdict = "yes" if agrees else "NO"
            ref_text = f"{ref['seconds']:>11.2f} {ref['peak_mb']:>7.0f} {verdict:>7}"
        grew = engine["peak_mb"] - engine["before_mb"]
        say(
            f"{label:<18} {f'{n_apms} x {n_mentors}':>15} {engine['build']:>8.2f} "
            f"{engine['solve']:>8.2f} {engine['total']:>8.2f} {engine['peak_mb']:>8.0f} "
            f"{f'+{grew:.0f}':>8} {engine['matched']:>8} {engine['score']:>13.3f} "
            f"{engine['optimal']!s:>8} {engine['rounds']:>6} | {ref_text}"
        )
    say()
    say(
        "build = encoding + scoring every pair + choosing candidates; solve = assignment "
        "+ optimality proof (and any extra rounds); total = the whole match() call, "
        "reasons included."
    )
    say(
        "peak MB = ru_maxrss of a fresh process per row (interpreter, numpy, scipy and "
        "the synthetic cohort included); (+match) = how much of it came during match(). "
        "reference = dense linear_sum_assignment on "
        "APMs x (mentor slots + one 'unmatched' column per APM), same objective; "
        "'too big' = the dense matrix would exceed "
        f"{REFERENCE_MAX_CELLS * 8 / 1e9:.1f} GB, so it is skipped."
    )


if __name__ == "__main__":
    main()
