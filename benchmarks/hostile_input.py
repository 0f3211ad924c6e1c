"""What the program answers to the bad inputs of issue 11, part 6, one line each.

    .venv/bin/python benchmarks/hostile_input.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentorship_bench \\
        .venv/bin/python benchmarks/hostile_input.py

Without DATABASE_URL it uses a throwaway SQLite file in a temporary directory. On a
database of its own it migrates; everything it creates is rolled back at the end, so a
shared database is left as it was. PostgreSQL is the one that matters for NUL, which it
refuses outright. Prints the status of each request (500 is the bug), then how a name
with a right-to-left override is stored and shown, and what the intake form says to one.
"""

import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUESTS = [
    ("apm", "get", "/toolkit/?q=%00", None),
    ("committee", "get", "/admin/matching/proposal/?apm_unit=abc", None),
    ("committee", "get", "/admin/matching/proposal/?o=abc&p=abc&q=%00", None),
    ("committee", "get", "/admin/mentorship/auditlog/?created_at__year=9999", None),
    ("committee", "get", "/admin/mentorship/auditlog/?summary__regex=(", None),
    ("committee", "get", "/admin/mentorship/auditlog/?no_such_field=1", None),
    ("committee", "get", "/admin/mentorship/user/?q=" + "+".join(["a"] * 1000), None),
    ("committee", "get", "/admin/mentorship/promotion/add/?user=abc", None),
    ("committee", "get", "/admin/mentorship/cohort/{cohort}/change/?_to_field=", None),
    ("committee", "post", "/admin/mentorship/cohort/",
     {"action": "open_intake", "index": "0", "_selected_action": ["abc"]}),
    ("committee", "get",
     "/admin/autocomplete/?term=%00&app_label=mentorship&model_name=profile&field_name=user",
     None),
    ("visitor", "post", "/accounts/login/", {"login": "a\x00@x.example", "password": "x"}),
]  # fmt: skip


def say(text: str) -> None:
    sys.stdout.write(f"{text}\n")


class Rollback(Exception):  # noqa: N818 - not an error: leaves the database as it was
    pass


def main():
    sys.path.insert(0, str(ROOT))
    workdir = tempfile.TemporaryDirectory()
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(workdir.name) / 'bench.sqlite3'}"
    os.environ["DEBUG"] = "1"  # plain HTTP for the test client
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ["DJANGO_SETTINGS_MODULE"] = "mentorship.settings"
    os.environ.setdefault("LOG_LEVEL", "CRITICAL")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")

    import logging

    import django

    django.setup()
    logging.disable(logging.CRITICAL)  # the 500s' tracebacks: the status says enough

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from mentorship import roster
    from mentorship.accounts import committee_member_add
    from mentorship.models import AuditLog, BusinessUnit, Cohort, Enrollment, Role, Team, User

    setup_test_environment()  # responses keep their context (the form's errors); mail stays here
    call_command("migrate", verbosity=0)
    say(f"database: {connection.vendor}")
    try:
        with transaction.atomic():
            now = timezone.now()
            cohort = Cohort.objects.create(
                name="Bench cohort", slug="bench-hostile-input",
                status=Cohort.Status.INTAKE_OPEN, intake_opens_at=now - timedelta(days=1),
                intake_closes_at=now + timedelta(days=9),
                program_starts_on=(now + timedelta(days=30)).date(),
                program_ends_on=(now + timedelta(days=300)).date(),
            )  # fmt: skip
            committee = committee_member_add(
                user=User.objects.create_user("committee@bench-hostile.example", "x" * 12)
            )
            apm = User.objects.create_user("apm@bench-hostile.example", "x" * 12)
            Enrollment.objects.create(user=apm, cohort=cohort, role=Role.APM)
            unit = BusinessUnit.objects.create(name="Bench unit")
            team = Team.objects.create(name="Bench team", business_unit=unit)
            AuditLog.objects.create(action="bench", summary="bench")
            clients = {"visitor": Client(raise_request_exception=False)}
            for who, user in (("committee", committee), ("apm", apm)):
                clients[who] = Client(raise_request_exception=False)
                clients[who].force_login(user)

            say("status  who        request")
            for who, method, url, data in REQUESTS:
                url = url.format(cohort=cohort.pk)
                with transaction.atomic():
                    response = getattr(clients[who], method)(url, data or {})
                    # A query PostgreSQL refused leaves the transaction unusable.
                    transaction.set_rollback(response.status_code >= 500)
                shown = f"{method.upper()} {url[:80]}{' ' + repr(data) if data else ''}"
                say(f"{response.status_code:<7} {who:<10} {shown}")

            # A name that reads backwards, from the roster import.
            header = "email,full_name,role,business_unit,team,time_zone,interests\n"
            row = ("rtl@bench-hostile.example,Ada\u202e Lovelace,apm,Bench\u202e unit,"
                   "Bench team,America/New_York,career-growth\n")  # fmt: skip
            result = roster.roster_import(data=(header + row).encode(), cohort=cohort)
            stored = User.objects.get(email="rtl@bench-hostile.example").full_name
            users = clients["committee"].get("/admin/mentorship/user/").content.decode()
            say(
                f"roster name: imported={result.ok} stored={stored!r} "
                f"overrides in the admin's user list: {users.count(chr(0x202E))}"
            )

            # The intake form, with an override in the name and a control character in the bio.
            answers = {
                "full_name": "Ava\u202enimda", "bio": "Hi\x01", "title": "APM",
                "business_unit": unit.pk, "team": team.pk, "time_zone": "America/New_York",
                "topics": [1], "goals": "Learn", "career_track": "undecided",
                "cadence": "biweekly",
            }  # fmt: skip
            response = clients["apm"].post(f"/intake/{cohort.slug}/apm/", answers)
            errors = response.context["profile_form"].errors if response.context else {}
            say(
                f"intake: status={response.status_code} "
                f"name stored={User.objects.get(pk=apm.pk).full_name!r} "
                f"field errors={sorted(errors)}"
            )
            raise Rollback
    except Rollback:
        pass
    finally:
        workdir.cleanup()


if __name__ == "__main__":
    main()
