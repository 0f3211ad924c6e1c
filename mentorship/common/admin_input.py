"""What the admin takes from the address bar and from forms it did not write.

The admin's own links only ever carry the filters, dates, ordering and pages a list
offers, and ids of rows. A hand-edited address, an old bookmark or a scanner can carry
anything, and Django hands most of it to the database: a broken regular expression, a
year after 9999, a word where an id belongs, a thousand search words, each made the page
fail. ``AdminInputMixin`` (on every registered ModelAdmin; a test holds that) and
``ValidatedListFilter`` (the base of every custom list filter) leave such input out and
say so, and the list shows everything else that was asked for.
"""

from datetime import UTC, date, datetime, timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IS_POPUP_VAR, TO_FIELD_VAR
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.main import (
    ALL_VAR,
    ERROR_FLAG,
    IS_FACETS_VAR,
    ORDER_VAR,
    PAGE_VAR,
    SEARCH_VAR,
)
from django.contrib.admin.widgets import (
    AutocompleteSelect as DjangoAutocompleteSelect,
)
from django.contrib.admin.widgets import (
    AutocompleteSelectMultiple as DjangoAutocompleteSelectMultiple,
)
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import QueryDict
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst, smart_split
from django.utils.translation import gettext

from mentorship.common.admin_labels import NamedRowsFormSetMixin, name_parts

PARAMETERS_IGNORED = (
    "Part of this page's address is not a filter this list offers, so it was left out: "
    "%(parameters)s. The list shows everything else you asked for."
)
FILTER_VALUE_IGNORED = (
    "“%(value)s” is not one of the choices under “%(title)s”, so that filter was left out."
)
# More words than this are not searched: each one is a condition of its own, and a few
# hundred are more than SQLite will take in one query.
SEARCH_WORD_LIMIT = 20
# The changelist's own parameters; Django makes sense of any value they have.
LIST_PARAMETERS = frozenset(
    {ALL_VAR, ORDER_VAR, PAGE_VAR, SEARCH_VAR, IS_FACETS_VAR, IS_POPUP_VAR, TO_FIELD_VAR,
     ERROR_FLAG}
)  # fmt: skip
# What Django's field list filters put in their links: __exact and __isnull (choices,
# booleans, values, relations as __<target>__exact), __gte and __lt (dates), __isempty;
# and __in, a comma-separated list of values, which our own links use (the outcomes
# dashboard's "matched" is several statuses).
FIELD_FILTER_LOOKUPS = ("exact", "in", "isnull", "isempty", "gte", "lt")
FORMSET_CHANGED = (
    "This list was changed outside the page (its hidden counts do not match what it "
    "sends), so nothing was saved. Reload the page and try again."
)
CHECKED_LOOKUPS = frozenset({"exact", "in", "gte", "lt"})  # values the field must hold
EMPTY_CHOICES = frozenset({"0", "1"})  # __isempty's; __isnull takes any value
SHOWN_IGNORED = 5


def value_for_field(field: models.Field, value: str, *, aware: bool = False):
    """``value`` as the field holds it, or ValidationError if it cannot hold it.

    Dates must fall between the years 2 and 9998, so that the day, month or year after
    them still exists, whatever the time zone; with ``aware``, a date and time must say
    its offset from UTC.
    """
    try:
        python = field.to_python(value)
        field.run_validators(python)
    except (ValueError, TypeError, OverflowError) as error:
        raise ValidationError(str(error)) from error
    if isinstance(python, date) and not 2 <= python.year <= 9998:
        raise ValidationError("The year is out of range.")
    if aware and isinstance(python, datetime) and settings.USE_TZ and timezone.is_naive(python):
        raise ValidationError("A date and time without its offset from UTC.")
    return python


def fits(field: models.Field, value: str, *, aware: bool = False) -> bool:
    try:
        value_for_field(field, value, aware=aware)
    except ValidationError:
        return False
    return True


def filter_parameters(model_admin, request) -> dict[str, models.Field | None]:
    """Each query parameter the list's filters send, with the field its value must fit
    (None: the filter checks its value itself, or any value will do)."""
    parameters = {}
    for list_filter in model_admin.get_list_filter(request):
        if callable(list_filter):  # a SimpleListFilter class
            parameters[list_filter.parameter_name] = None
            continue
        path = list_filter[0] if isinstance(list_filter, list | tuple) else list_filter
        if isinstance(path, models.Field):
            field, path = path, path.name
        else:
            field = get_fields_from_path(model_admin.model, path)[-1]
        checked = field.target_field if field.is_relation else field
        for lookup in FIELD_FILTER_LOOKUPS:
            parameters[f"{path}__{lookup}"] = checked if lookup in CHECKED_LOOKUPS else None
        if field.is_relation:
            for lookup in ("exact", "in"):
                parameters[f"{path}__{field.target_field.name}__{lookup}"] = field.target_field
    return parameters


