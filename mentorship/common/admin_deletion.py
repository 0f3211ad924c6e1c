"""The delete confirmation of a row that takes thousands of others with it.

Django lists every row a deletion would take, each by its name and a link. Deleting a
cohort or a matching run of 10,000 people listed tens of thousands, each name a query
or more (a proposal's name is its two people's), and the page took over a minute.
``SummarisedDeletionMixin`` lists the first ``SHOWN_PER_MODEL`` rows of each kind and
says how many more there are; the page's summary still counts every row, and the
permission check still looks at every one (no query: permissions are cached).

Some rows are not deleted at all: a cohort whose intake has opened, a survey that was
sent. They are the program's history (its outcomes and results count them), and deleting
one would take every enrollment, match and answer with it; a category that holds topics
protects them. ``KeepsHistoryMixin`` refuses in words, with one query, before Django's
collector walks those rows.
"""

from django.contrib import messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import NestedObjects, quote, unquote
from django.db import router
from django.db.models import Q
from django.db.models.deletion import Collector
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst

SHOWN_PER_MODEL = 20


class _CountingCollector(NestedObjects):
    """Django's NestedObjects, except that rows of the ``counted`` models that Django
    could delete without loading them (no signals, nothing depending on them) are not
    loaded: the page counts them with one query."""

    def __init__(self, *args, counted=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.counted = tuple(counted)

    def can_fast_delete(self, objs, from_field=None):
        # Django asks with a model class, a queryset or a row.
        model = objs._meta.model if hasattr(objs, "_meta") else getattr(objs, "model", None)
        return model in self.counted and Collector.can_fast_delete(self, objs, from_field)


def deleted_objects_summary(objs, request, admin_site, counted=()):
    """What ``django.contrib.admin.utils.get_deleted_objects`` returns, with at most
    ``SHOWN_PER_MODEL`` rows of each model named in the list, and the rows of the
    ``counted`` models (people's bookmarks of a topic) only counted."""
    try:
        obj = objs[0]
    except IndexError:
        return [], {}, set(), []
    using = router.db_for_write(obj._meta.model)
    collector = _CountingCollector(using=using, origin=objs, counted=counted)
    collector.collect(objs)
    perms_needed = set()
    shown = {}
    # Rows whose admin keeps history: asked with one query per model below, not per row.
    history_rows = {}

    def check(item):
        opts = item._meta
        if admin_site.is_registered(item.__class__):
            model_admin = admin_site.get_model_admin(item.__class__)
            if isinstance(model_admin, KeepsHistoryMixin):
                history_rows.setdefault(model_admin, []).append(item.pk)
                allowed = model_admin.has_delete_permission(request)
            else:
                allowed = model_admin.has_delete_permission(request, item)
            if not allowed:
                perms_needed.add(opts.verbose_name)

    def name(item):
        opts = item._meta
        try:
            if not admin_site.is_registered(item.__class__):
                raise NoReverseMatch
            url = reverse(
                f"{admin_site.name}:{opts.app_label}_{opts.model_name}_change",
                args=[quote(item.pk)],
            )
        except NoReverseMatch:
            return f"{capfirst(opts.verbose_name)}: {item}"
        return format_html('{}: <a href="{}">{}</a>', capfirst(opts.verbose_name), url, item)

    def nested(item, seen):
        if item in seen:
            return []
        seen.add(item)
        check(item)
        children = [
            line for child in collector.edges.get(item, ()) for line in nested(child, seen)
        ]
        model = item.__class__
        shown[model] = shown.get(model, 0) + 1
        if shown[model] > SHOWN_PER_MODEL:
            return children  # counted below; its own rows are summarised too
        return [name(item), children] if children else [name(item)]

    seen = set()
    to_delete = [line for root in collector.edges.get(None, ()) for line in nested(root, seen)]
    for model, count in shown.items():
        if count > SHOWN_PER_MODEL:
            to_delete.append(
                f"… and {count - SHOWN_PER_MODEL:,} more {model._meta.verbose_name_plural} "
                f"({count:,} in all)"
            )
    protected = []
    for item in collector.protected:
        check(item)
        if len(protected) < SHOWN_PER_MODEL:
            protected.append(name(item))
    if len(collector.protected) > SHOWN_PER_MODEL:
        protected.append(f"… and {len(collector.protected) - SHOWN_PER_MODEL:,} more")
    for model_admin, pks in history_rows.items():
        kept = model_admin.model._default_manager.filter(model_admin.history_filter(), pk__in=pks)
        if kept.exists():
            perms_needed.add(model_admin.model._meta.verbose_name)
    model_count = {
        model._meta.verbose_name_plural: len(items)
        for model, items in collector.model_objs.items()
    }
    for rows in collector.fast_deletes:
        opts = rows.model._meta
        number = rows.count()
        if not number:
            continue
        model_count[opts.verbose_name_plural] = (
            model_count.get(opts.verbose_name_plural, 0) + number
        )
        to_delete.append(
            f"{number:,} {opts.verbose_name_plural if number > 1 else opts.verbose_name}"
        )
        registered = admin_site.is_registered(rows.model)
        if registered and not admin_site.get_model_admin(rows.model).has_delete_permission(
            request
        ):
            perms_needed.add(opts.verbose_name)
    return to_delete, model_count, perms_needed, protected


class SummarisedDeletionMixin:
    """For admins whose rows cascade to thousands of others (cohorts, runs, surveys).

    ``counted_on_delete``: models whose rows the confirmation counts without naming any.
    """

    counted_on_delete = ()

    def get_deleted_objects(self, objs, request):
        return deleted_objects_summary(
            objs, request, self.admin_site, counted=self.counted_on_delete
        )


class KeepsHistoryMixin:
    """Rows that are the program's history (or that others depend on, like a category
    that holds topics) cannot be deleted from the admin.

    A subclass says which rows are history (``history_filter``, and ``is_history`` for one
    row already loaded) and why (``history_reason``, one sentence naming what to do
    instead). Their change form has no Delete link, their delete page goes back to the
    form with the reason, and "Delete selected" refuses before anything is collected.
    """

    history_reason = ""

    def history_filter(self) -> Q:
        raise NotImplementedError

    def is_history(self, obj) -> bool:
        raise NotImplementedError

    def history_refusal(self, rows, *, selected: int = 1) -> str:
        """Why ``rows`` (at most SHOWN_PER_MODEL + 1 of them) cannot be deleted."""
        names = ", ".join(f"“{row}”" for row in rows[:SHOWN_PER_MODEL])
        if len(rows) > SHOWN_PER_MODEL:
            names += " and others"
        opts = self.model._meta
        noun = opts.verbose_name if len(rows) == 1 else opts.verbose_name_plural
        refusal = f"the {noun} {names} cannot be deleted: {self.history_reason}"
        return capfirst(refusal) if selected == 1 else f"Nothing was deleted: {refusal}"

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self.is_history(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self.is_history(obj) and self.has_view_permission(request, obj):
            self.message_user(request, self.history_refusal([obj]), messages.ERROR)
            opts = self.model._meta
            change = reverse(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
                args=[quote(obj.pk)],
            )
            return HttpResponseRedirect(change)
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _, name, description = actions["delete_selected"]
            actions["delete_selected"] = (_delete_selected_unless_history, name, description)
        return actions


def _delete_selected_unless_history(modeladmin, request, queryset):
    # The selected rows, without the list's annotations (counts over their history).
    selected = modeladmin.model._default_manager.filter(pk__in=queryset.values("pk"))
    kept = list(selected.filter(modeladmin.history_filter())[: SHOWN_PER_MODEL + 1])
    if kept:
        refusal = modeladmin.history_refusal(kept, selected=selected.count())
        modeladmin.message_user(request, refusal, messages.ERROR)
        return None
    return delete_selected(modeladmin, request, queryset)
