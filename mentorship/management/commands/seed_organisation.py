from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from mentorship.management.organisation import SeedRefusedError, Size, organisation_seed

NOT_IN_PRODUCTION = (
    "seed_organisation writes thousands of made-up people (all with the demo password) and "
    "is for development and benchmark databases only. Run it with DEBUG=1, or pass "
    "--i-know-this-is-not-production if this database is disposable."
)


class Command(BaseCommand):
    help = (
        "Add a whole organisation on top of the demo (people, approved matches, meetings, "
        "a closed anonymous survey with its answers, a year of audit rows), fast. Once per "
        "database; development and benchmark databases only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apms", type=int, default=6000)
        parser.add_argument("--mentors", type=int, default=4000)
        parser.add_argument("--meetings-per-pair", type=int, default=2)
        parser.add_argument(
            "--survey-responses",
            type=int,
            default=5000,
            help="Responses to the closed survey (at most one per APM).",
        )
        parser.add_argument("--audit-days", type=int, default=365)
        parser.add_argument("--i-know-this-is-not-production", action="store_true")

    def handle(self, *args, **options):
        if not (settings.DEBUG or options["i_know_this_is_not_production"]):
            raise CommandError(NOT_IN_PRODUCTION)
        size = Size(
            apms=options["apms"],
            mentors=options["mentors"],
            meetings_per_pair=options["meetings_per_pair"],
            survey_responses=options["survey_responses"],
            audit_days=options["audit_days"],
        )
        report = self.stdout.write if options["verbosity"] > 1 else None
        try:
            result = organisation_seed(size, report=report)
        except SeedRefusedError as error:
            raise CommandError(str(error)) from None
        if connection.vendor == "postgresql":
            # Planner statistics for the new rows now, rather than whenever autovacuum
            # gets to them: until then PostgreSQL plans for nearly empty tables.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        seconds = sum(result["seconds"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Organisation ready in {seconds:.1f} s: {result['cohort'].name} with "
                f"{result['apms']} APMs and {result['mentors']} mentors in "
                f"{result['matches']} active matches, {result['audit_rows']} audit rows."
            )
        )
        self.stdout.write(
            "Sign in as apm-00001@org.example or mentor-00001@org.example with the demo password."
        )
