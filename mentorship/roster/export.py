"""The roster export: enrollments as a file in the import's format, so it imports back."""

from collections.abc import Iterable, Iterator

from django.core.exceptions import ObjectDoesNotExist

from mentorship.common.spreadsheets import spreadsheet_safe
from mentorship.models import Enrollment, Profile
from mentorship.roster.schema import INTEREST_SEPARATOR, ROSTER_COLUMNS


def roster_export_rows(enrollments: Iterable[Enrollment]) -> Iterator[list[str]]:
    """The header and one row per enrollment, in the import's format.

    Expects ``user__profile`` (with its unit, team and manager) selected and ``topics``
    prefetched. Cells that a spreadsheet would run as a formula get a leading apostrophe,
    which the import takes off again; written with csv_response, they are not guarded twice.
    """
    yield list(ROSTER_COLUMNS)
    for enrollment in enrollments:
        user = enrollment.user
        try:
            profile = user.profile
        except ObjectDoesNotExist:
            profile = Profile(user=user)
        values = {
            "email": user.email,
            "full_name": user.full_name,
            "role": enrollment.role,
            "title": profile.title,
            "business_unit": profile.business_unit.name if profile.business_unit else "",
            "team": profile.team.name if profile.team else "",
            "manager_email": profile.manager.email if profile.manager else "",
            "time_zone": profile.time_zone,
            "interests": INTEREST_SEPARATOR.join(t.slug for t in enrollment.topics.all()),
            "career_track": enrollment.career_track,
            "capacity": "" if enrollment.capacity is None else str(enrollment.capacity),
            "prefers_other_unit": "yes" if enrollment.prefers_other_unit else "no",
            "goals": enrollment.goals,
        }
        yield [spreadsheet_safe(values[column]) for column in ROSTER_COLUMNS]
