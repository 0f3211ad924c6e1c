import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mentorship.models import Cohort
from mentorship.roster import roster_import


class Command(BaseCommand):
    help = (
        "Import the committee's roster (a CSV file) into a cohort. Checks every row first; "
        "with any problem nothing is imported and every problem is listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the roster CSV file.")
        parser.add_argument("--cohort", required=True, help="Slug of the cohort to import into.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and show what would change, without importing anything.",
        )

    def handle(self, *args, file, cohort, dry_run, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Could not read {path}: {error.strerror or error}.") from error
        try:
            cohort_obj = Cohort.objects.get(slug=cohort)
        except Cohort.DoesNotExist:
            slugs = ", ".join(Cohort.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No cohort has the slug “{cohort}”. Cohorts: {slugs}.") from None

        started = time.perf_counter()
        result = roster_import(data=data, cohort=cohort_obj, dry_run=dry_run, acting_user=None)
        took = time.perf_counter() - started

        for note in result.notes:
            self.stdout.write(f"Note: {note}")
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"Found {len(result.errors)} problems in {path.name}; nothing was imported. "
                "Fix them and run the import again."
            )
        if dry_run:
            self.stdout.write(f"Checked {path.name} for {cohort_obj.name}: no problems.")
            self.stdout.write(f"What an import would do: {result.summary()}")
            self.stdout.write("Nothing was imported (dry run).")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {path.name} into {cohort_obj.name}."))
            self.stdout.write(result.summary())
        self.stdout.write(f"Took {took:.2f} s.")