def date_hierarchy_fits(year: str, month: str | None, day: str | None) -> bool:
    """Whether Django can turn the date hierarchy's year, month and day into the range
    it filters on (it computes the next day, month or year, which must exist)."""
    try:
        start = datetime(int(year), int(month or 1), int(day or 1))
        if day:
            end = start + timedelta(days=1)
        elif month:
            end = (start + timedelta(days=32)).replace(day=1)
        else:
            end = start.replace(year=start.year + 1)
        if settings.USE_TZ:
            for moment in (start, end):
                timezone.make_aware(moment).astimezone(UTC)
    except (ValueError, OverflowError):
        return False
    return True


def _shown(name: str, value: str) -> str:
    text = f"{name}={value}"
    return f"“{text[:60]}…”" if len(text) > 60 else f"“{text}”"


class AdminInputMixin:
    """For every ModelAdmin: query parameters, selected rows and pre-filled values are
    used only if the list or form offers them and they fit; the rest is left out, and a
    note on the list says what was.

    - Changelist (and anything built on it, like a CSV export): only the parameters of
      its list filters, with values their fields can hold, the date hierarchy's with a
      date that exists, and Django's own (search, ordering, page, popup).
    - Actions: selected ids that are not ids are dropped.
    - Add forms pre-filled from the address (``?user=12``): only values the fields take.
    - Autocomplete widgets never look up a value that is not an id.
    - Searches use their first ``SEARCH_WORD_LIMIT`` words.
    - An empty ``_to_field`` on a change or delete page names no field.
    - An emptied JSON box (or ``null``) saves the field's default, not NULL.
    - Every control has a name: each part of a split date and time, and each editable
      cell of a list (``admin_labels``).
    - Each row's action checkbox is written directly: Django renders a widget template
      for each, a fifth of a 100-row list's time.
    """

    def action_checkbox(self, obj):
        """The markup of Django's own (``ModelAdmin.action_checkbox``), without a template."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            str(obj.pk),
            format_html(gettext("Select this object for an action - {}"), str(obj)),
        )

    def get_changelist_instance(self, request):
        request.GET, ignored = self.list_parameters(request)
        if ignored:
            shown = ", ".join(ignored[:SHOWN_IGNORED])
            if len(ignored) > SHOWN_IGNORED:
                shown += f" and {len(ignored) - SHOWN_IGNORED} more"
            messages.warning(request, PARAMETERS_IGNORED % {"parameters": shown})
        return super().get_changelist_instance(request)

    def list_parameters(self, request) -> tuple[QueryDict, list[str]]:
        """The query parameters the changelist may use, and the ones it leaves out."""
        offered = filter_parameters(self, request)
        hierarchy = self.date_hierarchy
        dates = (
            {f"{hierarchy}__{part}" for part in ("year", "month", "day")} if hierarchy else set()
        )
        kept, ignored = QueryDict(mutable=True), []
        for name, values in request.GET.lists():
            field = offered.get(name)
            if name in LIST_PARAMETERS or name in dates:
                usable = True
            elif name.endswith("__isempty") and name in offered:
                usable = set(values) <= EMPTY_CHOICES
            elif name in offered:
                # Django splits an __in value on commas; each item must fit.
                items = (
                    [i for v in values for i in v.split(",")] if name.endswith("__in") else values
                )
                usable = field is None or all(fits(field, item, aware=True) for item in items)
            else:
                usable = False
            if usable:
                kept.setlist(name, values)
            else:
                ignored.extend(_shown(name, value) for value in values)
        if dates & set(kept):
            year, month, day = (
                kept.get(f"{hierarchy}__{part}") for part in ("year", "month", "day")
            )
            if year is None or not date_hierarchy_fits(year, month, day):
                for name in sorted(dates & set(kept)):
                    ignored.extend(_shown(name, value) for value in kept.pop(name))
        kept._mutable = False
        return kept, ignored

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and ACTION_CHECKBOX_NAME in request.POST:
            selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
            ids = [pk for pk in selected if fits(self.model._meta.pk, pk)]
            if len(ids) != len(selected):
                data = request.POST.copy()
                data.setlist(ACTION_CHECKBOX_NAME, ids)
                request.POST = data
        return super().changelist_view(request, extra_context)

    def get_changeform_initial_data(self, request):
        initial = {}
        for name, value in super().get_changeform_initial_data(request).items():
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if not (field.concrete or field.many_to_many):
                continue
            target = field.target_field if field.is_relation else field
            try:
                if isinstance(value, list):  # Django splits many-to-many values on commas
                    initial[name] = [value_for_field(target, item) for item in value]
                else:
                    initial[name] = value_for_field(target, value)
            except ValidationError:
                continue
        return initial

    def get_object(self, request, object_id, from_field=None):
        # "?_to_field=" (empty) means no field was named, not a field called "".
        return super().get_object(request, object_id, from_field or None)

    def get_search_results(self, request, queryset, search_term):
        words = list(smart_split(search_term))
        if len(words) > SEARCH_WORD_LIMIT:
            search_term = " ".join(words[:SEARCH_WORD_LIMIT])
        return super().get_search_results(request, queryset, search_term)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.JSONField) and not db_field.null:
            kwargs.setdefault("form_class", JSONOrDefaultField)
            kwargs.setdefault("default", db_field.get_default)
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None:
            name_parts(formfield, str(formfield.label or capfirst(db_field.verbose_name)))
        return formfield

    def get_changelist_formset(self, request, **kwargs):
        formset = super().get_changelist_formset(request, **kwargs)
        return type(formset.__name__, (NamedRowsFormSetMixin, formset), {})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class CheckedInlineFormSet(NamedRowsFormSetMixin, BaseInlineFormSet):
    """An inline whose hidden counts agree with the rows it sends, or a clear error.

    A management form that says fewer rows exist than it sends back with ids (or fewer
    than none) makes Django treat a saved row as a new one: its save then breaks a
    unique constraint with a server error instead of a message. Every field of every
    row is named for screen readers (``admin_labels``).
    """

    def clean(self):
        super().clean()
        initial = self.initial_form_count()
        pk_name = self.model._meta.pk.name
        posed_as_new = any(
            getattr(form, "cleaned_data", {}).get(pk_name) is not None
            for form in self.forms[max(initial, 0) :]
        )
        if initial < 0 or posed_as_new:
            raise ValidationError(FORMSET_CHANGED, code="management_form")


class JSONOrDefaultField(forms.JSONField):
    """A JSON box for a column that cannot be NULL: emptied, or ``null``, it saves the
    field's default ([] or {}); Django would save NULL, which the database refuses."""

    def __init__(self, *, default, **kwargs):
        self.default = default
        super().__init__(**kwargs)

    def to_python(self, value):
        python = super().to_python(value)
        return self.default() if python is None and not self.disabled else python


