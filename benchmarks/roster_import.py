"""Time the roster import at program scale and beyond.

    .venv/bin/python benchmarks/roster_import.py [--rows 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentorship_bench \\
        .venv/bin/python benchmarks/roster_import.py

Without DATABASE_URL it uses a throwaway SQLite file in a temporary directory. With it,
the rows it creates (people at @bench-<run>.example and a cohort of their own) are
removed at the end unless --keep is given, so a shared database is left as it was.
Prints rows, seconds and queries for a first import and for the same file again.
"""

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNITS = ["Digital Services", "Health", "Benefits Delivery", "Defense", "Civic Tech", "Data"]
TEAMS = ["Platform", "Intake", "Payments", "Identity", "Search", "Forms", "Analytics", "Mobile"]
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
TOPICS = [
    "building-rapport",
    "government-contracting",
    "product-frameworks",
    "user-research",
    "accessibility",
    "stakeholder-management",
    "people-management",
    "career-growth",
    "work-life-balance",
    "data-and-metrics",
    "technical-fluency",
]
TRACKS = ["people_manager", "individual_contributor", "undecided", ""]


def say(text: str) -> None:
    sys.stdout.write(f"{text}\n")


def roster_csv(rows: int, domain: str, seed: int = 2026) -> bytes:
    """A roster like the committee's: one mentor in five, APMs managed by mentors,
    mentors by a few directors, everyone in a unit and a team."""
    rng = random.Random(seed)
    directors = max(1, rows // 200)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "email",
            "full_name",
            "role",
            "title",
            "business_unit",
            "team",
            "manager_email",
            "time_zone",
            "interests",
            "career_track",
            "capacity",
            "prefers_other_unit",
            "goals",
        ]
    )
    for n in range(rows):
        is_director = n < directors
        is_mentor = is_director or n % 5 == 0
        if is_director:
            manager = ""
        elif is_mentor:
            manager = f"person{rng.randrange(directors)}@{domain}"
        else:
            manager = f"person{max(directors, n - n % 5)}@{domain}"
            if manager == f"person{n}@{domain}":
                manager = ""
        writer.writerow(
            [
                f"person{n}@{domain}",
                f"Person Number{n} Ñúñez" if n % 50 == 0 else f"Person Number{n}",
                "mentor" if is_mentor else "apm",
                "Director" if is_director else ("Senior PM" if is_mentor else "APM"),
                UNITS[n % len(UNITS)],
                TEAMS[(n // 3) % len(TEAMS)],
                manager,
                rng.choice(ZONES),
                ";".join(rng.sample(TOPICS, rng.randint(1, 4))),
                rng.choice(TRACKS),
                str(rng.randint(1, 3)) if is_mentor else "",
                "" if is_mentor else rng.choice(["yes", "no", ""]),
                "Grow into a product lead; learn government contracting." if n % 3 else "",
            ]
        )
    return buffer.getvalue().encode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the imported rows")
    args = parser.parse_args()

    workdir = tempfile.TemporaryDirectory(prefix="roster-bench-")
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(workdir.name) / 'bench.sqlite3'}"
    os.environ["DEBUG"] = "1"  # query logging, so the counts below are real
    os.environ["DJANGO_SETTINGS_MODULE"] = "mentorship.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from mentorship.models import Cohort, User
    from mentorship.roster import roster_import

    call_command("migrate", verbosity=0)
    run_id = uuid.uuid4().hex[:8]
    domain = f"bench-{run_id}.example"
    now = timezone.now()
    cohort = Cohort.objects.create(
        name=f"Benchmark {run_id}",
        slug=f"bench-{run_id}",
        status=Cohort.Status.INTAKE_OPEN,
        intake_opens_at=now - timedelta(days=1),
        intake_closes_at=now + timedelta(days=30),
        program_starts_on=(now + timedelta(days=40)).date(),
        program_ends_on=(now + timedelta(days=300)).date(),
    )
    data = roster_csv(args.rows, domain)
    say(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    say(f"roster:   {args.rows} rows, {len(data) / 1024 / 1024:.1f} MB")
    try:
        for label in ("first import", "same file again", "dry run"):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                result = roster_import(data=data, cohort=cohort, dry_run=label == "dry run")
                took = time.perf_counter() - started
            if not result.ok:
                say("\n".join(str(e) for e in result.errors[:20]))
                raise SystemExit(1)
            say(
                f"{label:<16} {result.rows} rows in {took:6.2f} s, {len(queries):4d} queries; "
                f"created {result.people_created} people / {result.enrollments_created} "
                f"enrollments, unchanged {result.unchanged}"
            )
    finally:
        if not args.keep and connection.vendor != "sqlite":
            User.objects.filter(email__endswith=f"@{domain}").delete()
            cohort.delete()
        workdir.cleanup()


if __name__ == "__main__":
    main()
