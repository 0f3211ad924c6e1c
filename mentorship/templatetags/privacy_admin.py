"""The admin dashboard tells the committee of accounts deleted lately (issue 16)."""

from datetime import timedelta

from django import template
from django.utils import timezone

from mentorship.common.models import AuditLog
from mentorship.privacy import ERASED_ACTION

register = template.Library()
RECENT_DAYS = 30


@register.simple_tag
def recent_erasures(limit: int = 10) -> list[AuditLog]:
    """The last deletions of the past 30 days, newest first (read from the log's index)."""
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    return list(
        AuditLog.objects.filter(action=ERASED_ACTION, created_at__gte=since).order_by(
            "-created_at", "-id"
        )[:limit]
    )
