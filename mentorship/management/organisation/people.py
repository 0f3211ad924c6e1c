"""The organisation's people: units and teams, accounts, profiles and submitted intakes."""

import math
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password

from mentorship.demo import AGENCIES, DEMO_PASSWORD, DOMAINS, FIRST, GOALS, LAST, UNITS
from mentorship.management.organisation.bulk import bulk_insert
from mentorship.management.organisation.context import (
    COHORT_NAME,
    COHORT_SLUG,
    EMAIL_DOMAIN,
    Person,
    Seed,
)
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

# The timeline, in days before the seed runs: a cohort near its end.
INTAKE_OPENED = 320
INTAKE_CLOSED = 290
PROGRAM_STARTED = 280
PROGRAM_ENDS_IN = 40

# Units beyond the demo's, and team names to fill them: about a hundred people a team.
MORE_UNITS = ["Education", "Transportation", "Housing", "Labor", "Agriculture", "Commerce",
              "Energy"]  # fmt: skip
TEAM_NAMES = ["Case Management", "Payments", "Data Platform", "Search", "Notifications",
              "Mobile", "Accessibility", "Eligibility", "Grants", "Licensing", "Permits",
              "Inspections", "Claims", "Scheduling", "Analytics", "Content", "Support Tools",
              "Records Access"]  # fmt: skip
PEOPLE_PER_TEAM = 100
TIME_ZONES = ["America/New_York"] * 5 + ["America/Chicago"] * 3 + ["America/Denver",
              "America/Los_Angeles", "America/Los_Angeles", "America/Phoenix",
              "America/Anchorage", "Pacific/Honolulu"]  # fmt: skip
INITIALS = "ABCDEFGHJKLMNPRSTW"
MENTOR_TITLES = {
    Profile.Level.PRODUCT_MANAGER: "Product Manager",
    Profile.Level.SENIOR: "Senior Product Manager",
    Profile.Level.LEAD: "Lead Product Manager",
    Profile.Level.DIRECTOR: "Director of Product",
}
MENTOR_LEVELS = [Profile.Level.PRODUCT_MANAGER, Profile.Level.SENIOR, Profile.Level.SENIOR,
                 Profile.Level.LEAD, Profile.Level.DIRECTOR]  # fmt: skip
SHARED_CHOICES = [["topics", "goals", "career_track", "cadence"], ["topics", "goals"],
                  ["topics", "career_track", "cadence"], []]  # fmt: skip


def cohort_create(seed: Seed) -> Cohort:
    cohort = Cohort(
        slug=COHORT_SLUG,
        name=COHORT_NAME,
        status=Cohort.Status.ACTIVE,
        intake_opens_at=seed.days_ago(INTAKE_OPENED),
        intake_closes_at=seed.days_ago(INTAKE_CLOSED),
        program_starts_on=seed.today - timedelta(days=PROGRAM_STARTED),
        program_ends_on=seed.today + timedelta(days=PROGRAM_ENDS_IN),
        created_at=seed.days_ago(INTAKE_OPENED + 10),
        updated_at=seed.days_ago(PROGRAM_STARTED),
    )
    bulk_insert(Cohort, [cohort])
    seed.cohort = cohort
    return cohort


