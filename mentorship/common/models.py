"""Model pieces every app uses. Imports nothing of the apps (the user model by name)."""

from django.conf import settings
from django.db import models

from mentorship.common.text import strip_control_characters


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class NameField(models.CharField):
    """A person's, business unit's or team's name, stored without control or bidirectional
    characters, whichever way it arrives (forms, the roster import, a shell).

    An override character makes a name read backwards wherever it is shown, the admin's
    lists included. Stripped on every write (``save``, ``bulk_create``, ``bulk_update``
    and ``update`` all prepare the value here) and in lookups, so a search finds the name
    as stored. The schema is a plain CharField's: migrations see one.
    """

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return strip_control_characters(value) if isinstance(value, str) else value

    def pre_save(self, model_instance, add):
        # Keep the instance in step with what is stored.
        value = self.get_prep_value(super().pre_save(model_instance, add))
        setattr(model_instance, self.attname, value)
        return value

    def deconstruct(self):
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


class AuditLog(models.Model):
    """Who did what, for the changes the committee answers for (append-only)."""

    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(max_length=60, db_index=True)
    target = models.CharField(max_length=120, blank=True, help_text="app.model:pk")
    summary = models.TextField()
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The log's order, whole: a page of the admin list (or a date range of it) is
        # read from the index, rows tied on created_at included, with nothing to sort.
        indexes = [models.Index(fields=["-created_at", "-id"], name="auditlog_newest_first")]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}: {self.summary}"
