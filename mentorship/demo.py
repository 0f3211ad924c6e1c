"""Demo data for trying the program locally: `python manage.py seed_demo`.

A realistic cohort: about 40 APMs and 25 mentors across five business units, with
managers (so the matching rules have something to refuse), interests and capacities.
Idempotent: people and cohorts are looked up by their natural keys and only what is
missing is created, so running it twice changes nothing (passwords and two-factor
secrets included).

The committee account opens the admin, which needs two-factor sign-in (issue 12): it
gets an authenticator app with a fresh random secret the first time, printed once for an
authenticator app on a phone, and ``manage.py demo_totp_code`` prints its current code
on a developer's machine.
"""

import random
import time
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from allauth.mfa.utils import decrypt
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from mentorship.accounts import committee_member_add
from mentorship.models import (
    BusinessUnit,
    Cadence,
    CareerTrack,
    Cohort,
    Enrollment,
    Profile,
    Role,
    Team,
    User,
)
from mentorship.selectors import has_totp
from surveys.demo import survey_demo_install
from toolkit.content import starter_topics_install
from toolkit.models import Category

DEMO_PASSWORD = "mentorship-demo-2026"  # noqa: S105 - published on purpose, demo only
DEMO_COHORT_SLUG = "demo-2026"
COMMITTEE_EMAIL = "committee@example.com"
DEMO_APM_EMAIL = "apm@example.com"
DEMO_MENTOR_EMAIL = "mentor@example.com"
# The demo accounts that open the admin, so have an authenticator app; the only ones
# demo_totp_code gives codes for.
DEMO_TWO_FACTOR_EMAILS = (COMMITTEE_EMAIL,)
APM_COUNT = 40
MENTOR_COUNT = 25

UNITS = {
    "Veterans Services": ["Benefits Portal", "Health Records", "Appeals Modernization"],
    "Health": ["Marketplace", "Quality Payments", "Provider Data"],
    "Benefits and Tax": ["Filing Experience", "Identity", "Notices"],
    "Civic Digital": ["Design System", "Forms Platform"],
    "Defense and Security": ["Logistics Tools", "Clearance Services"],
}
AGENCIES = ["VA", "CMS", "IRS", "USCIS", "DoD", "SBA", "HHS", "GSA"]
DOMAINS = ["veterans' benefits", "health care", "tax", "immigration", "identity",
           "payments", "logistics", "forms and notices"]  # fmt: skip
TIME_ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
FIRST = ["Avery", "Jordan", "Sam", "Riley", "Morgan", "Casey", "Quinn", "Taylor", "Jamie",
         "Alex", "Drew", "Rowan", "Sasha", "Kai", "Noor", "Priya", "Mateo", "Amara", "Lena",
         "Theo", "Imani", "Diego", "Hana", "Omar", "Ines", "Malik", "Yara", "Felix", "Zoe",
         "Ravi", "Elena", "Tariq", "Mei", "Jonah", "Aisha", "Luca", "Nia", "Kenji", "Sofia",
         "Ade", "Marta", "Idris", "Lucia", "Ezra", "Farah"]  # fmt: skip
LAST = ["Park", "Lee", "Rivera", "Okafor", "Chen", "Nguyen", "Patel", "Garcia", "Kim",
        "Johnson", "Haddad", "Silva", "Novak", "Mensah", "Ito", "Cohen", "Reyes", "Osei",
        "Larsen", "Ahmed", "Brooks", "Costa", "Dubois", "Evans", "Fischer", "Gupta",
        "Hughes", "Ivanova", "Jensen", "Khan"]  # fmt: skip
GOALS = [
    "Get comfortable leading discovery with agency partners and writing a roadmap I can defend.",
    "Understand how contracts and task orders shape what my team can do.",
    "Decide whether the people manager track is for me, and what to practise now.",
    "Build confidence presenting to agency stakeholders and saying no to scope creep.",
    "Learn how experienced PMs plan research under the Paperwork Reduction Act.",
    "Prepare for a promotion conversation in the next six months.",
]


def _verified_user(email: str, full_name: str) -> User:
    user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    # A verified primary address lets demo people sign in with verification on.
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _demo_two_factor(user: User) -> dict | None:
    """Give a demo account an authenticator app, unless it has one.

    Returns the new secret and its ``otpauth://`` link (what the QR code holds), or None
    when there was one already: the secret is printed once, when it is made. A random
    secret, not one written here, so no two demo databases share a code.
    """
    if has_totp(user):
        return None
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    url = get_mfa_adapter().build_totp_url(user, secret)
    return {"email": user.email, "secret": secret, "url": url}


