"""Helpers for the lifecycle tests: audit rows written since a point, admin actions."""

from django.contrib.messages import get_messages
from django.db.models import Max

from matching.models import MatchingRun, Proposal
from mentorship.models import AuditLog


def audit_mark() -> int:
    """The newest audit row's id: rows after it were written by the code under test."""
    return AuditLog.objects.aggregate(last=Max("pk"))["last"] or 0


def audit_rows_since(mark: int, action: str | None = None):
    rows = AuditLog.objects.filter(pk__gt=mark)
    return rows.filter(action=action) if action else rows


def the_one_move(mark: int, action: str, *, actor, source, target) -> AuditLog:
    """The single audit row ``action`` wrote since ``mark``, checked for actor, from and to."""
    rows = list(audit_rows_since(mark, action))
    assert len(rows) == 1, f"expected one {action} row, found {len(rows)}"
    row = rows[0]
    assert row.actor == actor
    assert (row.details["from"], row.details["to"]) == (source, target)
    return row


def post_action(client, changelist: str, action: str, *objects, **extra):
    """Run an admin action on ``objects`` from their list page (following the redirect)."""
    data = {"action": action, "_selected_action": [obj.pk for obj in objects], **extra}
    return client.post(changelist, data, follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def make_proposal(*, apm, mentor, status=Proposal.Status.PROPOSED, run=None) -> Proposal:
    """A proposal as a finished run leaves it (no engine needed)."""
    run = run or MatchingRun.objects.create(cohort=apm.cohort, status=MatchingRun.Status.SUCCEEDED)
    return Proposal.objects.create(
        run=run, cohort=apm.cohort, apm=apm, mentor=mentor, score=42, reasons="Shared interests",
        status=status,
    )  # fmt: skip
