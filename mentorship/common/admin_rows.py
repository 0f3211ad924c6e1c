"""The cells of an admin change list, drawn as Django draws them, with less work a cell.

Django's ``items_for_result`` works out each column's kind for every row: it looks the
name up among the model's fields (raising and catching an exception for every column
that is not one), asks for the empty-value text, decides which column links to the row,
and builds each cell with two ``format_html`` calls. At 25 rows of ten columns the cells
were a quarter of a list's time (about 6 ms of 25 at 10,000 people), and this overhead
about 2 ms of it; the rest is formatting the values themselves. ``rows`` decides the
columns once per page and then only reads each row's values and formats them with
Django's own ``display_for_field`` and ``display_for_value``, so the HTML is the same
to the byte (tests/mentorship/test_admin_rows.py compares every list of the admin).

A list with editable columns (a formset) or a popup list is left to Django.
"""

import datetime

from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    _coerce_field_name,
    result_headers,
    result_hidden_fields,
    results,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
)
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


class _Column:
    """What a column is, decided once per page (the per-row half of Django's rules)."""

    __slots__ = ("base_classes", "boolean", "classes", "empty", "field", "link_tag", "method",
                 "name", "nowrap")  # fmt: skip

    def __init__(self, cl, index: int, name, linked: bool, first: bool):
        admin = cl.model_admin
        self.name = name
        self.field = self.method = None
        self.empty = admin.get_empty_value_display()
        self.base_classes = self.classes = [f"field-{_coerce_field_name(name, index)}"]
        self.link_tag = ("th" if first else "td") if linked else None
        self.boolean = False
        self.nowrap = False
        try:
            field = _get_non_gfk_field(cl.lookup_opts, name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):  # as lookup_field
            field = None
        if field is not None:
            self.field = field
            if field.auto_created:
                return  # drawn as a value; Django's lookup_field reads it per row
            self.nowrap = isinstance(
                field, (models.DateField, models.TimeField, models.ForeignKey)
            )
            return
        if callable(name):
            self.method = name
        elif hasattr(admin, name) and name != "__str__":
            self.method = getattr(admin, name)
        if self.method is not None:
            self.empty = getattr(self.method, "empty_value_display", self.empty)
            self.boolean = getattr(self.method, "boolean", False)
            if name == "action_checkbox":
                self.classes = ["action-checkbox"]

    def value(self, result):
        """(field or None, attr, value) as Django's lookup_field would give them."""
        if self.method is not None:
            return None, self.method, self.method(result)
        if self.field is not None and not self.field.auto_created:
            return self.field, None, getattr(result, self.name)
        return None

    def cell(self, cl, result) -> SafeString:
        try:
            found = self.value(result)
            if found is None:  # a model attribute or property: Django's own lookup
                found = lookup_field(self.name, result, cl.model_admin)
        except ObjectDoesNotExist:
            empty = cl.model_admin.get_empty_value_display()
            return self._wrap(cl, result, self.base_classes, empty)
        field, attr, value = found
        classes = self.classes
        empty = self.empty
        if self.method is None and attr is not None:
            empty = getattr(attr, "empty_value_display", empty)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if field is None or field.auto_created:
            boolean = self.boolean
            if self.method is None:  # (the action checkbox is always the admin's method)
                boolean = getattr(attr, "boolean", False)
                if isinstance(attr, property) and hasattr(attr, "fget"):
                    boolean = getattr(attr.fget, "boolean", False)
            shown = display_for_value(value, empty, boolean)
            if isinstance(value, (datetime.date, datetime.time)):
                classes = [*classes, "nowrap"]
        else:
            if isinstance(field.remote_field, models.ManyToOneRel):
                related = getattr(result, field.name)
                shown = empty if related is None else related
            else:
                shown = display_for_field(value, field, empty, avoid_link=bool(self.link_tag))
            if self.nowrap:
                classes = [*classes, "nowrap"]
        return self._wrap(cl, result, classes, shown)

    def _wrap(self, cl, result, classes, shown) -> SafeString:
        # The classes are column names and Django's words, as in Django's own cells.
        row_class = f' class="{" ".join(classes)}"'
        shown = conditional_escape(shown)
        if self.link_tag is None:
            return mark_safe(f"<td{row_class}>{shown}</td>")  # noqa: S308 - escaped above
        try:
            url = cl.url_for_result(result)
        except NoReverseMatch:
            inner = shown
        else:
            url = add_preserved_filters(
                {"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url
            )
            inner = f'<a href="{conditional_escape(url)}">{shown}</a>'
        return mark_safe(f"<{self.link_tag}{row_class}>{inner}</{self.link_tag}>")  # noqa: S308


def _columns(cl) -> list[_Column]:
    links = cl.list_display_links
    columns, first = [], True
    for index, name in enumerate(cl.list_display):
        if links is None:
            linked = False
        elif first and not links:
            linked = True
        else:
            linked = name in links
        columns.append(_Column(cl, index, name, linked, first))
        if linked:
            first = False
    return columns


def rows(cl):
    """Each row's cells, as Django's ``results`` yields them."""
    if cl.formset or cl.is_popup:
        yield from results(cl)
        return
    columns = _columns(cl)
    for result in cl.result_list:
        yield ResultList(None, [column.cell(cl, result) for column in columns])


def result_list(cl) -> dict:
    """Django's ``result_list`` context, with the rows drawn by ``rows``."""
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": list(rows(cl)),
    }