def demo_totp_code(user: User) -> tuple[str, int]:
    """The current code of a demo account's authenticator app, and seconds it has left.

    Raises Authenticator.DoesNotExist if the account has none.
    """
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt(authenticator.data["secret"])
    now = time.time()
    period = mfa_settings.TOTP_PERIOD
    code = format_hotp_value(hotp_value(secret, int(now) // period))
    return code, period - int(now) % period


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


def _teams() -> list[Team]:
    teams = []
    for unit_name, team_names in UNITS.items():
        unit, _ = BusinessUnit.objects.get_or_create(name=unit_name)
        for name in team_names:
            team, _ = Team.objects.get_or_create(business_unit=unit, name=name)
            teams.append(team)
    return teams


def _people(rng: random.Random):
    """(email, name, role) for everyone in the demo, the named demo accounts first."""
    names = [f"{first} {last}" for first in FIRST for last in LAST]
    rng.shuffle(names)
    people = [(DEMO_APM_EMAIL, "Avery Park", Role.APM), (DEMO_MENTOR_EMAIL, "Morgan Chen",
              Role.MENTOR)]  # fmt: skip
    taken = {"Avery Park", "Morgan Chen"}
    names = [name for name in names if name not in taken]
    for i in range(2, APM_COUNT + 1):
        people.append((f"apm{i}@example.com", names.pop(), Role.APM))
    for i in range(2, MENTOR_COUNT + 1):
        people.append((f"mentor{i}@example.com", names.pop(), Role.MENTOR))
    return people


def _profile(user, *, team, manager, rng, role):
    profile, _ = Profile.objects.get_or_create(
        user=user,
        defaults={
            "title": "Associate Product Manager" if role == Role.APM else rng.choice(
                ["Product Manager", "Senior Product Manager", "Lead Product Manager"]),
            "level": Profile.Level.ASSOCIATE if role == Role.APM else rng.choice(
                [Profile.Level.PRODUCT_MANAGER, Profile.Level.SENIOR, Profile.Level.LEAD]),
            "business_unit": team.business_unit,
            "team": team,
            "manager": manager,
            "time_zone": rng.choice(TIME_ZONES),
            "years_in_product": rng.randint(0, 2) if role == Role.APM else rng.randint(4, 15),
            "agencies": rng.sample(AGENCIES, rng.randint(1, 3)),
            "domains": rng.sample(DOMAINS, rng.randint(1, 2)),
        },
    )  # fmt: skip
    return profile


@transaction.atomic
def demo_reset() -> dict:
    """Erase every row and seed the demo afresh: the site as `make run` first showed it.

    For a developer's machine only (the command refuses without DEBUG). Flushing sends
    post_migrate, so the committee group and the cache table are made again; the
    starter toolkit comes back with the demo.
    """
    call_command("flush", interactive=False, verbosity=0)
    return seed_demo()


def seed_demo() -> dict:
    # Same people, teams and answers on every machine; not used for anything secret.
    rng = random.Random(2026)  # noqa: S311
    starter_topics_install()  # the categories the intakes choose from, after a flush too
    cohort = _demo_cohort()
    teams = _teams()
    categories = list(Category.objects.all())
    committee = _verified_user(COMMITTEE_EMAIL, "Casey Committee")
    committee_member_add(user=committee)
    made = _demo_two_factor(committee)
    two_factor = [made] if made else []

    people = _people(rng)
    mentors = [p for p in people if p[2] == Role.MENTOR]
    # The first mentor of each team leads it and manages its APMs, so some APM-mentor
    # pairs are off limits (the manager rule) and the rest are spread across units.
    team_lead = {}
    for index, (email, name, _) in enumerate(mentors):
        team = teams[index % len(teams)]
        user = _verified_user(email, name)
        team_lead.setdefault(team.pk, user)
        _profile(user, team=team, manager=None, rng=rng, role=Role.MENTOR)
        enrollment, created = Enrollment.objects.get_or_create(
            user=user, cohort=cohort, role=Role.MENTOR,
            defaults={
                "capacity": rng.choice([1, 2, 2, 2, 3]),
                "career_track": rng.choice([CareerTrack.PEOPLE_MANAGER,
                                            CareerTrack.INDIVIDUAL_CONTRIBUTOR]),
                "cadence": rng.choice(Cadence.values),
                "submitted_at": timezone.now(),
            },
        )  # fmt: skip
        if created:
            enrollment.topics.set(rng.sample(categories, rng.randint(3, 5)))

    for index, (email, name, _) in enumerate(p for p in people if p[2] == Role.APM):
        team = teams[(index * 7) % len(teams)]
        user = _verified_user(email, name)
        _profile(user, team=team, manager=team_lead.get(team.pk), rng=rng, role=Role.APM)
        topics = rng.sample(categories, rng.randint(2, 4))
        enrollment, created = Enrollment.objects.get_or_create(
            user=user, cohort=cohort, role=Role.APM,
            defaults={
                "goals": rng.choice(GOALS),
                "career_track": rng.choice(CareerTrack.values),
                "cadence": rng.choice(Cadence.values),
                "prefers_other_unit": rng.random() < 0.8,
                "shared_with_mentor": ["topics", "goals", "career_track", "cadence"],
                "submitted_at": timezone.now(),
            },
        )  # fmt: skip
        if created:
            enrollment.topics.set(topics)

    survey_demo_install()

    logins = [("committee", COMMITTEE_EMAIL), ("apm", DEMO_APM_EMAIL),
              ("mentor", DEMO_MENTOR_EMAIL)]  # fmt: skip
    return {
        "cohort": cohort,
        "logins": logins,
        "password": DEMO_PASSWORD,
        "two_factor": two_factor,
        "apms": APM_COUNT,
        "mentors": MENTOR_COUNT,
    }
