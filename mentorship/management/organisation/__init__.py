"""A whole organisation on top of the demo, fast: `python manage.py seed_organisation`.

For load tests and benchmarks (benchmarks/pages.py): thousands of people with profiles
and submitted intakes, a finished matching run whose proposals were all approved into
active matches, meetings, promotions, a closed and sealed anonymous survey with its
answers, an open one, the outbox's sent emails and a year of audit rows.

Rows are written with ``bulk_create`` in batches, not through the services, but they
are the rows the services would have written (same states, keys, audit actions and
constraints), dated along a cohort that is near its end. It runs once per database:
a second run refuses rather than doubling the organisation.
"""

import random
import time

from django.db import transaction

from matching.models import Match, MatchingRun, Meeting, Proposal, RematchRequest
from mentorship.common.models import AuditLog
from mentorship.demo import COMMITTEE_EMAIL, seed_demo
from mentorship.journey import journey_cohorts, snapshot_build
from mentorship.management.organisation import eligible, history, pairs, people, surveys
from mentorship.management.organisation.bulk import timestamps_as_given
from mentorship.management.organisation.context import COHORT_SLUG, EMAIL_DOMAIN, Seed, Size
from mentorship.models import (
    BusinessUnit,
    Cohort,
    Enrollment,
    Notification,
    NotificationPreference,
    Profile,
    Promotion,
    Team,
    User,
)
from surveys.models import Invitation, Survey
from toolkit.models import Bookmark, Category, Topic

__all__ = ["ALREADY_SEEDED", "COHORT_SLUG", "EMAIL_DOMAIN", "TOO_FEW_MENTORS", "SeedRefusedError",
           "Size", "organisation_seed"]  # fmt: skip

ALREADY_SEEDED = (
    "This database already holds the organisation (cohort “%(slug)s”); nothing was changed. "
    "Seed a fresh database instead."
)
TOO_FEW_MENTORS = (
    "%(mentors)s mentors can take at most %(slots)s APMs (3 each), fewer than %(apms)s. "
    "Ask for more mentors or fewer APMs."
)
TIMESTAMPED = (User, BusinessUnit, Team, Profile, Cohort, Enrollment, MatchingRun, Proposal,
               Match, Meeting, Notification, NotificationPreference, Promotion, Survey,
               Invitation, RematchRequest, Bookmark, AuditLog)  # fmt: skip


class SeedRefusedError(Exception):
    """The seed cannot run on this database or with these numbers; nothing was written."""


def journey_snapshot_build_all() -> None:
    for cohort in journey_cohorts():
        snapshot_build(cohort=cohort)


def organisation_seed(size: Size, *, random_seed: int = 2026, report=None) -> dict:
    """Build the organisation in one transaction; returns counts and seconds per step."""
    if size.apms < 1 or size.mentors < 1:
        raise SeedRefusedError("Ask for at least one APM and one mentor.")
    if size.mentors * 3 < size.apms:
        raise SeedRefusedError(
            TOO_FEW_MENTORS
            % {"mentors": size.mentors, "slots": size.mentors * 3, "apms": size.apms}
        )
    timings = {}

    def step(name, function, *args):
        started = time.perf_counter()
        result = function(*args)
        timings[name] = round(time.perf_counter() - started, 2)
        if report:
            report(f"{name}: {timings[name]:.1f} s")
        return result

    with transaction.atomic():
        if Cohort.objects.filter(slug=COHORT_SLUG).exists():
            raise SeedRefusedError(ALREADY_SEEDED % {"slug": COHORT_SLUG})
        step("demo", seed_demo)
        seed = Seed(
            size=size,
            # Same organisation on every machine; nothing here is secret.
            rng=random.Random(random_seed),  # noqa: S311
            committee=User.objects.get(email=COMMITTEE_EMAIL),
            categories=list(Category.objects.order_by("order", "pk")),
            topics=list(Topic.objects.filter(is_published=True).order_by("pk")),
        )
        with timestamps_as_given(*TIMESTAMPED):
            step("cohort", people.cohort_create, seed)
            teams = step("teams", people.teams_ensure, seed)
            step("people", people.people_create, seed, teams)
            step("matching", pairs.matching_create, seed)
            step("meetings", pairs.meetings_create, seed)
            step("promotions", surveys.promotions_create, seed)
            step("closed survey", surveys.closed_survey_create, seed)
            step("open survey", surveys.open_survey_create, seed)
            step("eligible population", eligible.eligible_population_create, seed)
            step("bookmarks", history.bookmarks_and_preferences_create, seed)
            step("rematch requests", history.rematch_requests_create, seed)
            audit_rows = step("audit", history.audit_write, seed)
        # As in service: the journey page has a snapshot to read (mentorship.journey).
        step("journey", journey_snapshot_build_all)
    return {
        "cohort": seed.cohort,
        "apms": len(seed.apms),
        "mentors": len(seed.mentors),
        "matches": len(seed.pairs),
        "audit_rows": audit_rows,
        "seconds": timings,
    }
