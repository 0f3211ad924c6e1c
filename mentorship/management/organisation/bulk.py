"""Writing many rows fast, with the timestamps the seed chooses."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import models
from django.utils import timezone

BATCH_SIZE = 2000


@contextmanager
def timestamps_as_given(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let ``created_at``/``updated_at`` keep the values set on each object.

    ``auto_now_add`` and ``auto_now`` would stamp every seeded row with the moment of
    seeding, and a year of history would all have happened today. The flags are turned
    off only for the duration of the block (one thread: a management command or a test).
    """
    fields = [
        field
        for model in model_classes
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def bulk_insert(model: type[models.Model], rows: Iterable[models.Model]) -> list[models.Model]:
    """Insert in batches; a row without a timestamp gets "now" (what the field would do)."""
    rows = list(rows)
    now = timezone.now()
    stamped = [
        field.attname
        for field in model._meta.concrete_fields
        if isinstance(field, models.DateTimeField) and field.name in ("created_at", "updated_at")
    ]
    for row in rows:
        for name in stamped:
            if getattr(row, name) is None:
                setattr(row, name, getattr(row, "created_at", None) or now)
    return model.objects.bulk_create(rows, batch_size=BATCH_SIZE)
