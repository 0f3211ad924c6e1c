"""``{% error_summary form other_form %}``: the GOV.UK Design System's error summary.

At the top of a page whose form came back with errors: a heading, one line per error,
each a link to its field (a group of checkboxes or radios links to its first option),
the form's own errors as plain lines. static/js/error-summary.js moves focus to it on
load, and each link to its field with the field's label or legend in view.
"""

from django import template
from django.forms import CheckboxSelectMultiple, RadioSelect

register = template.Library()


def summary_items(*forms) -> list[dict]:
    items = []
    for form in forms:
        if form is None or not form.is_bound or not form.errors:
            continue
        for error in form.non_field_errors():
            items.append({"href": "", "text": error})
        for field in form:
            if not field.errors or field.is_hidden:
                continue
            href = "#" + field.auto_id
            if isinstance(field.field.widget, (CheckboxSelectMultiple, RadioSelect)):
                href += "_0"  # the group's first option
            label = str(field.label or field.name)
            # "Your name: This field is required."; a question keeps its question mark.
            joiner = " " if label.endswith(("?", ".", ":")) else ": "
            for error in field.errors:
                items.append({"href": href, "text": f"{label}{joiner}{error}"})
    return items


@register.inclusion_tag("includes/error_summary.html")
def error_summary(*forms, saved_note="Nothing has been saved yet; your answers are still here."):
    return {"items": summary_items(*forms), "saved_note": saved_note}
