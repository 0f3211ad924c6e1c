"""The committee's HR file of everyone who could have joined: the comparison group.

Every APM of the organisation is in it (their promotions in the file are the confirmed
ones), and as many again who never took part: associates and product managers hired
over the last seven years, a few promoted each year. The outcomes page compares the
two (``surveys.comparison``). The rows are those an import would have written, with
its one audit row.
"""

from datetime import timedelta

from mentorship.common.models import AuditLog
from mentorship.management.organisation.bulk import bulk_insert
from mentorship.management.organisation.context import EMAIL_DOMAIN, Seed
from mentorship.models import Profile
from surveys import eligible
from surveys.models import EligiblePerson, EligiblePromotion

# Non-participants in the file, per APM of the organisation.
OTHERS_PER_APM = 1
HIRED_WITHIN_DAYS = 7 * 365
# Hired after the cohort started: in the file, but in neither group.
HIRED_LATE_SHARE = 0.02
# Non-participants promoted in the year after the start, and once before it.
OTHERS_PROMOTED_SHARE = 0.05
PROMOTED_BEFORE_SHARE = 0.3
OTHER_LEVELS = [Profile.Level.ASSOCIATE] * 3 + [Profile.Level.PRODUCT_MANAGER]


def eligible_population_create(seed: Seed) -> int:
    rng, start = seed.rng, seed.cohort.program_starts_on

    def hired():
        if rng.random() < HIRED_LATE_SHARE:
            return start + timedelta(days=rng.randint(1, 60))
        return start - timedelta(days=rng.randint(30, HIRED_WITHIN_DAYS))

    people, dates = [], []
    for apm in seed.apms:
        promoted = seed.promotions.get(apm.user.pk)
        # The file gives the level now: one up for the promoted.
        level = Profile.Level.PRODUCT_MANAGER if promoted else apm.profile.level
        people.append(
            EligiblePerson(
                email=apm.user.email, title=apm.profile.title, level=level, hired_on=hired()
            )
        )
        dates.append([promoted] if promoted else [])
    for number in range(1, round(len(seed.apms) * OTHERS_PER_APM) + 1):
        person = EligiblePerson(
            email=f"eligible-{number:05d}@{EMAIL_DOMAIN}",
            level=rng.choice(OTHER_LEVELS),
            hired_on=hired(),
        )
        promoted = []
        if rng.random() < PROMOTED_BEFORE_SHARE and person.hired_on < start:
            promoted.append(person.hired_on + (start - person.hired_on) / 2)
        if rng.random() < OTHERS_PROMOTED_SHARE:
            promoted.append(start + timedelta(days=rng.randint(30, 360)))
        people.append(person)
        dates.append(promoted)
    people = bulk_insert(EligiblePerson, people)
    promotions = bulk_insert(
        EligiblePromotion,
        (
            EligiblePromotion(person_id=person.pk, promoted_on=day)
            for person, days in zip(people, dates, strict=True)
            for day in days
        ),
    )
    counts = {"rows": len(people), "created": len(people), "updated": 0, "unchanged": 0,
              "promotions_added": len(promotions), "promotions_removed": 0}  # fmt: skip
    seed.audit.append(
        AuditLog(
            actor=seed.committee,
            action="eligible_population.import",
            target="",
            created_at=seed.now,
            details=counts,
            summary=eligible.AUDIT_SUMMARY % {"summary": eligible.SUMMARY % counts},
        )
    )
    return len(people)
