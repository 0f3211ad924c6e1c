"""Every control in the admin has a name a screen reader can say (WCAG 4.1.2, 1.3.1).

Django's admin labels each form field with a ``<label for>``, but three kinds of control
have none:

- the parts of a split date and time (a ``MultiWidget``'s label points at neither);
- the fields of a tabular inline row, which sit under column headings;
- the editable cells of a change list (``list_editable``), likewise.

``name_parts`` gives each part of a multi-part field its own name ("Intake opens at:
date"); ``name_row`` gives each field of one row a name that says the row ("Order of
Career growth", "Name, new row"). ``NamedRowsFormSetMixin`` applies ``name_row`` to every
row of an inline or list formset. The autocomplete person pickers get theirs in the
browser (``static/js/admin-labels.js``), since select2 draws them there.
"""

from django import forms
from django.forms.formsets import DELETION_FIELD_NAME
from django.utils.text import capfirst

# The parts of Django's split date and time, in its order.
SPLIT_PART_NAMES = ("date", "time")


def name_parts(formfield: forms.Field, label: str) -> None:
    """Name each part of a multi-part field after the field: "<label>: date"."""
    widget = formfield.widget
    if not isinstance(widget, forms.MultiWidget):
        return
    names = SPLIT_PART_NAMES if len(widget.widgets) == 2 else ()
    for index, part in enumerate(widget.widgets):
        part_name = names[index] if names else f"part {index + 1}"
        part.attrs.setdefault("aria-label", f"{label}: {part_name}")


def row_name(form: forms.BaseForm, index: int | None) -> str:
    instance = getattr(form, "instance", None)
    if instance is not None and instance.pk is not None:
        return f"of {instance}"
    return "new row" if index is None else f"row {index + 1}"


def name_row(form: forms.BaseForm, index: int | None) -> None:
    """Name every visible field of one row of a formset: "<label> <row>"."""
    row = row_name(form, index)
    for name, field in form.fields.items():
        if field.widget.is_hidden:
            continue
        label = str(field.label) if field.label else capfirst(name.replace("_", " "))
        if name == DELETION_FIELD_NAME:
            text = f"Delete {row.removeprefix('of ')}"
        else:
            text = f"{label} {row}" if row.startswith("of ") else f"{label}, {row}"
        if isinstance(field.widget, forms.MultiWidget):
            name_parts(field, text)
        else:
            field.widget.attrs = {**field.widget.attrs, "aria-label": text}


class NamedRowsFormSetMixin:
    """For inline and change-list formsets: every field of every row has a name."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        name_row(form, index)
