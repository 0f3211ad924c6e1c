"""Declared lifecycles, and the one helper that moves a row from one state to another.

A model with a lifecycle declares, beside its ``Status`` choices, which moves it allows::

    lifecycle = Lifecycle(
        {Status.DRAFT: {Status.OPEN}, Status.OPEN: {Status.CLOSED}},
        advice="Surveys go draft → open → closed.",
    )

``transition`` is the only code that changes such a status: it locks the row, checks
the move is declared, saves the new state with any fields that go with it, and writes
an audit row with the acting person, the old and the new state. ``transition_many``
does the same for a whole set in one statement (superseding thousands of proposals)
with one audit row; ``transition_each`` moves a set of rows the caller has locked in
one statement, with one audit row each (approving thousands of proposals). A refused
move raises ``ValidationError`` in plain words.
"""

from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from mentorship.common.audit import audit_record, audit_target
from mentorship.common.models import AuditLog

TRANSITION_REFUSED = (
    "This %(thing)s is “%(current)s”, so it cannot become “%(target)s”. %(advice)s"
)


@dataclass(frozen=True)
class Lifecycle:
    """The allowed moves of a status field, and what to tell someone whose move is refused."""

    moves: Mapping[str, Set[str]]
    advice: str = ""
    status_field: str = "status"
    # The refusal, with %(thing)s, %(current)s, %(target)s and %(advice)s to fill in.
    refused: str = TRANSITION_REFUSED
    # Per target state, a better sentence than ``advice`` ("Only a proposal waiting for
    # review can be approved").
    refusals: Mapping[str, str] = field(default_factory=dict)

    def allows(self, current: str, target: str) -> bool:
        return target in self.moves.get(current, ())

    def sources(self, target: str) -> set[str]:
        """Every state from which ``target`` can be reached in one move."""
        return {state for state, targets in self.moves.items() if target in targets}

    def check(self, instance: models.Model, target: str) -> None:
        current = getattr(instance, self.status_field)
        if self.allows(current, target):
            return
        choices = dict(instance._meta.get_field(self.status_field).choices)
        params = {
            "thing": instance._meta.verbose_name,
            "current": choices.get(current, current),
            "target": choices.get(target, target),
            "advice": self.advice,
        }
        raise ValidationError(
            self.refusals.get(target, self.refused),
            code="transition_not_allowed",
            params=params,
        )


def _lifecycle(model: type[models.Model]) -> Lifecycle:
    return model.lifecycle


def _stamped(model: type[models.Model], fields: list[str]) -> list[str]:
    has_updated_at = any(f.name == "updated_at" for f in model._meta.concrete_fields)
    return [*fields, "updated_at"] if has_updated_at else fields


@transaction.atomic
def transition(
    instance: models.Model,
    *,
    to: str,
    actor,
    action: str,
    summary: str,
    changes: Mapping | None = None,
    lock: bool = True,
    **details,
) -> models.Model:
    """Move one row to ``to`` if its lifecycle allows it; returns the row as saved.

    ``changes`` are other fields saved with the move (``ended_at``, ``decided_by``).
    With ``lock=False`` the caller has already locked ``instance`` in this transaction.
    The caller's object is kept in step with what was saved.
    """
    model = type(instance)
    lifecycle = _lifecycle(model)
    row = model._default_manager.select_for_update().get(pk=instance.pk) if lock else instance
    previous = getattr(row, lifecycle.status_field)
    lifecycle.check(row, to)
    changes = dict(changes or {})
    setattr(row, lifecycle.status_field, to)
    for name, value in changes.items():
        setattr(row, name, value)
    fields = _stamped(model, [lifecycle.status_field, *changes])
    row.save(update_fields=fields)
    audit_record(
        actor=actor, action=action, target=row, summary=summary,
        **{"from": previous, "to": to}, **details,
    )  # fmt: skip
    if row is not instance:
        for name in fields:
            setattr(instance, name, getattr(row, name))
    return row


@transaction.atomic
def transition_many(
    queryset: models.QuerySet,
    *,
    to: str,
    actor,
    action: str,
    summary: str,
    changes: Mapping | None = None,
    **details,
) -> int:
    """Move every row of ``queryset`` that may reach ``to``; the others are left alone.

    One UPDATE and one audit row (with the ids moved), however many rows: the rows are
    locked first, so a concurrent single move waits instead of being overwritten.
    Returns how many moved.
    """
    model = queryset.model
    lifecycle = _lifecycle(model)
    sources = lifecycle.sources(to)
    movable = queryset.filter(**{f"{lifecycle.status_field}__in": sources})
    ids = list(movable.select_for_update().order_by("pk").values_list("pk", flat=True))
    if not ids:
        return 0
    values = {lifecycle.status_field: to, **(changes or {})}
    if "updated_at" in _stamped(model, []):
        values["updated_at"] = timezone.now()
    moved = movable.update(**values)
    audit_record(
        actor=actor, action=action, target=None, summary=summary,
        **{"from": sorted(sources), "to": to}, ids=ids, count=moved, **details,
    )  # fmt: skip
    return moved


def transition_each(
    instances: list[models.Model],
    *,
    to: str,
    actor,
    action: str,
    summary: Callable[[models.Model], str],
    changes: Mapping | None = None,
    details: Callable[[models.Model], dict] = lambda row: {},
) -> None:
    """Move rows the caller has locked, each audited as ``transition`` would, in bulk.

    Every move is checked first (one refused move refuses them all, nothing saved);
    then one UPDATE and one insert of the audit rows, however many rows.
    """
    if not instances:
        return
    model = type(instances[0])
    lifecycle = _lifecycle(model)
    for row in instances:
        lifecycle.check(row, to)
    values = {lifecycle.status_field: to, **(changes or {})}
    if "updated_at" in _stamped(model, []):
        values["updated_at"] = timezone.now()
    audits = [
        AuditLog(
            actor=actor,
            action=action,
            target=audit_target(row),
            summary=summary(row),
            details={"from": getattr(row, lifecycle.status_field), "to": to, **details(row)},
        )
        for row in instances
    ]
    model._default_manager.filter(pk__in=[row.pk for row in instances]).update(**values)
    AuditLog.objects.bulk_create(audits)
    for row in instances:
        for name, value in values.items():
            setattr(row, name, value)
