"""Approving a whole cohort's proposals in bulk, as the admin's action does.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_approval \\
        .venv/bin/python benchmarks/approval.py [--apms 6000 --mentors 4000] [--one-by-one N]

Builds a synthetic cohort (benchmarks/matching_run.py's) in a throwaway database (SQLite
in a temporary folder, or the disposable database DATABASE_URL names), runs matching,
then approves every proposal with ``proposals_approve`` and prints the time, the
queries and the queries per pair. With ``--one-by-one N`` it first approves N proposals
one call at a time (``proposal_approve``), for comparison. Asserts nothing.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matching_run import build_cohort, setup_django  # noqa: E402 - benchmarks/ is on the path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apms", type=int, default=6000)
    parser.add_argument("--mentors", type=int, default=4000)
    parser.add_argument("--one-by-one", type=int, default=0)
    parser.add_argument("--profile", action="store_true", help="print where the bulk time goes")
    args = parser.parse_args()
    setup_django(os.environ.get("DATABASE_URL"))
    from django.db import connection

    from matching import services
    from matching.models import Match, MatchingRun, Proposal
    from mentorship.cohorts import cohort_close_intake  # noqa: F401 - the cohort is matching
    from mentorship.models import User

    cohort = build_cohort(args.apms, args.mentors)
    committee = User.objects.create(email="committee@bench.example", is_staff=True)
    run = MatchingRun.objects.create(cohort=cohort)
    services.run_execute(run_id=run.pk)
    waiting = Proposal.objects.filter(run=run, status=Proposal.Status.PROPOSED).order_by("pk")
    print(f"{connection.vendor}: {args.apms} APMs x {args.mentors} mentors, "
          f"{waiting.count()} proposals")  # fmt: skip

    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    if args.one_by_one:
        some = list(waiting[: args.one_by_one])
        with connection.execute_wrapper(count):
            started = time.perf_counter()
            for proposal in some:
                services.proposal_approve(proposal=proposal, acting_user=committee)
            took = time.perf_counter() - started
        print(f"one by one: {len(some)} in {took:.2f} s ({took / len(some) * 1000:.1f} ms "
              f"and {queries[0] / len(some):.1f} queries a pair)")  # fmt: skip

    ids = list(waiting.values_list("pk", flat=True))
    queries[0] = 0
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            outcome = profiler.runcall(
                services.proposals_approve, proposal_ids=ids, acting_user=committee
            )
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        else:
            outcome = services.proposals_approve(proposal_ids=ids, acting_user=committee)
        took = time.perf_counter() - started
    pairs = max(1, len(ids))
    print(f"in bulk: {len(outcome.approved)} approved, {len(outcome.refused)} refused, "
          f"in {took:.2f} s ({took / pairs * 1000:.2f} ms and "
          f"{queries[0] / pairs:.2f} queries a pair, {queries[0]} in all)")  # fmt: skip
    print(f"active matches now: {Match.objects.filter(status=Match.Status.ACTIVE).count()}")


if __name__ == "__main__":
    main()
