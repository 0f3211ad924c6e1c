"""Demo data for trying the program locally: `python manage.py seed_demo`.

Idempotent: it looks people and cohorts up by their natural keys and only creates
what is missing, so running it twice changes nothing (passwords included).
"""

from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from mentorship.models import Cohort, Enrollment, Role, User
from mentorship.services import committee_member_add

DEMO_PASSWORD = "mentorship-demo-2026"  # noqa: S105 - published on purpose, demo only
DEMO_COHORT_SLUG = "demo-2026"
COMMITTEE_EMAIL = "committee@example.com"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    full_name: str
    role: str | None = None


DEMO_PEOPLE = [
    DemoPerson(COMMITTEE_EMAIL, "Casey Committee"),
    DemoPerson("apm@example.com", "Avery Park", Role.APM),
    DemoPerson("apm2@example.com", "Jordan Lee", Role.APM),
    DemoPerson("apm3@example.com", "Sam Rivera", Role.APM),
    DemoPerson("mentor@example.com", "Morgan Chen", Role.MENTOR),
    DemoPerson("mentor2@example.com", "Riley Okafor", Role.MENTOR),
]


def _demo_user(person: DemoPerson) -> User:
    user, created = User.objects.get_or_create(
        email=person.email, defaults={"full_name": person.full_name}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    # A verified primary address lets demo people sign in with verification on.
    EmailAddress.objects.get_or_create(
        user=user, email=person.email, defaults={"verified": True, "primary": True}
    )
    return user


def _demo_cohort() -> Cohort:
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    cohort, _ = Cohort.objects.get_or_create(
        slug=DEMO_COHORT_SLUG,
        defaults={
            "name": "Demo cohort 2026",
            "status": Cohort.Status.INTAKE_OPEN,
            "intake_opens_at": now - timedelta(days=7),
            "intake_closes_at": now + timedelta(days=21),
            "program_starts_on": (now + timedelta(days=30)).date(),
            "program_ends_on": (now + timedelta(days=30 + 270)).date(),
        },
    )
    return cohort


@transaction.atomic
def seed_demo() -> dict:
    cohort = _demo_cohort()
    logins = []
    for person in DEMO_PEOPLE:
        user = _demo_user(person)
        if person.role is None:
            committee_member_add(user=user)
            logins.append(("committee", person.email))
            continue
        Enrollment.objects.get_or_create(
            user=user,
            cohort=cohort,
            role=person.role,
            defaults={"status": Enrollment.Status.SUBMITTED, "submitted_at": timezone.now()},
        )
        logins.append((person.role, person.email))
    return {"cohort": cohort, "logins": logins, "password": DEMO_PASSWORD}
