from django.core.management.base import BaseCommand

from mentorship.demo import seed_demo


class Command(BaseCommand):
    help = "Create (or leave as they are) the demo cohort, committee admin, APMs and mentors."

    def handle(self, *args, **options):
        result = seed_demo()
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
