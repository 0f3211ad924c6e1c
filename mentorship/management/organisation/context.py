"""What every step of the seed shares: the size, the clock, the random source, the rows."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone

from matching.models import MatchingRun
from mentorship.models import Cohort, Enrollment, Profile, User
from toolkit.models import Category, Topic

COHORT_SLUG = "organisation-2025"
COHORT_NAME = "Organisation cohort 2025"
EMAIL_DOMAIN = "org.example"


@dataclass(frozen=True)
class Size:
    apms: int
    mentors: int
    meetings_per_pair: int = 2
    survey_responses: int = 5000
    audit_days: int = 365

    @property
    def people(self) -> int:
        return self.apms + self.mentors


@dataclass
class Person:
    user: User
    profile: Profile
    enrollment: Enrollment | None = None
    topics: list[Category] = field(default_factory=list)


@dataclass
class Seed:
    size: Size
    rng: random.Random
    committee: User
    categories: list[Category]
    topics: list[Topic]
    now: datetime = field(default_factory=timezone.now)
    cohort: Cohort | None = None
    run: MatchingRun | None = None
    apms: list[Person] = field(default_factory=list)
    mentors: list[Person] = field(default_factory=list)
    # (apm Person, mentor Person, Match) for every approved pair.
    pairs: list[tuple] = field(default_factory=list)
    # user id → day of the confirmed promotion.
    promotions: dict[int, date] = field(default_factory=dict)
    # Audit rows the steps would have written, saved together at the end.
    audit: list = field(default_factory=list)

    def days_ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def moment_between(self, start: datetime, end: datetime) -> datetime:
        """A moment in [start, end], during office hours when the span allows it."""
        span = (end - start).total_seconds()
        moment = start + timedelta(seconds=self.rng.uniform(0, max(span, 0)))
        if span > 86_400:
            local = timezone.localtime(moment)
            moment = local.replace(hour=self.rng.randint(9, 17), minute=self.rng.randint(0, 59))
        return min(max(moment, start), end)

    @property
    def today(self) -> date:
        return timezone.localdate(self.now)
