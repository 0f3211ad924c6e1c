"""The audit trail: one row for each change the committee answers for."""

from django.db import models

from mentorship.common.models import AuditLog


def audit_target(obj: models.Model | None) -> str:
    """``app.model:pk``, the way audit rows and outbox keys name an object."""
    return f"{obj._meta.label_lower}:{obj.pk}" if obj is not None else ""


def audit_record(
    *, actor, action: str, target: models.Model | None, summary: str, **details
) -> AuditLog:
    """Write one audit row. Call it inside the transaction of the change it records."""
    return AuditLog.objects.create(
        actor=actor, action=action, target=audit_target(target), summary=summary, details=details
    )