def teams_ensure(seed: Seed) -> list[Team]:
    """The demo's teams, and more in more units until teams hold about a hundred people."""
    wanted = max(sum(len(names) for names in UNITS.values()),
                 math.ceil(seed.size.people / PEOPLE_PER_TEAM))  # fmt: skip
    units = {unit.name: unit for unit in BusinessUnit.objects.all()}
    for name in [*UNITS, *MORE_UNITS]:
        if name not in units:
            units[name] = bulk_insert(BusinessUnit, [BusinessUnit(name=name)])[0]
    teams = list(Team.objects.select_related("business_unit").order_by("pk"))
    taken = {(team.business_unit_id, team.name) for team in teams}
    unit_list = [units[name] for name in [*UNITS, *MORE_UNITS]]
    new = []
    index = 0
    while len(teams) + len(new) < wanted:
        unit = unit_list[index % len(unit_list)]
        name = TEAM_NAMES[(index // len(unit_list)) % len(TEAM_NAMES)]
        round_ = index // (len(unit_list) * len(TEAM_NAMES))
        name = f"{name} {round_ + 1}" if round_ else name
        if (unit.pk, name) not in taken:
            new.append(Team(business_unit=unit, name=name))
            taken.add((unit.pk, name))
        index += 1
    teams += bulk_insert(Team, new)
    return teams


def _names(seed: Seed, count: int) -> list[str]:
    """``count`` different names, in a random order (first, initial, last)."""
    combos = len(FIRST) * len(INITIALS) * len(LAST)
    picks = seed.rng.sample(range(combos), count) if count <= combos else list(range(count))
    names = []
    for pick in picks:
        pick %= combos
        first, rest = divmod(pick, len(INITIALS) * len(LAST))
        initial, last = divmod(rest, len(LAST))
        names.append(f"{FIRST[first]} {INITIALS[initial]}. {LAST[last]}")
    return names


def people_create(seed: Seed, teams: list[Team]) -> None:
    """Accounts (verified addresses, one password), profiles and submitted intakes.

    Mentors are spread over the teams; the first mentor of a team leads it and manages
    its other mentors, and each APM reports to a mentor of their own team, so the
    manager rule has something to refuse.
    """
    rng, size = seed.rng, seed.size
    password = make_password(DEMO_PASSWORD)  # hashed once: PBKDF2 is slow on purpose
    names = _names(seed, size.people)
    joined_from, joined_to = seed.days_ago(INTAKE_OPENED + 30), seed.days_ago(INTAKE_CLOSED)
    users = []
    for index in range(size.people):
        role = Role.APM if index < size.apms else Role.MENTOR
        number = index + 1 if role == Role.APM else index - size.apms + 1
        joined = seed.moment_between(joined_from, joined_to)
        users.append(
            User(
                email=f"{role}-{number:05d}@{EMAIL_DOMAIN}",
                full_name=names[index],
                password=password,
                date_joined=joined,
                last_login=seed.moment_between(joined, seed.days_ago(1)),
            )
        )
    users = bulk_insert(User, users)
    bulk_insert(
        EmailAddress,
        (EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users),
    )
    apm_users, mentor_users = users[: size.apms], users[size.apms :]

    leads: dict[int, User] = {}
    team_mentors: dict[int, list[User]] = {}
    profiles = []
    for index, user in enumerate(mentor_users):
        team = teams[index % len(teams)]
        lead = leads.setdefault(team.pk, user)
        team_mentors.setdefault(team.pk, []).append(user)
        level = rng.choice(MENTOR_LEVELS) if lead is not user else Profile.Level.LEAD
        profiles.append(
            _profile(seed, user, team=team, level=level, manager=None if lead is user else lead)
        )
    for index, user in enumerate(apm_users):
        # A different stride from the mentors', so APMs and mentors of a team differ.
        team = teams[(index * 7 + 3) % len(teams)]
        managers = team_mentors.get(team.pk) or [None]
        profiles.append(
            _profile(seed, user, team=team, level=Profile.Level.ASSOCIATE,
                     manager=rng.choice(managers[:3]))
        )  # fmt: skip
    profiles = bulk_insert(Profile, profiles)
    by_user = {profile.user_id: profile for profile in profiles}
    seed.apms = [Person(user, by_user[user.pk]) for user in apm_users]
    seed.mentors = [Person(user, by_user[user.pk]) for user in mentor_users]
    _enrollments_create(seed)


def _profile(seed: Seed, user: User, *, team: Team, level: str, manager: User | None):
    rng = seed.rng
    apm = level == Profile.Level.ASSOCIATE
    return Profile(
        user=user,
        title="Associate Product Manager" if apm else MENTOR_TITLES[level],
        level=level,
        business_unit_id=team.business_unit_id,
        team=team,
        manager=manager,
        time_zone=rng.choice(TIME_ZONES),
        years_in_product=rng.randint(0, 2) if apm else rng.randint(4, 20),
        agencies=rng.sample(AGENCIES, rng.randint(1, 3)),
        domains=rng.sample(DOMAINS, rng.randint(1, 2)),
        pronouns=rng.choice(["", "", "she/her", "he/him", "they/them"]),
        created_at=user.date_joined,
        updated_at=user.date_joined,
    )


def mentor_capacities(seed: Seed) -> list[int]:
    """Capacities of 1 to 3 (mostly 2), raised where needed so every APM has a slot."""
    rng, size = seed.rng, seed.size
    capacities = [rng.choice([1, 2, 2, 2, 3]) for _ in range(size.mentors)]
    index = 0
    while sum(capacities) < size.apms:
        if capacities[index % size.mentors] < 3:
            capacities[index % size.mentors] += 1
        index += 1
    return capacities


def _enrollments_create(seed: Seed) -> None:
    rng, cohort = seed.rng, seed.cohort
    opened, closed = seed.days_ago(INTAKE_OPENED), seed.days_ago(INTAKE_CLOSED)
    capacities = mentor_capacities(seed)
    rows = []
    for person in seed.apms:
        person.topics = rng.sample(seed.categories, min(len(seed.categories), rng.randint(2, 4)))
        submitted = seed.moment_between(opened, closed)
        rows.append(
            Enrollment(
                user=person.user, cohort=cohort, role=Role.APM,
                status=Enrollment.Status.SUBMITTED, submitted_at=submitted,
                career_track=rng.choice(CareerTrack.values), cadence=rng.choice(Cadence.values),
                goals=rng.choice(GOALS), prefers_other_unit=rng.random() < 0.8,
                shared_with_mentor=rng.choice(SHARED_CHOICES),
                notes_for_committee=rng.choice(["", "", "", "I'm on leave in December."]),
                created_at=submitted, updated_at=submitted,
            )
        )  # fmt: skip
    for person, capacity in zip(seed.mentors, capacities, strict=True):
        person.topics = rng.sample(seed.categories, min(len(seed.categories), rng.randint(3, 5)))
        submitted = seed.moment_between(opened, closed)
        rows.append(
            Enrollment(
                user=person.user, cohort=cohort, role=Role.MENTOR,
                status=Enrollment.Status.SUBMITTED, submitted_at=submitted, capacity=capacity,
                career_track=rng.choice([CareerTrack.PEOPLE_MANAGER,
                                         CareerTrack.INDIVIDUAL_CONTRIBUTOR]),
                cadence=rng.choice(Cadence.values),
                created_at=submitted, updated_at=submitted,
            )
        )  # fmt: skip
    enrollments = bulk_insert(Enrollment, rows)
    people = [*seed.apms, *seed.mentors]
    for person, enrollment in zip(people, enrollments, strict=True):
        person.enrollment = enrollment
    through = Enrollment.topics.through
    bulk_insert(
        through,
        (
            through(enrollment_id=person.enrollment.pk, category_id=category.pk)
            for person in people
            for category in person.topics
        ),
    )
