import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from matching import services
from matching.models import MatchingRun
from mentorship.models import Cohort


class Command(BaseCommand):
    help = "Start a matching run for a cohort; with --wait, wait for it and print a summary."

    def add_arguments(self, parser):
        parser.add_argument("--cohort", required=True, help="The cohort's slug.")
        parser.add_argument("--wait", action="store_true", help="Wait for the run to finish.")
        parser.add_argument(
            "--timeout", type=float, default=600, help="Seconds to wait (default 600)."
        )

    def handle(self, *args, cohort, wait, timeout, **options):
        try:
            cohort = Cohort.objects.get(slug=cohort)
        except Cohort.DoesNotExist:
            raise CommandError(f"No cohort with the slug “{cohort}”.") from None
        try:
            run = services.run_request(cohort=cohort, acting_user=None)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Matching run #{run.pk} for {cohort.name} queued.")
        if not wait:
            return
        deadline = time.monotonic() + timeout
        while True:
            run.refresh_from_db()
            if not run.is_active:
                break
            if time.monotonic() > deadline:
                raise CommandError(
                    f"Run #{run.pk} is still {run.status} after {timeout:.0f} s. Is a Celery "
                    "worker running? (make run starts one; or: celery -A mentorship worker)"
                )
            time.sleep(0.5)
        self._summary(run)

    def _summary(self, run: MatchingRun):
        if run.status == MatchingRun.Status.FAILED:
            raise CommandError(f"Run #{run.pk} failed: {run.error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Matched {run.matched_count} of {run.apm_count} APMs with "
                f"{run.mentor_count} mentors; total score {run.total_score:.1f}"
                f"{' (proven optimal)' if run.optimal else ''}; "
                f"took {run.duration_seconds or 0:.2f} s."
            )
        )
        for item in run.unmatched.select_related("apm__user"):
            self.stdout.write(f"  Unmatched: {item.apm.user.display_name}: {item.reason}")
            if item.fix:
                self.stdout.write(f"    Fix: {item.fix}")
