"""Attributed survey answers are kept ``ATTRIBUTED_ANSWERS_MONTHS`` months (24 by default).

An attributed response names its author, so it is personal data; the program keeps it
as long as the committee needs it to follow up, then the daily job deletes it (its
answers with it) and writes one audit row saying how many went. Anonymous answers name
nobody and stay: they are the program's record.
"""

import calendar
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mentorship.common.audit import audit_record
from surveys.models import Answer, Response

RETENTION_ACTION = "surveys.attributed_answers_deleted"


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (the month's last day when it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def retention_cutoff(today: date | None = None) -> date:
    """Answers submitted before this day are past the retention period."""
    return months_before(today or timezone.localdate(), settings.ATTRIBUTED_ANSWERS_MONTHS)


@transaction.atomic
def attributed_answers_purge(today: date | None = None) -> int:
    """Delete the attributed responses (and their answers) past the retention period;
    returns how many responses went. Safe to run twice: the second finds none."""
    cutoff = retention_cutoff(today)
    old = Response.objects.filter(user__isnull=False, submitted_on__lt=cutoff)
    ids = list(old.select_for_update().values_list("pk", flat=True))
    if not ids:
        return 0
    answers, _ = Answer.objects.filter(response__in=ids).delete()
    Response.objects.filter(pk__in=ids).delete()
    audit_record(
        actor=None,
        action=RETENTION_ACTION,
        target=None,
        summary=(
            f"Deleted {len(ids):,} attributed survey responses ({answers:,} answers) "
            f"submitted before {cutoff:%B %-d, %Y}: older than "
            f"{settings.ATTRIBUTED_ANSWERS_MONTHS} months"
        ),
        responses=len(ids),
        answers=answers,
        cutoff=cutoff.isoformat(),
    )
    return len(ids)
