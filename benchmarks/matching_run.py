"""A whole matching run through the database, as the admin starts it.

    .venv/bin/python benchmarks/matching_run.py [--apms 5000 --mentors 3000]

Builds a synthetic cohort in a throwaway database (SQLite in a temporary folder, or
the database named by DATABASE_URL, which must be empty or disposable), then times
one run: reading the cohort, solving, and writing the proposals in bulk. Prints the
figures; asserts nothing.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup_django(database_url: str | None):
    folder = tempfile.mkdtemp(prefix="bench-matching-")
    os.environ.setdefault("DEBUG", "1")
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{folder}/bench.sqlite3"
    os.environ["RUN_DIR"] = folder
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_cohort(apms: int, mentors: int, seed: int = 7):
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from mentorship.models import BusinessUnit, Cohort, Enrollment, Profile, Role, Team, User
    from toolkit.models import Category

    rng = random.Random(seed)
    now = timezone.now()
    cohort = Cohort.objects.create(
        name="Benchmark", slug=f"bench-{seed}", status=Cohort.Status.MATCHING,
        intake_opens_at=now - timezone.timedelta(days=30),
        intake_closes_at=now - timezone.timedelta(days=1),
        program_starts_on=now.date(), program_ends_on=(now + timezone.timedelta(days=300)).date(),
    )  # fmt: skip
    units = BusinessUnit.objects.bulk_create(BusinessUnit(name=f"Unit {i}") for i in range(30))
    teams = Team.objects.bulk_create(
        Team(business_unit=unit, name=f"Team {j}") for unit in units for j in range(5)
    )
    categories = list(Category.objects.all())
    password = make_password(None)
    total = apms + mentors
    users = User.objects.bulk_create(
        (User(email=f"p{i}@bench.example", full_name=f"Person {i}", password=password)
         for i in range(total)),
        batch_size=2000,
    )  # fmt: skip
    zones = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
    mentor_users, apm_users = users[:mentors], users[mentors:]
    profiles = []
    for i, user in enumerate(users):
        team = teams[rng.randrange(len(teams))]
        manager = (
            mentor_users[rng.randrange(mentors)] if i >= mentors and rng.random() < 0.7 else None
        )
        profiles.append(
            Profile(
                user=user,
                team=team,
                business_unit_id=team.business_unit_id,
                manager=manager,
                time_zone=rng.choice(zones),
                agencies=rng.sample(["VA", "CMS", "IRS", "DoD", "SBA"], 2),
            )
        )
    Profile.objects.bulk_create(profiles, batch_size=2000)  # fmt: skip
    enrollments = [
        Enrollment(user=u, cohort=cohort, role=Role.MENTOR, capacity=rng.randint(1, 3),
                   career_track=rng.choice(["people_manager", "individual_contributor"]),
                   submitted_at=now)
        for u in mentor_users
    ] + [
        Enrollment(user=u, cohort=cohort, role=Role.APM, submitted_at=now,
                   career_track=rng.choice(["people_manager", "individual_contributor",
                                            "undecided"]))
        for u in apm_users
    ]  # fmt: skip
    Enrollment.objects.bulk_create(enrollments, batch_size=2000)
    through = Enrollment.topics.through
    links = [
        through(enrollment_id=e.pk, category_id=c.pk)
        for e in enrollments
        for c in rng.sample(categories, rng.randint(2, 4))
    ]
    through.objects.bulk_create(links, batch_size=5000)
    return cohort


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apms", type=int, default=5000)
    parser.add_argument("--mentors", type=int, default=3000)
    args = parser.parse_args()
    setup_django(os.environ.get("DATABASE_URL"))
    from django.db import connection

    from matching import services
    from matching.models import MatchingRun, Proposal

    started = time.perf_counter()
    cohort = build_cohort(args.apms, args.mentors)
    print(f"Built {args.apms} APMs x {args.mentors} mentors on {connection.vendor} "
          f"in {time.perf_counter() - started:.1f} s")  # fmt: skip

    run = MatchingRun.objects.create(cohort=cohort)
    started = time.perf_counter()
    services.run_execute(run_id=run.pk)
    total = time.perf_counter() - started
    run.refresh_from_db()
    stats = run.stats
    print(f"Run #{run.pk}: {run.status}; matched {run.matched_count} of {run.apm_count}; "
          f"total score {run.total_score:.1f}; optimal={run.optimal}")  # fmt: skip
    parts = ", ".join(
        f"{name} {stats.get(f'{name}_seconds', 0):.2f} s"
        for name in ("read", "build", "solve", "write")
    )
    print(f"  {parts}; end to end {total:.2f} s")
    print(f"  proposals written: {Proposal.objects.filter(run=run).count()}")


if __name__ == "__main__":
    main()
