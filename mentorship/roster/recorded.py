"""What the database already holds for the people in a file, read in batches.

A fixed number of queries per batch of people, whatever the file's size: validation
asks for accounts and managers, the plan for profiles, enrollments and their topics.
"""

from dataclasses import dataclass, field

from django.db.models.functions import Lower

from mentorship.models import Cohort, Enrollment, Profile, User
from mentorship.roster.batches import chunks


def users_by_email(emails: set[str]) -> dict[str, User]:
    # Lower() matches addresses recorded with capitals, and uses the unique index on it.
    return {
        user.email_key: user
        for chunk in chunks(sorted(emails))
        for user in User.objects.annotate(email_key=Lower("email"))
        .filter(email_key__in=chunk)
        .only("pk", "email", "full_name")
    }


def recorded_managers(emails: set[str]) -> dict[str, str]:
    """Lowercased email → their recorded manager's, for those who have one."""
    return dict(
        pair
        for chunk in chunks(sorted(emails))
        for pair in Profile.objects.annotate(
            email_key=Lower("user__email"), manager_key=Lower("manager__email")
        )
        .filter(email_key__in=chunk, manager__isnull=False)
        .values_list("email_key", "manager_key")
    )


@dataclass
class Recorded:
    profiles: dict[int, Profile] = field(default_factory=dict)  # by user id
    enrollments: dict[tuple[int, str], Enrollment] = field(default_factory=dict)  # (user, role)
    # enrollment id → category id → id of the row linking them
    topic_links: dict[int, dict[int, int]] = field(default_factory=dict)


def recorded_for(*, cohort: Cohort, user_ids: list[int]) -> Recorded:
    """What is recorded for these people: profiles, enrollments in the cohort, topics."""
    recorded = Recorded()
    for chunk in chunks(user_ids):
        recorded.profiles.update(
            (profile.user_id, profile) for profile in Profile.objects.filter(user_id__in=chunk)
        )
        recorded.enrollments.update(
            ((enrollment.user_id, enrollment.role), enrollment)
            for enrollment in Enrollment.objects.filter(cohort=cohort, user_id__in=chunk)
        )
    through = Enrollment.topics.through
    for chunk in chunks([enrollment.pk for enrollment in recorded.enrollments.values()]):
        links = through.objects.filter(enrollment_id__in=chunk)
        for link_id, enrollment_id, category_id in links.values_list(
            "id", "enrollment_id", "category_id"
        ):
            recorded.topic_links.setdefault(enrollment_id, {})[category_id] = link_id
    return recorded
