from django.core.management.base import BaseCommand

from toolkit.content import starter_topics_install


class Command(BaseCommand):
    help = "Create the toolkit's starter topics that are missing (--update refreshes them all)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--update",
            action="store_true",
            help="Overwrite existing starter topics with the shipped text (loses edits).",
        )

    def handle(self, *args, update, **options):
        counts = starter_topics_install(update=update)
        self.stdout.write(
            self.style.SUCCESS(
                "Toolkit topics: {created} created, {updated} updated, {unchanged} left as "
                "they were, {skipped} skipped (category missing).".format(**counts)
            )
        )