class ValidatedListFilter(admin.SimpleListFilter):
    """A custom list filter that applies only the values it offers.

    Any other value (a hand-edited address) is left out with a note, so ``queryset``
    only ever sees one of the ``lookups``: a word where an id belongs no longer reaches
    the database.
    """

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        value = self.value()
        if value is not None and value not in {str(key) for key, _ in self.lookup_choices}:
            messages.warning(request, FILTER_VALUE_IGNORED % {"value": value, "title": self.title})
            del self.used_parameters[self.parameter_name]


class _OnlyIdsLookedUp:
    """Autocomplete widgets show the chosen rows by looking them up; a value that is not
    an id (a forged form, a pre-filled address) would fail that lookup, so it is left out."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field.model._meta
        to_field = getattr(self.field.remote_field, "field_name", remote.pk.attname)
        target = remote.get_field(to_field)
        value = [item for item in value if item in ("", None) or fits(target, item)]
        return super().optgroups(name, value, attr)


class _Named:
    """select2 draws the picker in the browser, named after nothing but its value;
    ``admin-labels.js`` names it after the field's label (after autocomplete.js)."""

    @property
    def media(self):
        # Named with autocomplete.js first, so that media merging keeps this after it.
        return super().media + forms.Media(js=["admin/js/autocomplete.js", "js/admin-labels.js"])


class AutocompleteSelect(_Named, _OnlyIdsLookedUp, DjangoAutocompleteSelect):
    pass


class AutocompleteSelectMultiple(_Named, _OnlyIdsLookedUp, DjangoAutocompleteSelectMultiple):
    pass
