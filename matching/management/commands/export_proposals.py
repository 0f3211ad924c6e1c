import csv

from django.core.management.base import BaseCommand, CommandError

from matching.models import Proposal
from mentorship.common.spreadsheets import spreadsheet_safe
from mentorship.models import Cohort


class Command(BaseCommand):
    help = "Write a cohort's proposals as CSV to standard output."

    def add_arguments(self, parser):
        parser.add_argument("--cohort", required=True, help="The cohort's slug.")
        parser.add_argument(
            "--all", action="store_true", help="Include superseded proposals of earlier runs."
        )

    def handle(self, *args, cohort, all, **options):
        try:
            cohort = Cohort.objects.get(slug=cohort)
        except Cohort.DoesNotExist:
            raise CommandError(f"No cohort with the slug “{cohort}”.") from None
        proposals = (
            Proposal.objects.filter(cohort=cohort)
            .select_related("apm__user", "mentor__user")
            .order_by("apm__user__email", "-created_at")
        )
        if not all:
            proposals = proposals.exclude(status=Proposal.Status.SUPERSEDED)
        writer = csv.writer(self.stdout)
        writer.writerow(["apm_email", "mentor_email", "score", "reasons", "status"])
        for proposal in proposals.iterator(chunk_size=2000):
            writer.writerow(
                [
                    spreadsheet_safe(proposal.apm.user.email),
                    spreadsheet_safe(proposal.mentor.user.email),
                    f"{proposal.score:.1f}",
                    spreadsheet_safe(proposal.reasons),
                    proposal.status,
                ]
            )
