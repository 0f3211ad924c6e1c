"""Benchmark the matching engine on seeded synthetic cohorts of every shape.

    .venv/bin/python benchmarks/matching.py [--apms 5000,20000] [--shapes plenty,exact,...]
                                            [--no-reference] [--timeout 600]

Each shape (see `matching.engine.synthetic.SHAPES`: plenty, exact, shortage,
shared-favourites, forbidden-pairs, all-equal, few-values; capacity 2) is run at each
number of APMs. For each it reports the engine's time, peak memory, matched count, total
score and optimality flag, and the same problem solved by plain
`scipy.optimize.linear_sum_assignment` on the dense APM x mentor-slot matrix as a
reference, where that fits in memory ('too big' otherwise), with the ratio of the two
times.

Every measurement runs in a fresh Python process, so "peak MB" is that process's
`resource.getrusage(RUSAGE_SELF).ru_maxrss`: everything it ever held, including the
interpreter, numpy, scipy and the synthetic cohort, not just the engine. A measurement
still running after --timeout seconds is stopped and reported as such.
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


def _cohort(shape, n_apms, seed):
    from matching.engine.synthetic import shaped_cohort

    return shaped_cohort(shape, n_apms, seed=seed)


def run_engine(shape, n_apms, seed) -> dict:
    from matching.engine import match

    # Warm up (first calls into numpy/scipy code paths) on a small cohort, as any
    # long-running worker would be.
    apms, mentors, banned = _cohort(shape, 200, seed + 1)
    match(apms, mentors, banned_pairs=banned)
    apms, mentors, banned = _cohort(shape, n_apms, seed)
    before = _peak_mb()
    started = time.perf_counter()
    result = match(apms, mentors, banned_pairs=banned)
    seconds = time.perf_counter() - started
    stats = result.stats
    return {
        "mentors": len(mentors),
        "build": stats["build_seconds"],
        "solve": stats["solve_seconds"] + stats["verify_seconds"],
        "total": seconds,
        "peak_mb": _peak_mb(),
        "before_mb": before,
        "matched": result.matched_count,
        "score": result.total_score,
        "optimal": result.optimal,
        "rounds": stats["rounds"],
        "gap": stats["gap"],
    }


def run_reference(shape, n_apms, seed) -> dict:
    """Dense linear_sum_assignment with the engine's lexicographic objective."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    from matching.engine.cohort import Cohort
    from matching.engine.records import Weights
    from matching.engine.scoring import weight_units

    apms, mentors, banned = _cohort(shape, n_apms, seed)
    started = time.perf_counter()
    cohort = Cohort(apms, mentors, weight_units(Weights()), banned)
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


def _child(kind, spec, timeout) -> dict | None:
    """One measurement in a fresh process; None if it ran out of time."""
    try:
        out = subprocess.run(  # noqa: S603 - this script, with arguments it built itself
            [sys.executable, __file__, "--child", kind, json.dumps(spec)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None
    return json.loads(out.stdout)


def main():
    from matching.engine.synthetic import SHAPE_CAPACITY, SHAPES

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apms", default="5000,20000", help="comma-separated APM counts")
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated shapes")
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per measurement")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        kind, spec = args.child
        spec = json.loads(spec)
        run = run_engine if kind == "engine" else run_reference
        say(json.dumps(run(*spec)))
        return

    shapes = args.shapes.split(",")
    unknown = [shape for shape in shapes if shape not in SHAPES]
    if unknown:
        parser.error(f"unknown shape {', '.join(unknown)}; the shapes are: {', '.join(SHAPES)}")
    header = (
        f"{'shape':<18} {'APMs x mentors':>15} {'total s':>8} {'peak MB':>8} {'matched':>8} "
        f"{'total score':>13} {'optimal':>8} {'rounds':>6} | {'dense s':>8} {'dense MB':>8} "
        f"{'agrees':>7} {'dense/engine':>12}"
    )
    say(header)
    say("-" * len(header))
    for n_apms in (int(x) for x in args.apms.split(",")):
        for shape in shapes:
            n_mentors = max(1, round(SHAPES[shape] * n_apms))
            size = f"{n_apms} x {n_mentors}"
            spec = [shape, n_apms, args.seed]
            engine = _child("engine", spec, args.timeout)
            if engine is None:
                say(f"{shape:<18} {size:>15} {f'> {args.timeout:.0f}':>8}  (stopped)")
                continue
            slots = n_mentors * SHAPE_CAPACITY
            if args.no_reference:
                ref_text = f"{'skipped':>8}"
            elif n_apms * (slots + n_apms) > REFERENCE_MAX_CELLS:
                ref_text = f"{'too big':>8}"
            else:
                ref = _child("reference", spec, args.timeout)
                if ref is None:
                    ref_text = f"{f'> {args.timeout:.0f}':>8}"
                else:
                    agrees = ref["matched"] == engine["matched"] and round(
                        ref["score"] * 1000
                    ) == round(engine["score"] * 1000)
                    ratio = ref["seconds"] / engine["total"]
                    ref_text = (
                        f"{ref['seconds']:>8.2f} {ref['peak_mb']:>8.0f} "
                        f"{'yes' if agrees else 'NO':>7} {f'{ratio:.1f}x':>12}"
                    )
            say(
                f"{shape:<18} {size:>15} {engine['total']:>8.2f} {engine['peak_mb']:>8.0f} "
                f"{engine['matched']:>8} {engine['score']:>13.3f} {engine['optimal']!s:>8} "
                f"{engine['rounds']:>6} | {ref_text}"
            )
    say()
    say(
        "total s = the whole match() call (scoring, solving, the optimality proof, reasons); "
        "peak MB = ru_maxrss of a fresh process per row (interpreter, numpy, scipy and the "
        "synthetic cohort included). dense = linear_sum_assignment on APMs x (mentor slots "
        "+ one 'unmatched' column per APM), same objective; 'too big' = that matrix would "
        f"exceed {REFERENCE_MAX_CELLS * 8 / 1e9:.1f} GB, so it is skipped. "
        "dense/engine = how many times faster the engine was."
    )


if __name__ == "__main__":
    main()
