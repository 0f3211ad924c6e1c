"""The delete confirmation of a row that takes thousands of others with it.

Django lists every row a deletion would take, each by its name and a link. Deleting a
cohort or a matching run of 10,000 people listed tens of thousands, each name a query
or more (a proposal's name is its two people's), and the page took over a minute.
``SummarisedDeletionMixin`` lists the first ``SHOWN_PER_MODEL`` rows of each kind and
says how many more there are; the page's summary still counts every row, and the
permission check still looks at every one (no query: permissions are cached).
"""

from django.contrib.admin.utils import NestedObjects, quote
from django.db import router
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst

SHOWN_PER_MODEL = 20


def deleted_objects_summary(objs, request, admin_site):
    """What ``django.contrib.admin.utils.get_deleted_objects`` returns, with at most
    ``SHOWN_PER_MODEL`` rows of each model named in the list."""
    try:
        obj = objs[0]
    except IndexError:
        return [], {}, set(), []
    collector = NestedObjects(using=router.db_for_write(obj._meta.model), origin=objs)
    collector.collect(objs)
    perms_needed = set()
    shown = {}

    def check(item):
        opts = item._meta
        if admin_site.is_registered(item.__class__):
            model_admin = admin_site.get_model_admin(item.__class__)
            if not model_admin.has_delete_permission(request, item):
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
    model_count = {
        model._meta.verbose_name_plural: len(items)
        for model, items in collector.model_objs.items()
    }
    return to_delete, model_count, perms_needed, protected


class SummarisedDeletionMixin:
    """For admins whose rows cascade to thousands of others (cohorts, runs, surveys)."""

    def get_deleted_objects(self, objs, request):
        return deleted_objects_summary(objs, request, self.admin_site)
