from django.core.management.base import BaseCommand

from surveys.models import Survey
from surveys.services import survey_templates_install


class Command(BaseCommand):
    help = (
        "Install the starter survey templates (end-of-cohort surveys for APMs and mentors, "
        "mid-point check-in). Templates already there, edited or not, are left alone."
    )

    def handle(self, *args, **options):
        created = survey_templates_install()
        total = Survey.objects.filter(is_template=True).count()
        self.stdout.write(
            self.style.SUCCESS(f"Installed {created} survey template(s); {total} available.")
        )
