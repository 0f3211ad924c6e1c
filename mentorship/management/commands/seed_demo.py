from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from mentorship.demo import demo_reset, seed_demo

RESET_NEEDS_DEBUG = (
    "seed_demo --reset erases every row of the database, so it runs only with DEBUG=1, on "
    "a developer's machine. Nothing was changed."
)
FIRST_TOUR = """\
The demo starts before matching: 40 APMs and 25 mentors have sent their intakes.
A first tour (password above for everyone):
  1. As committee@example.com, open /admin/, then the cohort "{cohort}": its steps say
     what to do next. Close intake, run matching, and watch the run page.
  2. Open the review desk from the cohort's page; approve the proposals you like.
  3. As apm@example.com, open / to meet your mentor and read why you two were matched;
     log a first meeting with the date of the next, and open the toolkit.
  4. As mentor@example.com, open / for your mentees and the topics suggested for them.
Every email the site sends is on {mail_page} while DEBUG is on.
Start again from here with `make demo-reset`."""


class Command(BaseCommand):
    help = (
        "Create (or leave as they are) the demo cohort, committee admin, APMs and mentors; "
        "with --reset, erase everything first (DEBUG only)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Erase every row first and start the demo afresh (DEBUG=1 only).",
        )

    def handle(self, *args, reset=False, **options):
        if reset and not settings.DEBUG:
            raise CommandError(RESET_NEEDS_DEBUG)
        result = demo_reset() if reset else seed_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo cohort ready: {result['cohort'].name} "
                f"({result['apms']} APMs, {result['mentors']} mentors)"
            )
        )
        self.stdout.write(f"Demo sign-ins (password for all: {result['password']}):")
        for role, email in result["logins"]:
            self.stdout.write(f"  {role:<10} {email}")
        self.stdout.write("  (and apm2..apm40@example.com, mentor2..mentor25@example.com)")
        self.stdout.write(
            "The committee account asks for a two-factor code after the password: "
            "`python manage.py demo_totp_code committee@example.com` prints the current one."
        )
        for made in result["two_factor"]:
            # Printed this once, when the secret is made; later runs leave it as it is.
            self.stdout.write(
                f"Authenticator app for {made['email']} (printed only now): secret "
                f"{made['secret']}\n  the same as a link for an authenticator app: {made['url']}"
            )
        mail_page = settings.SITE_URL + reverse("dev_mail")
        self.stdout.write(FIRST_TOUR.format(cohort=result["cohort"].name, mail_page=mail_page))
